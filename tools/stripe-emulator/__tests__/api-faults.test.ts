import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emulatorControl, type ApiFaults } from "../control/client";
import { startStripeEmulator } from "../server";
import { getPage, seedCatalog, startHarness, type Harness } from "./helpers";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.ctl.clearFaults();
  await h.stop();
});

const NONE: ApiFaults = { delayMs: 0, stall: false, rateLimitPerSecond: 0, rateLimitNext: 0 };

function client(port: number, maxNetworkRetries: number, key = "sk_test_emulator"): Stripe {
  return new Stripe(key, { host: "localhost", port, protocol: "http", maxNetworkRetries });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the emulator holds `n` stalled API requests. */
async function untilStalled(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await h.ctl.requests()).stalled >= n) return;
    await sleep(10);
  }
  throw new Error(`never saw ${n} stalled requests`);
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  return { settled: () => done, promise };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
}

describe("API faults", () => {
  it("delayMs: API calls wait at least that long and read state after the wait; control routes do not", async () => {
    const c = await h.stripe.customers.create({ name: "A" });
    expect(await h.ctl.setApiFaults({ delayMs: 300 })).toEqual({ ...NONE, delayMs: 300 });
    const t0 = performance.now();
    const slow = h.stripe.customers.retrieve(c.id);
    // Control routes are not delayed.
    await h.ctl.now();
    expect(performance.now() - t0).toBeLessThan(250);
    // A write that overtakes the delayed read (no delay for it) is seen by that read.
    await h.ctl.setApiFaults({ delayMs: 0 });
    await h.stripe.customers.update(c.id, { name: "B" });
    const got = await slow;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
    expect(!got.deleted && got.name).toBe("B");

    await h.ctl.setApiFaults({ delayMs: 200 });
    const t1 = performance.now();
    await h.stripe.customers.list({ limit: 1 });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(195);
  });

  it("stall: holds API calls until released, then handles them in arrival order", async () => {
    const c = await h.stripe.customers.create({});
    await h.ctl.setApiFaults({ stall: true });
    const calls: ReturnType<typeof track<Stripe.Customer>>[] = [];
    for (const name of ["n1", "n2", "n3"]) {
      calls.push(track(h.stripe.customers.update(c.id, { name })));
      await untilStalled(calls.length);
    }
    const created = track(h.stripe.customers.create({ email: "held@x.y" }));
    await untilStalled(4);
    await sleep(200);
    expect(calls.some((x) => x.settled()) || created.settled()).toBe(false);
    // Nothing was handled yet: no new customer in the state.
    const before = (await (await fetch(`${h.emu.url}/_emulator/state`)).json()) as {
      customers: Record<string, unknown>;
    };
    expect(Object.keys(before.customers)).toEqual([c.id]);
    // Hosted pages and control routes still answer.
    expect((await getPage(`${h.emu.url}/i/in_missing`)).status).toBe(404);
    expect(await h.ctl.getApiFaults()).toMatchObject({ stall: true });
    expect((await h.ctl.requests()).inFlight).toBe(4);

    await h.ctl.setApiFaults({ stall: false });
    const names = await Promise.all(calls.map((x) => x.promise.then((u) => u.name)));
    expect(names).toEqual(["n1", "n2", "n3"]);
    expect((await created.promise).email).toBe("held@x.y");
    const final = await h.stripe.customers.retrieve(c.id);
    expect(!final.deleted && final.name).toBe("n3");
    const stats = await h.ctl.requests();
    expect(stats).toMatchObject({ stalled: 0, inFlight: 0 });
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(4);
    await h.ctl.resetRequests();
    expect((await h.ctl.requests()).maxInFlight).toBe(0);
  });

  it.each([0, 2])(
    "rateLimitNext=2: two StripeRateLimitErrors, then success (maxNetworkRetries %i: no SDK retry)",
    async (retries) => {
      const stripe = client(h.emu.port, retries);
      await h.ctl.setApiFaults({ rateLimitNext: 2 });
      await h.ctl.resetRequests();
      const first = await rejection(stripe.customers.create({ email: "rl@x.y" }));
      expect(first).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(first).toMatchObject({
        statusCode: 429,
        code: "rate_limit",
        rawType: "invalid_request_error",
        message:
          "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
      });
      const headers = (first as Stripe.errors.StripeRateLimitError).headers;
      expect(headers?.["stripe-should-retry"]).toBeUndefined();
      expect(headers?.["request-id"]).toMatch(/^req_/);
      expect((await h.ctl.requests()).total).toBe(1); // the SDK did not retry
      expect((await h.ctl.getApiFaults()).rateLimitNext).toBe(1);
      const second = await rejection(stripe.customers.list());
      expect(second).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      const ok = await stripe.customers.create({ email: "rl@x.y" });
      expect(ok.id).toMatch(/^cus_/);
      const stats = await h.ctl.requests();
      expect(stats).toMatchObject({ total: 3, rateLimited: 2, byStatus: { "4xx": 2, "2xx": 1 } });
      expect(await h.ctl.getApiFaults()).toEqual(NONE);
      expect((await stripe.customers.list({ email: "rl@x.y" })).data).toHaveLength(1);
    },
  );

  it("a 429 is not stored for idempotency: the same key runs for real afterwards", async () => {
    await h.ctl.setApiFaults({ rateLimitNext: 1 });
    const opts = { idempotencyKey: "idem-429" };
    const refused = await rejection(h.stripe.customers.create({ name: "I" }, opts));
    expect(refused).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    const made = await h.stripe.customers.create({ name: "I" }, opts);
    expect(made.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    const replay = await h.stripe.customers.create({ name: "I" }, opts);
    expect(replay.id).toBe(made.id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });

  it("rateLimitPerSecond=5: of 12 concurrent calls at most 5 are admitted per mode per rolling second", async () => {
    await h.ctl.setApiFaults({ rateLimitPerSecond: 5 });
    await h.ctl.resetRequests();
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => h.stripe.customers.create({ name: `c${i}` })),
    );
    expect(performance.now() - started).toBeLessThan(1000); // all within one second
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const e of refused) expect(e).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    const stats = await h.ctl.requests();
    expect(stats).toMatchObject({ total: 12, rateLimited: 7 });
    expect(await rejection(h.stripe.customers.list())).toBeInstanceOf(
      Stripe.errors.StripeRateLimitError,
    );
    // The live mode has its own budget.
    expect((await h.live.customers.create({})).livemode).toBe(true);
    // A rolling second later there is room again.
    await sleep(1050);
    expect((await h.stripe.customers.list({ limit: 100 })).data).toHaveLength(5);
  });

  it("counts requests by route, by customer (path, param, or the object's customer) and 429s", async () => {
    const { basicMonthly } = await seedCatalog(h.stripe);
    const other = await h.stripe.customers.create({ email: "other@x.y" });
    await h.ctl.resetRequests();
    const c = await h.stripe.customers.create({ email: "count@x.y" });
    await h.stripe.customers.retrieve(c.id);
    await h.stripe.customers.update(c.id, { name: "C" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const sub = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: basicMonthly.id }],
      default_payment_method: pm.id,
    });
    await h.stripe.subscriptions.retrieve(sub.id);
    await h.stripe.subscriptions.update(sub.id, { metadata: { a: "1" } });
    await h.stripe.paymentMethods.retrieve(pm.id);
    await h.stripe.invoices.retrieve(String(sub.latest_invoice));
    await h.stripe.invoices.list({ customer: c.id });
    await h.stripe.customers.retrieve(other.id);
    await h.stripe.customers.list({ limit: 3 });
    // Another mode's object is unknown there: no customer.
    await rejection(h.live.subscriptions.retrieve(sub.id));
    await rejection(h.stripe.subscriptions.retrieve("sub_missing"));
    await rejection(client(h.emu.port, 0, "sk_nope").customers.retrieve(c.id));
    const unknown = await fetch(`${h.emu.url}/v1/not_a_thing`, {
      headers: { authorization: "Bearer sk_test_emulator" },
    });
    expect(unknown.status).toBe(404);
    await h.ctl.setApiFaults({ rateLimitNext: 1 });
    await rejection(h.stripe.customers.retrieve(c.id));

    const stats = await h.ctl.requests();
    expect(stats.byRoute).toEqual({
      "POST /v1/customers": 1,
      "GET /v1/customers/:id": 4,
      "POST /v1/customers/:id": 1,
      "POST /v1/payment_methods/:id/attach": 1,
      "POST /v1/subscriptions": 1,
      "GET /v1/subscriptions/:id": 3,
      "POST /v1/subscriptions/:id": 1,
      "GET /v1/payment_methods/:id": 1,
      "GET /v1/invoices/:id": 1,
      "GET /v1/invoices": 1,
      "GET /v1/customers": 1,
      "GET /v1/not_a_thing (unrecognized)": 1,
    });
    expect(stats.byCustomer).toEqual({ [c.id]: 11, [other.id]: 1 });
    expect(stats).toMatchObject({
      total: 17,
      rateLimited: 1,
      byStatus: { "2xx": 12, "4xx": 5 },
      inFlight: 0,
      stalled: 0,
    });
    expect(stats.maxInFlight).toBe(1);
    // Control routes are not counted; reset zeroes everything.
    await h.ctl.requests();
    expect((await h.ctl.requests()).total).toBe(17);
    await h.ctl.resetRequests();
    expect(await h.ctl.requests()).toEqual({
      total: 0,
      rateLimited: 0,
      byRoute: {},
      byCustomer: {},
      byStatus: {},
      inFlight: 0,
      maxInFlight: 0,
      stalled: 0,
    });
  });

  it("clearFaults clears API faults and releases stalled requests; the route takes form bodies", async () => {
    const form = await fetch(`${h.emu.url}/_emulator/api-faults`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "delayMs=20&stall=true&rateLimitPerSecond=3&rateLimitNext=4",
    });
    expect(await form.json()).toEqual({
      delayMs: 20,
      stall: true,
      rateLimitPerSecond: 3,
      rateLimitNext: 4,
    });
    const bad = await fetch(`${h.emu.url}/_emulator/api-faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ stall: "maybe" }),
    });
    expect(bad.status).toBe(400);
    const held = h.stripe.customers.create({ email: "released@x.y" });
    await untilStalled(1);
    await h.ctl.clearFaults();
    expect(await h.ctl.getApiFaults()).toEqual(NONE);
    expect((await held).email).toBe("released@x.y");
    // A normal emulator again: no delay, no limits.
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => h.stripe.customers.list({ limit: 1 })));
    expect(performance.now() - t0).toBeLessThan(500);
    expect((await h.ctl.requests()).rateLimited).toBe(0);

    await h.ctl.setApiFaults({ rateLimitNext: 1, stall: true });
    expect(await h.ctl.clearApiFaults()).toEqual(NONE);
    await h.ctl.setApiFaults({ rateLimitNext: 1 });
    await h.ctl.reset();
    expect(await h.ctl.getApiFaults()).toEqual(NONE);
    expect((await h.ctl.requests()).total).toBe(0);
  });

  it("stop() does not hang on stalled or delayed requests, and never handles them afterwards", async () => {
    const emu = await startStripeEmulator({});
    const ctl = emulatorControl(emu.url);
    const stripe = client(emu.port, 0);
    await ctl.setApiFaults({ stall: true });
    const stalled = rejection(stripe.customers.create({ email: "stalled@x.y" }));
    for (let i = 0; (await ctl.requests()).stalled < 1; i++) {
      if (i > 200) throw new Error("request never stalled");
      await sleep(10);
    }
    // A second request waits in a 60 s delay (the first stays stalled).
    await ctl.setApiFaults({ delayMs: 60_000 });
    const delayed = rejection(stripe.customers.create({ email: "delayed@x.y" }));
    await sleep(50);
    expect(await ctl.requests()).toMatchObject({ inFlight: 2, stalled: 1 });
    const t0 = performance.now();
    const outcome = await Promise.race([
      emu.stop().then(() => "stopped"),
      sleep(3000).then(() => "hung"),
    ]);
    expect(outcome).toBe("stopped");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await stalled).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(await delayed).toBeInstanceOf(Stripe.errors.StripeConnectionError);

    // A request still in its delay when the emulator stops is dropped, not handled later.
    const dir = mkdtempSync(join(tmpdir(), "stripe-emu-faults-"));
    const stateFile = join(dir, "state.json");
    try {
      const emu2 = await startStripeEmulator({ stateFile });
      await emulatorControl(emu2.url).setApiFaults({ delayMs: 200 });
      const late = rejection(client(emu2.port, 0).customers.create({ email: "late@x.y" }));
      await sleep(50);
      await emu2.stop();
      expect(await late).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      await sleep(400); // past the delay and the state file's 50 ms debounce
      expect(readFileSync(stateFile, "utf8")).not.toContain("late@x.y");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
