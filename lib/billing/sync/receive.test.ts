import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  startBillingHarness,
  TEST_WEBHOOK_SECRET,
  type BillingHarness,
} from "@/lib/billing/testing/harness";
import { eventJson, signPayload } from "@/lib/billing/testing/signed-events";

// Real route handler, real Postgres, the local Stripe emulator. Events here are signed by hand.
let harness: BillingHarness;
let POST: (request: Request) => Promise<Response>;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let getOrCreateStripeCustomer: typeof import("@/lib/billing/customers").getOrCreateStripeCustomer;
let createTestUser: typeof import("@/lib/billing/testing/users").createTestUser;
let customerIdOf: typeof import("@/lib/billing/sync/receive").customerIdOf;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ POST } = await import("@/app/api/webhooks/stripe/route"));
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  ({ getOrCreateStripeCustomer } = await import("@/lib/billing/customers"));
  ({ createTestUser } = await import("@/lib/billing/testing/users"));
  ({ customerIdOf } = await import("@/lib/billing/sync/receive"));
  // Refused signatures are counted shortly after the answer (5 s in production).
  (await import("@/lib/billing/sync/webhook-rejections")).resetWebhookRejectionWindows({
    writeDelayMs: 20,
  });
});

afterAll(async () => {
  await harness?.stop();
});

function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return signPayload(payload, options.secret ?? TEST_WEBHOOK_SECRET, options);
}

function deliver(payload: string | ReadableStream<Uint8Array>, signature?: string | null) {
  const headers = new Headers({ "content-type": "application/json" });
  if (signature) headers.set("stripe-signature", signature);
  const init: RequestInit & { duplex?: "half" } = { method: "POST", headers, body: payload };
  if (typeof payload !== "string") init.duplex = "half";
  return POST(new Request("http://localhost/api/webhooks/stripe", init));
}

const ledgerRow = (id: string) => db.stripeEvent.findUnique({ where: { id } });

