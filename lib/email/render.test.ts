import { describe, expect, it } from "vitest";
import type {
  BillingEmailContent,
  EmailBrand,
  RenderedEmail,
} from "@/lib/email/templates/billing-content";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_render_unit";

const { renderBillingEmail, renderSignInEmail, emailBrand } = await import("./render");

const appUrl = "https://app.example.com";
const withSupport: EmailBrand = {
  businessName: "Billing Done Right",
  supportEmail: "support@example.com",
  appUrl,
};
const withoutSupport: EmailBrand = { ...withSupport, supportEmail: null };

/** A query string with two parameters: `&` must come out as `&amp;` in the HTML. */
const link = (path: string) => `${appUrl}${path}${path.includes("?") ? "&" : "?"}utm=email`;
const escaped = (url: string) => url.replaceAll("&", "&amp;");
const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

type Case = {
  content: BillingEmailContent;
  subject: string;
  button: string;
  /** Facts the email must state, in the HTML and in the text. */
  says: string[];
  /** What it must not say. */
  never?: string[];
};

const cases: Case[] = [
  {
    content: {
      kind: "payment_failed",
      planName: "Pro",
      amount: "$12.00",
      card: "Visa ending in 4242",
      accessEndsOn: "December 10, 2026",
      actionUrl: link("/api/billing/portal?flow=payment_method"),
    },
    subject: "Your payment for Pro failed — Billing Done Right",
    button: "Update payment method",
    says: ["$12.00", "Visa ending in 4242", "December 10, 2026", "Pro"],
  },
  {
    content: {
      kind: "payment_failed",
      planName: "Pro",
      amount: "$12.00",
      card: null,
      accessEndsOn: null,
      actionUrl: link("/api/billing/portal?flow=payment_method"),
    },
    subject: "Your payment for Pro failed — Billing Done Right",
    button: "Update payment method",
    says: ["$12.00", "Update your payment method to keep your plan."],
    never: ["ending in", "until", "null"],
  },
  {
    content: {
      kind: "payment_action_required",
      planName: "Team",
      amount: "$49.00",
      actionUrl: "https://invoice.stripe.test/i/acct_1/inv_1?s=ap&locale=en",
    },
    subject: "Confirm your payment for Team — Billing Done Right",
    button: "Confirm payment",
    says: ["$49.00", "Your bank needs you to confirm this payment", "Team"],
  },
  {
    content: {
      kind: "trial_will_end",
      planName: "Pro",
      endsOn: "December 3, 2026",
      priceAfter: "$12.00 / month",
      hasPaymentMethod: false,
      actionUrl: link("/api/billing/portal?flow=payment_method"),
    },
    subject: "Your trial ends on December 3, 2026 — Billing Done Right",
    button: "Add a payment method",
    says: ["December 3, 2026", "$12.00 / month", "the trial ends without it"],
    never: ["Manage plan"],
  },
  {
    content: {
      kind: "trial_will_end",
      planName: "Pro",
      endsOn: "December 3, 2026",
      priceAfter: "$12.00 / month",
      hasPaymentMethod: true,
      actionUrl: link("/api/billing/portal?flow=manage"),
    },
    subject: "Your trial ends on December 3, 2026 — Billing Done Right",
    button: "Manage plan",
    says: ["December 3, 2026", "$12.00 / month", "payment method on file"],
    never: ["Add a payment method", "without it"],
  },
  {
    content: {
      kind: "trial_will_end",
      planName: "Pro",
      endsOn: "December 3, 2026",
      priceAfter: null,
      hasPaymentMethod: false,
      actionUrl: link("/api/billing/portal?flow=payment_method"),
    },
    subject: "Your trial ends on December 3, 2026 — Billing Done Right",
    button: "Add a payment method",
    says: ["To keep it, add a payment method before December 3, 2026."],
    never: ["null", "()"],
  },
  {
    content: {
      kind: "cancellation_scheduled",
      planName: "Pro",
      endsOn: "January 15, 2027",
      actionUrl: link("/api/billing/portal?flow=manage"),
    },
    subject: "Cancellation scheduled: Pro ends on January 15, 2027 — Billing Done Right",
    button: "Resume subscription",
    says: ["January 15, 2027", "Pro"],
  },
  {
    content: {
      kind: "subscription_ended",
      planName: "Pro",
      endedOn: "January 15, 2027",
      actionUrl: link("/pricing"),
    },
    subject: "Your subscription has ended — Billing Done Right",
    button: "See plans",
    says: ["January 15, 2027", "Pro"],
  },
  {
    content: {
      kind: "payment_recovered",
      planName: "Pro",
      amount: "$12.00",
      actionUrl: link("/settings/billing"),
    },
    subject: "Payment received: Pro is active again — Billing Done Right",
    button: "View billing",
    says: ["$12.00", "Your plan is active again."],
  },
];

