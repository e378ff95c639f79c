import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  startBillingHarness,
  TEST_WEBHOOK_SECRET,
  type BillingHarness,
} from "@/lib/billing/testing/harness";
import { eventJson, signPayload } from "@/lib/billing/testing/signed-events";

// Event types Stripe sends besides the handled ones, and events at another API version: 2xx and
// recorded, never a retry loop. Events here are signed by hand.
let harness: BillingHarness;
let POST: (request: Request) => Promise<Response>;
let db: typeof import("@/lib/db").db;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ POST } = await import("@/app/api/webhooks/stripe/route"));
  ({ db } = await import("@/lib/db"));
});

afterAll(async () => {
  await harness?.stop();
});

function deliver(payload: string) {
  return POST(
    new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signPayload(payload, TEST_WEBHOOK_SECRET) },
      body: payload,
    }),
  );
}

describe("events the sync does not act on", () => {
  it("accepts invoice.upcoming (an unfetchable preview), invoiceitem.created, invoice.payment_succeeded", async () => {
    const customer = "cus_versions_tolerated";
    for (const [type, object] of [
      ["invoice.upcoming", { id: "upcoming_in_x1", object: "invoice", customer }],
      ["invoiceitem.created", { id: "ii_x1", object: "invoiceitem", customer }],
      ["invoice.payment_succeeded", { id: "in_x1", object: "invoice", customer }],
    ] as const) {
      const { id, payload } = eventJson({ type, object });
      const res = await deliver(payload);
      expect(res.status).toBe(200);
      expect(await db.stripeEvent.findUnique({ where: { id } })).toMatchObject({ type });
    }
  });
});

describe("events at another API version than the SDK's", () => {
  it("are accepted and recorded, with one warning per version naming the fix", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { id, payload } = eventJson({
          type: "coupon.created",
          object: { id: `prod_v${i}`, object: "product" },
          apiVersion: "2024-06-20",
        });
        ids.push(id);
        expect((await deliver(payload)).status).toBe(200);
      }
      const pinned = eventJson({
        type: "coupon.created",
        object: { id: "prod_p", object: "product" },
      });
      expect((await deliver(pinned.payload)).status).toBe(200);
      expect(await db.stripeEvent.count({ where: { id: { in: ids } } })).toBe(3);
      const lines = warn.mock.calls
        .map((c) => String(c[0]))
        .filter((l) => l.includes("2024-06-20"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(Stripe.API_VERSION);
      expect(lines[0]).toContain("npm run stripe:setup");
    } finally {
      warn.mockRestore();
    }
  });
});
