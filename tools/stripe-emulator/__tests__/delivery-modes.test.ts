import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, startReceiver, type Harness, type Receiver } from "./helpers";

let h: Harness | undefined;
let rx: Receiver | undefined;
afterEach(async () => {
  await h?.stop();
  await rx?.close();
  h = undefined;
  rx = undefined;
});

const names = (r: Receiver): string[] =>
  r.received.map((x) => (JSON.parse(x.body) as Stripe.CustomerUpdatedEvent).data.object.name ?? "");

async function emitUpdates(harness: Harness, n: number): Promise<string[]> {
  const c = await harness.stripe.customers.create({});
  const want: string[] = [];
  for (let i = 0; i < n; i++) {
    want.push(`n${i}`);
    await harness.stripe.customers.update(c.id, { name: `n${i}` });
  }
  return want;
}

describe("delivery modes", () => {
  it("shuffled: reorders, duplicates and holds back deliveries, seeded; flush waits for all", async () => {
    rx = await startReceiver();
    const logs: string[] = [];
    h = await startHarness({
      delivery: { order: "shuffled", duplicateRate: 0.3, lateRate: 0.3, seed: 42 },
      log: (l) => logs.push(l),
    });
    // The seed is in the log so a failing run can be replayed.
    expect(logs.some((l) => /shuffled.*seed 42/.test(l))).toBe(true);
    await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["customer.updated"] });
    const want = await emitUpdates(h, 20);
    await h.ctl.flush();
    const got = names(rx);
    expect(got).not.toEqual(want);
    expect(new Set(got)).toEqual(new Set(want)); // nothing lost
    expect(got.length).toBeGreaterThan(want.length); // some twice
    const ids = rx.received.map((x) => (JSON.parse(x.body) as Stripe.Event).id);
    expect(new Set(ids).size).toBe(want.length); // a duplicate is the same event id
    expect(await h.ctl.getDelivery()).toMatchObject({ order: "shuffled", seed: 42 });
  });

  it("shuffled with the same seed delivers in the same order", async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      rx = await startReceiver();
      h = await startHarness({
        delivery: {
          order: "shuffled",
          duplicateRate: 0.2,
          lateRate: 0.2,
          seed: 7,
          windowMs: 10_000,
        },
      });
      await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["customer.updated"] });
      await emitUpdates(h, 12);
      await h.ctl.flush();
      runs.push(names(rx));
      await h.stop();
      await rx.close();
      h = undefined;
      rx = undefined;
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).not.toEqual([...(runs[0] ?? [])].sort());
  });

  it("a late delivery arrives after the delivery of a later event", async () => {
    rx = await startReceiver();
    h = await startHarness({
      delivery: {
        order: "shuffled",
        duplicateRate: 0,
        lateRate: 0.5,
        seed: 3,
        windowMs: 5,
        lateMs: 5_000,
      },
    });
    await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["customer.updated"] });
    const c = await h.stripe.customers.create({});
    const want: string[] = [];
    for (let i = 0; i < 10; i++) {
      want.push(`n${i}`);
      await h.stripe.customers.update(c.id, { name: `n${i}` });
      // Each event has a window of its own: only holding back can change the order.
      await new Promise((r) => setTimeout(r, 40));
    }
    await h.ctl.flush();
    expect(names(rx)).not.toEqual(want);
    expect([...names(rx)].sort()).toEqual([...want].sort());
  });

  it("a control call switches the mode at run time; ordered sends each event once, at once", async () => {
    rx = await startReceiver();
    h = await startHarness({ delivery: { order: "shuffled", seed: 9, lateRate: 0.5 } });
    await h.ctl.setDelivery({ order: "ordered" });
    await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["customer.updated"] });
    const want = await emitUpdates(h, 8);
    await h.ctl.idle();
    // Sent as created, concurrently: no duplicates, nothing held back (arrival may still race).
    expect([...names(rx)].sort()).toEqual([...want].sort());
    expect(await h.ctl.setDelivery({ retryDelaysMs: [10, 20] })).toMatchObject({
      order: "ordered",
      retryDelaysMs: [10, 20],
    });
    await expect(h.ctl.setDelivery({ duplicateRate: 2 })).rejects.toThrow(/duplicateRate/);
  });

  it("flush waits for held-back deliveries and their retries", async () => {
    rx = await startReceiver();
    rx.status = (n) => (n === 1 ? 500 : 200);
    h = await startHarness({
      delivery: { order: "shuffled", lateRate: 1, duplicateRate: 1, seed: 5, windowMs: 10_000 },
      retryDelaysMs: [30],
    });
    await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["customer.created"] });
    await h.stripe.customers.create({});
    await h.ctl.flush();
    const attempts = await h.ctl.deliveries({ type: "customer.created" });
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(2);
    expect(rx.received).toHaveLength(3);
  });
});