describe("POST /api/webhooks/stripe", () => {
  it("accepts a correctly signed event of a type it does not handle: 200, recorded, ignored", async () => {
    const { id, payload } = eventJson({
      type: "coupon.created",
      object: { id: "co_x", object: "coupon" },
    });
    const res = await deliver(payload, sign(payload));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: true, outcome: "ignored" });
    const row = await ledgerRow(id);
    expect(row).toMatchObject({
      type: "coupon.created",
      livemode: false,
      attempts: 1,
      lastError: null,
    });
    expect(row?.processedAt).toBeInstanceOf(Date);
  });

  it("a price.* event makes the plan cards read Stripe's prices again at once", async () => {
    const { resolveCatalogPrices } = await import("@/lib/billing/catalog/prices");
    const { createProMonthlyPrice } = await import("@/lib/billing/testing/customers");
    const stripe = getStripe();
    const old = await createProMonthlyPrice(stripe);
    expect((await resolveCatalogPrices({ fresh: true })).byLookupKey.get("pro_monthly")?.id).toBe(
      old.id,
    );
    const raised = await stripe.prices.create({
      product: typeof old.product === "string" ? old.product : old.product.id,
      currency: "usd",
      unit_amount: 1_500,
      recurring: { interval: "month" },
      lookup_key: "pro_monthly",
      transfer_lookup_key: true,
      metadata: { plan: "pro" },
    });
    try {
      // Cached: without the event, the old amount would show for up to five minutes.
      expect((await resolveCatalogPrices()).byLookupKey.get("pro_monthly")?.id).toBe(old.id);
      const { id, payload } = eventJson({
        type: "price.created",
        object: raised as unknown as Record<string, unknown>,
      });
      const res = await deliver(payload, sign(payload));
      expect(await res.json()).toMatchObject({ outcome: "revalidated the catalog's prices" });
      expect((await ledgerRow(id))?.processedAt).toBeInstanceOf(Date);
      const fresh = (await resolveCatalogPrices()).byLookupKey.get("pro_monthly");
      expect(fresh).toMatchObject({ id: raised.id, unit_amount: 1_500 });
    } finally {
      await stripe.prices.update(old.id, { lookup_key: "pro_monthly", transfer_lookup_key: true });
      (await import("@/lib/billing/catalog/prices")).clearCatalogPriceCache();
    }
  });

  it("records a type Stripe may add in the future the same way", async () => {
    const { id, payload } = eventJson({ type: "billing.some_future_thing", object: { id: "x" } });
    const res = await deliver(payload, sign(payload));
    expect(res.status).toBe(200);
    expect((await ledgerRow(id))?.outcome).toBe("ignored");
  });

  it("refuses forged, tampered and missing signatures with 400 and writes nothing", async () => {
    const { id, payload } = eventJson({ type: "coupon.created", object: { id: "co_y" } });
    const forged = await deliver(payload, sign(payload, { secret: "whsec_not_the_right_one" }));
    expect(forged.status).toBe(400);
    const tampered = await deliver(payload.replace("co_y", "prod_z"), sign(payload));
    expect(tampered.status).toBe(400);
    expect((await deliver(payload, null)).status).toBe(400);
    expect((await deliver(payload, "t=1,v1=deadbeef")).status).toBe(400);
    expect(await ledgerRow(id)).toBeNull();
  });

  it("refuses a signature whose timestamp is outside the 300 s tolerance", async () => {
    const { id, payload } = eventJson({ type: "coupon.created", object: { id: "prod_old" } });
    const stale = Math.floor(Date.now() / 1000) - 301;
    const res = await deliver(payload, sign(payload, { timestamp: stale }));
    expect(res.status).toBe(400);
    expect(await ledgerRow(id)).toBeNull();
  });

  it("refuses a signed but malformed event", async () => {
    const payload = JSON.stringify({ id: "not-an-event", type: 5 });
    const res = await deliver(payload, sign(payload));
    expect(res.status).toBe(400);
  });

  it("refuses oversized bodies before parsing, with or without Content-Length", async () => {
    const { id, payload } = eventJson({
      type: "coupon.created",
      object: { id: "prod_big", description: "x".repeat(600 * 1024) },
    });
    const declared = await deliver(payload, sign(payload));
    expect(declared.status).toBe(413);

    // A chunked body declares no length: it is cut off while reading.
    const bytes = new TextEncoder().encode(payload);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024)
          controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const chunked = await deliver(stream, sign(payload));
    expect(chunked.status).toBe(413);
    expect(await ledgerRow(id)).toBeNull();
  });

  it("refuses a live-mode event under a test key, loudly, writing nothing", async () => {
    const user = await createTestUser("livemode");
    const customerId = await getOrCreateStripeCustomer(user.id);
    const retrieve = vi.spyOn(getStripe().customers, "retrieve");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { id, payload } = eventJson({
      type: "customer.updated",
      livemode: true,
      object: { id: customerId, object: "customer", email: "attacker@example.com", livemode: true },
    });
    const res = await deliver(payload, sign(payload));
    expect(res.status).toBe(400);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("refused live mode event"));
    expect(retrieve).not.toHaveBeenCalled();
    expect(await ledgerRow(id)).toBeNull();
    const customer = await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } });
    expect(customer.syncedAt).toBeNull();
    retrieve.mockRestore();
    errors.mockRestore();
  });

  it("queues a handled event and answers before syncing; the drain syncs it once; a duplicate is a no-op", async () => {
    const user = await createTestUser("duplicate");
    const customerId = await getOrCreateStripeCustomer(user.id);
    await harness.ctl.idle();
    const { id, payload } = eventJson({
      type: "customer.updated",
      object: { id: customerId, object: "customer", livemode: false },
    });

    const first = await deliver(payload, sign(payload));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: true, queued: true });
    await harness.settle();
    const afterFirst = await ledgerRow(id);
    expect(afterFirst).toMatchObject({
      attempts: 1,
      stripeCustomerId: customerId,
      outcome: "synced",
    });

    const retrieve = vi.spyOn(getStripe().customers, "retrieve");
    const second = await deliver(payload, sign(payload));
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ received: true, duplicate: true });
    expect(retrieve).not.toHaveBeenCalled();
    const afterSecond = await ledgerRow(id);
    expect(afterSecond?.attempts).toBe(1);
    expect(afterSecond?.processedAt).toEqual(afterFirst?.processedAt);
    retrieve.mockRestore();
  });

  it("records, without writing billing rows, an event about a customer this app did not create", async () => {
    const stranger = await getStripe().customers.create({ email: "stranger@example.com" });
    const { id, payload } = eventJson({
      type: "customer.updated",
      object: { id: stranger.id, object: "customer", livemode: false },
    });
    const res = await deliver(payload, sign(payload));
    expect(res.status).toBe(200);
    expect((await ledgerRow(id))?.outcome).toBe("skipped: customer not created by this app");
    expect(await db.billingCustomer.findUnique({ where: { id: stranger.id } })).toBeNull();
  });
});

