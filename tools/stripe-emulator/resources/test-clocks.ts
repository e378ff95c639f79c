/**
 * Test clocks (`/v1/test_helpers/test_clocks`, test mode only), shaped as
 * `Stripe.TestHelpers.TestClock`. A customer created with `test_clock` lives at the clock's
 * `frozen_time`: its subscriptions, invoices, trials, dunning and Checkout Sessions are created
 * and move only when the clock advances, asynchronously like Stripe (`advancing`, then `ready`).
 */
import type Stripe from "stripe";
import { addInterval } from "../engine/clock";
import type { Ctx } from "../engine/request-context";
import { badRequest, invalid, missing, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, int, str, type Params } from "../http/params";
import { newId, newestFirst, clockOfCustomer } from "../engine/store";
import { runTimeline } from "../engine/timeline";
import { deleteCustomer } from "./customers";
import { idOf } from "../http/expand";

type TestClock = Stripe.TestHelpers.TestClock;

/** Stripe's API reference shows `deletes_after` seven days after `created`. */
const LIFETIME_SECONDS = 7 * 86400;
/** Stripe's limit of customers on one test clock. */
export const MAX_CUSTOMERS_PER_CLOCK = 3;

function testModeOnly(ctx: Ctx): void {
  if (ctx.mode === "live") {
    throw badRequest("Test clocks can only be used in test mode.", undefined, "livemode_mismatch");
  }
}

export function getTestClock(ctx: Ctx, id: string, param = "id"): TestClock {
  const clock = ctx.s.testClocks[id];
  if (!clock) throw noSuch("test_helpers.test_clock", id, param);
  return clock;
}

function customersOn(ctx: Ctx, clockId: string): Stripe.Customer[] {
  return Object.values(ctx.s.customers).filter((c) => clockOfCustomer(ctx.s, c.id) === clockId);
}

/** Refuses changes to a clock's objects while it advances, as Stripe does. */
function assertReady(ctx: Ctx, clock: TestClock): void {
  if (clock.status === "advancing") {
    throw badRequest(
      `The test clock ${clock.id} is advancing. Wait until its status is \`ready\` before making changes to its objects.`,
      undefined,
      "test_clock_advancing",
    );
  }
}

/**
 * Moves `ctx.now` to the frozen time of the customer's test clock, if it has one: every object
 * the action creates or changes then lives at the clock's time. Refused while the clock advances
 * (API requests; the clock's own processing runs with no request id).
 */
export function atCustomerTime(ctx: Ctx, customerId: string | null | undefined): void {
  const clockId = clockOfCustomer(ctx.s, customerId ?? null);
  const clock = clockId ? ctx.s.testClocks[clockId] : undefined;
  if (!clock) return;
  if (ctx.request.id !== null) assertReady(ctx, clock);
  ctx.now = clock.frozen_time;
}

/** `customers.create({test_clock})`: checks the clock can take one more customer. */
export function clockForNewCustomer(ctx: Ctx, clockId: string): TestClock {
  testModeOnly(ctx);
  const clock = getTestClock(ctx, clockId, "test_clock");
  assertReady(ctx, clock);
  if (customersOn(ctx, clock.id).length >= MAX_CUSTOMERS_PER_CLOCK) {
    throw invalid(
      "test_clock",
      `This test clock already has ${MAX_CUSTOMERS_PER_CLOCK} customers, the most a test clock can have.`,
    );
  }
  return clock;
}

export function createTestClock(ctx: Ctx, p: Params): TestClock {
  testModeOnly(ctx);
  allowOnly(p, ["frozen_time", "name", "customer", "expand"]);
  const frozen = int(p, "frozen_time");
  if (frozen === undefined) throw missing("frozen_time");
  const name = str(p, "name");
  if (name !== undefined && name.length > 300)
    throw invalid("name", "Invalid string: must be at most 300 characters.");
  const customerId = str(p, "customer");
  const customer = customerId ? ctx.s.customers[customerId] : undefined;
  if (customerId && !customer) throw noSuch("customer", customerId, "customer");
  if (customer) {
    if (customer.test_clock) throw invalid("customer", "This customer is already on a test clock.");
    // Stricter than documented: objects made at real time cannot be moved onto a clock's time.
    if (Object.values(ctx.s.subscriptions).some((s) => s.customer === customer.id))
      throw invalid(
        "customer",
        "Only a customer without subscriptions can be attached to a test clock.",
      );
  }
  const clock: TestClock = {
    id: newId("clock"),
    object: "test_helpers.test_clock",
    created: ctx.now,
    deletes_after: ctx.now + LIFETIME_SECONDS,
    frozen_time: frozen,
    livemode: false,
    name: name ?? null,
    status: "ready",
    status_details: {},
  };
  ctx.s.testClocks[clock.id] = clock;
  ctx.emit("test_helpers.test_clock.created", structuredClone(clock));
  if (customer) customer.test_clock = clock.id;
  return clock;
}

