import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let customers: typeof import("@/lib/billing/customers");
let syncStripeCustomer: typeof import("@/lib/billing/sync/sync-customer").syncStripeCustomer;
let createTestUser: typeof import("@/lib/billing/testing/users").createTestUser;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  customers = await import("@/lib/billing/customers");
  ({ syncStripeCustomer } = await import("@/lib/billing/sync/sync-customer"));
  ({ createTestUser } = await import("@/lib/billing/testing/users"));
});

afterAll(async () => {
  await harness?.stop();
});

describe("getOrCreateStripeCustomer", () => {
  it("creates exactly one customer for 20 concurrent first requests", async () => {
    const user = await createTestUser("concurrent");
    const create = vi.spyOn(getStripe().customers, "create");
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => customers.getOrCreateStripeCustomer(user.id)),
    );
    expect(new Set(ids).size).toBe(1);
    const [id] = ids;
    // The lock lets one caller talk to Stripe; the others find the stored id.
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0]?.[1]).toMatchObject({
      idempotencyKey: `customer-create:${user.id}`,
    });
    create.mockRestore();

    const inStripe = await getStripe().customers.list({ email: user.email, limit: 100 });
    expect(inStripe.data.map((c) => c.id)).toEqual([id]);
    expect(inStripe.data[0]?.metadata).toEqual({ userId: user.id });
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.stripeCustomerId).toBe(id);
    expect(await db.billingCustomer.count({ where: { userId: user.id } })).toBe(1);
  });

  it("returns the stored customer without calling Stripe", async () => {
    const user = await createTestUser("stored");
    const id = await customers.getOrCreateStripeCustomer(user.id);
    const create = vi.spyOn(getStripe().customers, "create");
    expect(await customers.getOrCreateStripeCustomer(user.id)).toBe(id);
    expect(await customers.findStripeCustomerId(user.id)).toBe(id);
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
  });

  it("reuses Stripe's answer when a crash lost the stored id (same idempotency key)", async () => {
    const user = await createTestUser("crash");
    const id = await customers.getOrCreateStripeCustomer(user.id);
    // Simulate a crash after Stripe created the customer but before our commit.
    await db.user.update({ where: { id: user.id }, data: { stripeCustomerId: null } });
    await db.billingCustomer.delete({ where: { id } });
    expect(await customers.getOrCreateStripeCustomer(user.id)).toBe(id);
    const inStripe = await getStripe().customers.list({ email: user.email, limit: 100 });
    expect(inStripe.data).toHaveLength(1);
  });

  it("creates a new customer after the old one was deleted in Stripe", async () => {
    const user = await createTestUser("deleted");
    const first = await customers.getOrCreateStripeCustomer(user.id);
    await harness.settle();
    await getStripe().customers.del(first);
    await harness.settle(); // customer.deleted reaches the route and syncs
    expect(
      (await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId,
    ).toBeNull();
    expect((await db.billingCustomer.findUniqueOrThrow({ where: { id: first } })).deleted).toBe(
      true,
    );

    const second = await customers.getOrCreateStripeCustomer(user.id);
    expect(second).not.toBe(first);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBe(
      second,
    );
  });

  it("never uses a customer whose metadata.userId is someone else's", async () => {
    const owner = await createTestUser("owner");
    const intruder = await createTestUser("intruder");
    const foreign = await getStripe().customers.create({
      email: intruder.email,
      metadata: { userId: owner.id },
    });
    // Even if a row wrongly linked the customer to the intruder, sync refuses it and writes nothing.
    await db.billingCustomer.create({
      data: { id: foreign.id, userId: intruder.id, livemode: false },
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const result = await syncStripeCustomer(foreign.id);
    errors.mockRestore();
    expect(result).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("metadata.userId"),
    });
    expect(
      (await db.billingCustomer.findUniqueOrThrow({ where: { id: foreign.id } })).syncedAt,
    ).toBeNull();
    // ...and getOrCreate never hands out a stored id that is recorded for another user.
    await db.user.update({ where: { id: owner.id }, data: { stripeCustomerId: foreign.id } });
    await expect(customers.getOrCreateStripeCustomer(owner.id)).rejects.toBeInstanceOf(
      customers.BillingCustomerMismatchError,
    );
  });
});

describe("a change of Stripe mode (test keys replaced by live ones, or back)", () => {
  it("never uses the other mode's customer: this mode gets its own, the old one is kept", async () => {
    const user = await createTestUser("modes");
    // As if the app ran with the other mode's key before: a pointer to a customer of that mode.
    const otherMode = `cus_othermode${user.id}`;
    await db.billingCustomer.create({ data: { id: otherMode, userId: user.id, livemode: true } });
    await db.user.update({ where: { id: user.id }, data: { stripeCustomerId: otherMode } });
    expect(await customers.findStripeCustomerId(user.id)).toBeNull();

    const id = await customers.getOrCreateStripeCustomer(user.id);
    expect(id).not.toBe(otherMode);
    expect(await getStripe().customers.retrieve(id)).toMatchObject({ livemode: false });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBe(id);
    expect(await db.billingCustomer.findUnique({ where: { id: otherMode } })).not.toBeNull();

    // Back in the other mode's position later, the pointer is not needed to find this one again.
    await db.user.update({ where: { id: user.id }, data: { stripeCustomerId: otherMode } });
    expect(await customers.getOrCreateStripeCustomer(user.id)).toBe(id);
  });
});

describe("customer.updated from the portal", () => {
  it("updates the billing email but never the login email", async () => {
    const user = await createTestUser("email");
    const customerId = await customers.getOrCreateStripeCustomer(user.id);
    // What the portal's "update information" form does.
    await getStripe().customers.update(customerId, {
      email: "accounts-payable@example.com",
      name: "ACME Ltd",
    });
    await harness.settle();

    const deliveries = await harness.ctl.deliveries({ type: "customer.updated" });
    expect(deliveries.some((d) => d.status === 200)).toBe(true);
    const billing = await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } });
    expect(billing).toMatchObject({ email: "accounts-payable@example.com", name: "ACME Ltd" });
    const login = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(login.email).toBe(user.email);
    expect(login.name).toBe(user.name);
  });
});