describe("refused signatures: logged and counted, cheaply", () => {
  const rejections = async () =>
    Object.fromEntries(
      (await db.webhookRejection.groupBy({ by: ["reason"], _sum: { count: true } })).map((g) => [
        g.reason,
        g._sum.count,
      ]),
    );

  it("logs one line per reason and minute (no secret, header or body), counts every refusal, and the doctor reports them", async () => {
    const { resetWebhookRejectionWindows } = await import("@/lib/billing/sync/webhook-rejections");
    const { checkWebhookSignatures } = await import("@/lib/billing/config/doctor");
    // What the tests above refused is written by now; this test starts from an empty table.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Lines and rows are per minute: start well inside one, so the flood is not split in two.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) {
      await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 500));
    }
    await db.webhookRejection.deleteMany();
    // Refusals are gathered for a second (5 s in production) before one write adds them up.
    resetWebhookRejectionWindows({ writeDelayMs: 1_000 });
    expect(await checkWebhookSignatures()).toMatchObject({ status: "pass" });

    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const writes = vi.spyOn(db, "$executeRawUnsafe");
    const rejectionWrites = () =>
      writes.mock.calls.filter(([sql]) => String(sql).includes('"WebhookRejection"')).length;
    try {
      const { id, payload } = eventJson({
        type: "invoice.paid",
        object: { id: "in_body_marker", object: "invoice" },
      });
      const wrongSecret = "whsec_wrong_secret_marker";
      const forged = sign(payload, { secret: wrongSecret });
      // A wrong STRIPE_WEBHOOK_SECRET: every delivery is refused, a flood of them.
      for (let i = 0; i < 50; i++) expect((await deliver(payload, forged)).status).toBe(400);
      expect((await deliver(payload, null)).status).toBe(400);
      const stale = sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 });
      expect((await deliver(payload, stale)).status).toBe(400);
      expect((await deliver("not json", "no-timestamp-here")).status).toBe(400);

      const lines = () => errors.mock.calls.map((call) => call.map(String).join(" "));
      expect(lines()).toEqual([
        `[billing] webhook refused (signature mismatch) for event ${id}: check STRIPE_WEBHOOK_SECRET: it must be the signing secret of the endpoint sending here`,
        `[billing] webhook refused (no Stripe-Signature header) for event ${id}: not sent by Stripe, or a proxy dropped the header`,
        `[billing] webhook refused (timestamp outside the 300 s tolerance) for event ${id}: a replayed delivery, or this server's clock is off`,
        `[billing] webhook refused (unreadable Stripe-Signature header): not sent by Stripe, or a proxy rewrote the header`,
      ]);
      for (const line of lines()) {
        for (const secret of [TEST_WEBHOOK_SECRET, wrongSecret, forged, stale, "in_body_marker"]) {
          expect(line).not.toContain(secret);
        }
      }
      // After the answers, one upsert per reason adds up the whole flood: one row each.
      expect(rejectionWrites()).toBe(0);
      await expect.poll(rejections, { timeout: 15_000 }).toEqual({
        signature_mismatch: 50,
        missing_header: 1,
        timestamp_outside_tolerance: 1,
        unreadable_header: 1,
      });
      // One write per reason per gathering window: 4 when the flood fits in one window, a few
      // more on a slow machine; never one per refusal.
      expect(rejectionWrites()).toBeGreaterThanOrEqual(4);
      expect(rejectionWrites()).toBeLessThanOrEqual(8);
      expect(await db.webhookRejection.count()).toBe(4);

      // The next minute's first refusal logs again, saying how many the last line stood for.
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 60_000);
      expect((await deliver(payload, forged)).status).toBe(400);
      vi.useRealTimers();
      expect(lines().at(-1)).toBe(
        `[billing] webhook refused (signature mismatch) for event ${id} (and 49 more since the last such line): check STRIPE_WEBHOOK_SECRET: it must be the signing secret of the endpoint sending here`,
      );
      // The write comes after the gathering window (1 s here): wait for it, generously under load.
      await expect
        .poll(async () => (await rejections()).signature_mismatch, { timeout: 15_000 })
        .toBe(51);
      expect(rejectionWrites()).toBeGreaterThanOrEqual(5);
      expect(rejectionWrites()).toBeLessThanOrEqual(9);
      expect(await db.webhookRejection.count()).toBeLessThanOrEqual(5);
      expect(
        (await db.webhookRejection.findFirst({ where: { reason: "signature_mismatch" } }))
          ?.lastEventId,
      ).toBe(id);

      const failing = await checkWebhookSignatures();
      expect(failing.status).toBe("fail");
      expect(failing.detail).toMatch(
        /^54 rejected in the last 24 h \(last at \d{4}-\d\d-\d\dT[\d:.]+Z\): 51 signature mismatch, 1 no Stripe-Signature header, 1 timestamp outside the 300 s tolerance, 1 unreadable Stripe-Signature header: check STRIPE_WEBHOOK_SECRET\n/,
      );

      // Deliveries get through again (the secret was fixed): still worth a look, no longer failing.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const fixed = eventJson({ type: "coupon.created", object: { id: "prod_fixed" } });
      expect((await deliver(fixed.payload, sign(fixed.payload))).status).toBe(200);
      const recovered = await checkWebhookSignatures();
      expect(recovered.status).toBe("warn");
      expect(recovered.detail).toContain("an event was accepted since");
    } finally {
      vi.useRealTimers();
      errors.mockRestore();
      writes.mockRestore();
      resetWebhookRejectionWindows({ writeDelayMs: 20 });
    }
  });
});

describe("customerIdOf", () => {
  it("takes a detached payment method's customer from previous_attributes", () => {
    const detached = JSON.parse(
      eventJson({ type: "payment_method.detached", object: { id: "pm_1", customer: null } })
        .payload,
    ) as Stripe.PaymentMethodDetachedEvent;
    detached.data.previous_attributes = { customer: "cus_before" };
    expect(customerIdOf(detached)).toBe("cus_before");
  });

  it("takes the id of customer events and the customer of the others", () => {
    const updated = JSON.parse(
      eventJson({ type: "customer.updated", object: { id: "cus_self", object: "customer" } })
        .payload,
    ) as Stripe.CustomerUpdatedEvent;
    expect(customerIdOf(updated)).toBe("cus_self");
    const paid = JSON.parse(
      eventJson({ type: "invoice.paid", object: { id: "in_1", customer: { id: "cus_expanded" } } })
        .payload,
    ) as Stripe.InvoicePaidEvent;
    expect(customerIdOf(paid)).toBe("cus_expanded");
  });
});
