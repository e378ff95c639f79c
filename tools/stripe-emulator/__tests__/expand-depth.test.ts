/** Stripe expands at most four levels of a property; on a list, `data.` is one of them. */
import { afterEach, describe, expect, it } from "vitest";
import { seedCatalog, startHarness, subscribedCustomer, type Harness } from "./helpers";

let h: Harness;
afterEach(async () => h.stop());

describe("expand depth", () => {
  it("refuses a five-level path, like Stripe, and accepts four levels on a list", async () => {
    h = await startHarness();
    const cat = await seedCatalog(h.stripe);
    const { customer: c } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
      customer: { email: "deep@x.y" },
      cardOn: "subscription",
    });

    const path = "data.payments.data.payment.payment_intent";
    await expect(h.stripe.invoices.list({ customer: c.id, expand: [path] })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 400,
      code: "property_expansion_max_depth",
      param: "expand",
      message: `You cannot expand more than 4 levels of a property. Property: ${path}`,
    });

    const listed = await h.stripe.subscriptions.list({
      customer: c.id,
      expand: ["data.items.data.price"],
    });
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]?.items.data[0]?.price).toMatchObject({ id: cat.basicMonthly.id });
  });

  it("refuses before acting: a too-deep create makes nothing", async () => {
    h = await startHarness();
    await expect(
      h.stripe.customers.create({
        email: "never@x.y",
        expand: [
          "invoice_settings.default_payment_method.customer.invoice_settings.default_payment_method",
        ],
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: "property_expansion_max_depth" });
    expect((await h.stripe.customers.list({ email: "never@x.y" })).data).toHaveLength(0);
  });
});
