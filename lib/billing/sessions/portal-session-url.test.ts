import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// Stripe's portal URLs are short-lived and single-use (the emulator binds a session to the first
// browser that opens it): the app must create one per click and never hand out a used one.
let harness: BillingHarness;

beforeAll(async () => {
  harness = await startBillingHarness();
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterAll(async () => {
  await harness?.stop();
});

const open = (url: string) => fetch(url, { redirect: "manual" });

describe("portal session URLs", () => {
  it("are fresh on every click: a used one is expired, the next click's opens", async () => {
    const { createPortalSessionUrl } = await import("@/lib/billing/sessions/portal");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const user = await createTestUser("portal-url");
    const first = await createPortalSessionUrl(user.id, { flow: "manage" });
    expect((await open(first)).status).toBe(200);
    // The same link again, without the first browser's cookie (shared, reopened elsewhere).
    expect((await open(first)).status).toBe(410);
    const second = await createPortalSessionUrl(user.id, { flow: "manage" });
    expect(second).not.toBe(first);
    expect((await open(second)).status).toBe(200);
  });
});