/** The formatted values an email is given (its amounts, dates, card, price). */
function valuesOf(content: BillingEmailContent): string[] {
  return Object.entries(content)
    .filter(([key]) => !["kind", "planName", "actionUrl"].includes(key))
    .map(([, value]) => value)
    .filter((v): v is string => typeof v === "string");
}

/** The HTML with its tags removed and entities decoded enough to read the words in it. */
function visibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]+>/g, "")
    .replaceAll("&#x27;", "'")
    .replaceAll("&amp;", "&");
}

function expectButton(email: RenderedEmail, label: string, url: string) {
  // The HTML: the button and the fallback line both link to it, `&` escaped.
  const href = `href="${escaped(url)}"`;
  expect(email.html.split(href)).toHaveLength(3);
  if (url.includes("&")) expect(email.html).not.toContain(url);
  expect(visibleText(email.html)).toContain(label);
  expect(visibleText(email.html)).toContain(`If the button doesn't work, open: ${url}`);
  // The text: the label, then the URL whole (never wrapped or escaped).
  expect(email.text).toMatch(new RegExp(`${literally(label)}\\s+${literally(url)}\\n`));
}

describe("renderBillingEmail", () => {
  for (const { content, subject, button, says, never = [] } of cases) {
    const name = `${content.kind}${content.kind === "trial_will_end" ? ` (card: ${content.hasPaymentMethod}, price: ${content.priceAfter})` : ""}${content.kind === "payment_failed" ? ` (card: ${content.card})` : ""}`;
    it(`${name}: subject, its one button, what happened`, async () => {
      const email = await renderBillingEmail(content, withSupport);
      expect(email.subject).toBe(subject);
      expectButton(email, button, content.actionUrl);
      const words = visibleText(email.html).replace(/\s+/g, " ");
      const text = email.text.replace(/\s+/g, " ");
      for (const fact of says) {
        expect(words).toContain(fact);
        expect(text).toContain(fact);
      }
      // Amounts, dates and cards are never split across lines of the text part.
      for (const value of valuesOf(content)) {
        expect(email.text).toContain(value);
        expect(visibleText(email.html).replaceAll("\u00a0", " ")).toContain(value);
      }
      for (const wrong of never) {
        expect(words).not.toContain(wrong);
        expect(text).not.toContain(wrong);
      }
      for (const part of [words, text]) {
        expect(part).toContain("Billing Done Right");
        expect(part).toContain("Questions? Write to support@example.com");
        expect(part).toContain(appUrl);
      }
      expect(email.html).toContain('href="mailto:support@example.com"');
    });
  }

  it("has no support line when SUPPORT_EMAIL is unset", async () => {
    for (const { content } of cases) {
      const email = await renderBillingEmail(content, withoutSupport);
      for (const part of [email.html, email.text]) {
        expect(part).not.toContain("Questions?");
        expect(part).not.toContain("mailto:");
        expect(part).not.toContain("support@");
        expect(part).toContain("Billing Done Right");
        expect(part).toContain(appUrl);
      }
    }
  });

  it("puts the business name in the subject and header", async () => {
    const email = await renderBillingEmail(cases[0]!.content, {
      ...withSupport,
      businessName: "Acme Widgets",
    });
    expect(email.subject).toBe("Your payment for Pro failed — Acme Widgets");
    expect(visibleText(email.html)).toContain("Acme Widgets");
    expect(email.text.split("\n")[0]).toBe("Acme Widgets");
  });

  it("escapes markup in the values it is given", async () => {
    const email = await renderBillingEmail(
      {
        kind: "payment_recovered",
        planName: `<script>alert("x")</script>Pro`,
        amount: "<img src=x onerror=alert(1)>",
        actionUrl: link("/settings/billing"),
      },
      { ...withSupport, businessName: "<b>Acme</b>" },
    );
    expect(email.html).not.toMatch(/<script|<img|<b>/i);
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;Pro");
    expect(email.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(email.html).toContain("&lt;b&gt;Acme&lt;/b&gt;");
    // The text part is text/plain: the characters as they are.
    expect(email.text).toContain(`<script>alert("x")</script>Pro`);
  });

  it("writes the text part in ASCII lines of at most 76 characters (it goes out as 7bit)", async () => {
    for (const { content } of cases) {
      const { text } = await renderBillingEmail(content, withSupport);
      expect(text).toMatch(/^[\x20-\x7e\n]+$/);
      const long = text.split("\n").filter((line) => line.length > 76);
      expect(long).toEqual([]);
    }
  });

  it("never splits an amount, a date or a card across lines of the text part", async () => {
    // Plan names of every length move the values along the 72-column lines.
    for (let n = 1; n <= 40; n++) {
      const planName = "P".repeat(n);
      const trial = await renderBillingEmail(
        {
          ...(cases[3]!.content as Extract<BillingEmailContent, { kind: "trial_will_end" }>),
          planName,
        },
        withSupport,
      );
      expect(trial.text).toContain("$12.00 / month");
      expect(trial.text).toContain("December 3, 2026");
      const failed = await renderBillingEmail(
        {
          ...(cases[0]!.content as Extract<BillingEmailContent, { kind: "payment_failed" }>),
          planName,
        },
        withSupport,
      );
      expect(failed.text).toContain("Visa ending in 4242");
      expect(failed.text).toContain("December 10, 2026");
    }
  });

  it("is readable in dark mode: every text has its color on an element with a background", async () => {
    const { html } = await renderBillingEmail(cases[0]!.content, withSupport);
    expect(html).toContain('<meta name="color-scheme" content="light"/>');
    expect(html).toMatch(/<body style="background-color:#f4f4f5/);
    expect(html).toMatch(/style="[^"]*background-color:#ffffff/);
    // The button: white text on its own dark background.
    expect(html).toMatch(/<a href="[^"]+" style="[^"]*background-color:#18181b[^"]*color:#ffffff/);
    for (const p of html.match(/<p [^>]*>/g) ?? []) expect(p).toMatch(/color:#/);
  });
});

describe("renderSignInEmail", () => {
  const url = `http://localhost:3000/sign-in/confirm?token=abc123&email=${encodeURIComponent("ada+x@example.com")}`;

  it("keeps its subject and link, on the shared layout", async () => {
    const email = await renderSignInEmail({ url, host: "localhost:3000", brand: withSupport });
    expect(email.subject).toBe("Sign in to localhost:3000");
    expectButton(email, "Sign in", url);
    expect(email.text).toContain(url);
    for (const part of [visibleText(email.html), email.text]) {
      expect(part.replace(/\s+/g, " ")).toContain(
        "If you did not request this email you can safely ignore it.",
      );
      expect(part).toContain("Billing Done Right");
      expect(part).toContain("support@example.com");
    }
  });
});

describe("emailBrand", () => {
  it("comes from BUSINESS_NAME, SUPPORT_EMAIL and APP_URL", async () => {
    const { env } = await import("@/lib/env");
    expect(emailBrand()).toEqual({
      businessName: env.BUSINESS_NAME,
      supportEmail: env.SUPPORT_EMAIL ?? null,
      appUrl: env.APP_URL,
    });
  });
});