export function listTestClocks(ctx: Ctx, p: Params): Stripe.ApiList<TestClock> {
  testModeOnly(ctx);
  return paginate(newestFirst(ctx.s.testClocks), p, "/v1/test_helpers/test_clocks");
}

export function retrieveTestClock(ctx: Ctx, id: string): TestClock {
  testModeOnly(ctx);
  return getTestClock(ctx, id);
}

/** Deletes the clock and, as Stripe does, its customers (and so their subscriptions). */
export function deleteTestClock(ctx: Ctx, id: string): Stripe.TestHelpers.DeletedTestClock {
  testModeOnly(ctx);
  const clock = getTestClock(ctx, id);
  ctx.now = clock.frozen_time;
  for (const customer of customersOn(ctx, id)) deleteCustomer(ctx, customer.id);
  delete ctx.s.testClocks[id];
  ctx.emit("test_helpers.test_clock.deleted", structuredClone(clock));
  return { id, object: "test_helpers.test_clock", deleted: true };
}

/**
 * The furthest a clock may go: two intervals of its shortest subscription (by the recurring
 * price of each live subscription's items), or two years without subscriptions (Stripe's rule).
 */
export function advanceLimit(ctx: Ctx, clock: TestClock): number {
  const ids = new Set(customersOn(ctx, clock.id).map((c) => c.id));
  let limit = addInterval(clock.frozen_time, "year", 2);
  for (const sub of Object.values(ctx.s.subscriptions)) {
    const owner = idOf(sub.customer);
    if (!ids.has(owner) || sub.status === "canceled" || sub.status === "incomplete_expired")
      continue;
    for (const item of sub.items.data) {
      const rec = item.price.recurring;
      if (!rec) continue;
      const i = rec.interval;
      const unit = i === "day" ? "day" : i === "week" ? "week" : i === "year" ? "year" : "month";
      limit = Math.min(limit, addInterval(clock.frozen_time, unit, 2 * rec.interval_count));
    }
  }
  return limit;
}

export function advanceTestClock(ctx: Ctx, id: string, p: Params): TestClock {
  testModeOnly(ctx);
  allowOnly(p, ["frozen_time", "expand"]);
  const clock = getTestClock(ctx, id);
  const target = int(p, "frozen_time");
  if (target === undefined) throw missing("frozen_time");
  assertReady(ctx, clock);
  if (target <= clock.frozen_time) {
    throw invalid(
      "frozen_time",
      `The frozen_time must be after the test clock's current frozen time (${clock.frozen_time}).`,
    );
  }
  const limit = advanceLimit(ctx, clock);
  if (target > limit) {
    throw invalid(
      "frozen_time",
      `Cannot advance the test clock more than two intervals of its shortest subscription (or two years without subscriptions) at once: the latest allowed frozen_time is ${limit}.`,
    );
  }
  clock.status = "advancing";
  clock.status_details = { advancing: { target_frozen_time: target } };
  ctx.emit("test_helpers.test_clock.advancing", structuredClone(clock));
  ctx.later((later) => finishAdvance(later, id, target));
  return clock;
}

/** The asynchronous part: every due step of the clock's customers up to `target`, then `ready`. */
export function finishAdvance(ctx: Ctx, id: string, target: number): void {
  const clock = ctx.s.testClocks[id];
  if (!clock || clock.status !== "advancing") return; // deleted (or reset) meanwhile
  runTimeline(
    {
      modes: [ctx.mode],
      clockId: id,
      now: () => clock.frozen_time,
      ctxAt: (_mode, at) => {
        // The clock's time moves step by step, so anything reading it sees the step's time.
        clock.frozen_time = Math.max(clock.frozen_time, at);
        return { ...ctx, now: clock.frozen_time };
      },
    },
    () => ctx.s,
    target,
  );
  clock.frozen_time = target;
  clock.status = "ready";
  clock.status_details = {};
  ctx.emit("test_helpers.test_clock.ready", structuredClone(clock));
}

/** A state file saved while a clock was advancing: finish the advance on load. */
export function finishInterruptedAdvances(ctx: Ctx): void {
  for (const clock of Object.values(ctx.s.testClocks)) {
    const target = clock.status_details.advancing?.target_frozen_time;
    if (clock.status === "advancing" && target !== undefined) finishAdvance(ctx, clock.id, target);
  }
}
