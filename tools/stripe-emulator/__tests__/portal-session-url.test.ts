import { describe, expect, it, vi } from "vitest";
import { setupHarness, type Harness } from "./helpers";

let h: Harness;
let url: string;

setupHarness(async (started, cat) => {
  h = started;
  await h.stripe.billingPortal.configurations.create({
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        products: [{ product: cat.basic.id, prices: [cat.basicMonthly.id] }],
      },
    },
  });
  const customer = await h.stripe.customers.create({ email: "url@x.y" });
  url = (await h.stripe.billingPortal.sessions.create({ customer: customer.id })).url;
});

const open = (u: string, cookie?: string) =>
  fetch(u, { redirect: "manual", headers: cookie ? { cookie } : {} });

describe("portal session URLs are short-lived and single-use", () => {
  it("the first open binds the session to that browser; a copied link gets an expired page", async () => {
    const first = await open(url);
    expect(first.status).toBe(200);
    const setCookie = first.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    const cookie = setCookie.split(";")[0]!;
    // The same browser keeps using it (reload, navigation).
    expect((await open(url, cookie)).status).toBe(200);
    expect((await open(`${url}/payment-methods/new`, cookie)).status).toBe(200);
    // Another browser, or the link pasted elsewhere: expired.
    const copied = await open(url);
    expect(copied.status).toBe(410);
    expect(await copied.text()).toContain("expired");
    const wrong = await open(url, `${cookie.split("=")[0]}=forged`);
    expect(wrong.status).toBe(410);
    // A form post without the browser's cookie changes nothing.
    const post = await fetch(`${url}/payment-methods`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "cardnumber=4242424242424242",
    });
    expect(post.status).toBe(410);
  });

  it("an unopened URL expires after 5 minutes", async () => {
    const realNow = Date.now();
    const spy = vi.spyOn(Date, "now").mockReturnValue(realNow + 5 * 60_000 + 1000);
    try {
      const page = await open(url);
      expect(page.status).toBe(410);
      expect(page.headers.get("set-cookie")).toBeNull();
    } finally {
      spy.mockRestore();
    }
  });
});
