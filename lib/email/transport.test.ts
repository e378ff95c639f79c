/**
 * The one transport: a real SMTP server (smtp-server, on loopback) gets the text and HTML parts
 * from EMAIL_FROM, and a refusal throws; without EMAIL_SERVER the outbox keeps the HTML too, and
 * a production build refuses.
 */
import { randomUUID } from "node:crypto";
import { startTestSmtpServer } from "@/lib/email/testing/smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_transport_unit";

type EnvOverrides = Partial<
  Record<"NODE_ENV" | "EMAIL_SERVER" | "EMAIL_OUTBOX" | "EMAIL_FROM", string | undefined>
>;

async function load(overrides: EnvOverrides) {
  vi.resetModules();
  vi.doMock("@/lib/env", async (importOriginal) => {
    const actual = await importOriginal<typeof import("@/lib/env")>();
    return { env: { ...actual.env, ...overrides } };
  });
  const { deliverEmail } = await import("./transport");
  const { db } = await import("@/lib/db");
  return { deliverEmail, db };
}

afterEach(() => {
  vi.doUnmock("@/lib/env");
  vi.resetModules();
});

let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
let server = "";
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = smtp.url;
});
afterAll(async () => {
  await smtp.stop();
});

const tag = () => randomUUID().slice(0, 8);
const email = (to: string) => ({
  to,
  subject: "Your payment for Pro failed — Billing Done Right",
  text: "We could not charge $12.00.\n\nhttp://localhost:3000/api/billing/portal?flow=payment_method\n",
  html: '<p>We could not charge <a href="http://localhost:3000/x?a=1&amp;b=2">$12.00</a>.</p>',
  url: "http://localhost:3000/api/billing/portal?flow=payment_method",
});

describe("deliverEmail with EMAIL_SERVER", () => {
  it("sends the text and HTML parts from EMAIL_FROM, and nothing to the outbox", async () => {
    const { deliverEmail, db } = await load({
      EMAIL_SERVER: server,
      EMAIL_FROM: "Billing Done Right <billing@example.com>",
    });
    const to = `smtp-${tag()}@example.com`;
    await deliverEmail(email(to));
    const [got] = smtp.received.filter((r) => r.to.includes(to));
    expect(got?.from).toBe("billing@example.com");
    expect(got?.body).toMatch(/^From: Billing Done Right <billing@example\.com>/m);
    expect(got?.body).toMatch(/^Subject: .+/m);
    expect(got?.body).toMatch(/Content-Type: multipart\/alternative/);
    expect(got?.body).toMatch(/Content-Type: text\/plain/);
    expect(got?.body).toMatch(/Content-Type: text\/html/);
    // ASCII text with short lines goes out as 7bit: the link is in the body as is.
    expect(got?.body).toContain("http://localhost:3000/api/billing/portal?flow=payment_method");
    expect(await db.outboxEmail.count({ where: { to } })).toBe(0);
  });

  it("throws when the server refuses the email", async () => {
    const { deliverEmail } = await load({ EMAIL_SERVER: server });
    smtp.refuse({ code: 550, message: "Mailbox unavailable" });
    try {
      await expect(deliverEmail(email(`refused-${tag()}@example.com`))).rejects.toThrow(
        /550|Mailbox unavailable/,
      );
    } finally {
      smtp.refuse(null);
    }
  });
});

describe("deliverEmail without EMAIL_SERVER", () => {
  it("outside production, stores the email with its HTML in the outbox", async () => {
    const { deliverEmail, db } = await load({ NODE_ENV: "development", EMAIL_SERVER: undefined });
    const to = `Outbox-${tag()}@Example.com`;
    const sent = email(to);
    await deliverEmail(sent);
    const rows = await db.outboxEmail.findMany({ where: { to: to.toLowerCase() } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      subject: sent.subject,
      text: sent.text,
      html: sent.html,
      url: sent.url,
    });
  });

  it("stores no HTML when the email has none", async () => {
    const { deliverEmail, db } = await load({ NODE_ENV: "development", EMAIL_SERVER: undefined });
    const to = `text-only-${tag()}@example.com`;
    await deliverEmail({ to, subject: "Plain", text: "Just text\n" });
    expect(await db.outboxEmail.findFirst({ where: { to } })).toMatchObject({
      html: null,
      url: null,
    });
  });

  it("in production, refuses unless EMAIL_OUTBOX=1", async () => {
    const refused = await load({
      NODE_ENV: "production",
      EMAIL_SERVER: undefined,
      EMAIL_OUTBOX: "0",
    });
    const to = `prod-${tag()}@example.com`;
    await expect(refused.deliverEmail(email(to))).rejects.toThrow(
      /EMAIL_SERVER is not set: refusing to send an email in production/,
    );
    expect(await refused.db.outboxEmail.count({ where: { to } })).toBe(0);

    const local = await load({
      NODE_ENV: "production",
      EMAIL_SERVER: undefined,
      EMAIL_OUTBOX: "1",
    });
    await local.deliverEmail(email(to));
    expect(await local.db.outboxEmail.count({ where: { to } })).toBe(1);
  });
});

describe("SMTP timeouts", () => {
  it("are added to EMAIL_SERVER well under a billing email's lease, keeping the URL's own", async () => {
    const { withSmtpTimeouts } = await import("./transport");
    const url = new URL(
      withSmtpTimeouts("smtp://user:p%40ss@smtp.example.com:587?socketTimeout=5000"),
    );
    expect(url.username).toBe("user");
    expect(url.password).toBe("p%40ss");
    expect(url.searchParams.get("connectionTimeout")).toBe("10000");
    expect(url.searchParams.get("greetingTimeout")).toBe("10000");
    expect(url.searchParams.get("socketTimeout")).toBe("5000");
  });
});
