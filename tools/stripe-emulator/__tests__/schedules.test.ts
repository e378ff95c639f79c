/**
 * Period-end plan changes from the portal are real subscription schedules, with Stripe's
 * `schedule_at_period_end` conditions; the schedule API (retrieve, list, release, cancel); the
 * clock moving the subscription through the phases; and Stripe's refusal to change the
 * cancelation of a subscription a schedule manages.
 */
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  eventMark,
  eventsSince,
  getPage,
  postForm,
  startHarness,
  typesSince,
  type Harness,
} from "./helpers";

let h: Harness;
let customer: Stripe.Customer;
let cat: {
  basic: Stripe.Product;
  pro: Stripe.Product;
  team: Stripe.Product;
  basicMonthly: Stripe.Price;
  proMonthly: Stripe.Price;
  proYearly: Stripe.Price;
  teamMonthly: Stripe.Price;
};

type Condition =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate.ScheduleAtPeriodEnd.Condition.Type;

async function price(
  product: Stripe.Product,
  unit_amount: number,
  interval: "month" | "year",
): Promise<Stripe.Price> {
  return h.stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount,
    recurring: { interval },
  });
}

beforeEach(async () => {
  h = await startHarness();
  const basic = await h.stripe.products.create({ name: "Basic" });
  const pro = await h.stripe.products.create({ name: "Pro" });
  const team = await h.stripe.products.create({ name: "Team" });
  cat = {
    basic,
    pro,
    team,
    basicMonthly: await price(basic, 1000, "month"),
    proMonthly: await price(pro, 3000, "month"),
    // Cheaper per day than monthly, but a larger amount per billing period.
    proYearly: await price(pro, 30000, "year"),
    teamMonthly: await price(team, 5000, "month"),
  };
  customer = await h.stripe.customers.create({ email: "sched@x.y", name: "Sched User" });
  const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  await h.stripe.customers.update(customer.id, {
    invoice_settings: { default_payment_method: pm.id },
  });
});
afterEach(async () => h.stop());

async function subscribe(priceId: string): Promise<Stripe.Subscription> {
  return h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: priceId }] });
}

async function portal(conditions: Condition[]): Promise<string> {
  const config = await h.stripe.billingPortal.configurations.create({
    business_profile: { headline: "Acme" },
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: { enabled: true, mode: "at_period_end" },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "always_invoice",
        schedule_at_period_end: { conditions: conditions.map((type) => ({ type })) },
        products: [
          { product: cat.basic.id, prices: [cat.basicMonthly.id] },
          { product: cat.pro.id, prices: [cat.proMonthly.id, cat.proYearly.id] },
          { product: cat.team.id, prices: [cat.teamMonthly.id] },
        ],
      },
    },
  });
  const s = await h.stripe.billingPortal.sessions.create({
    customer: customer.id,
    configuration: config.id,
    return_url: "http://localhost:3000/billing",
  });
  return s.url;
}

async function confirm(url: string, sub: Stripe.Subscription, priceId: string) {
  const res = await postForm(`${url}/subscriptions/${sub.id}/update/confirm`, {
    price: priceId,
    item: sub.items.data[0]!.id,
    quantity: "1",
  });
  expect(res.status).toBe(303);
  return res;
}

function periodEnd(sub: Stripe.Subscription): number {
  return sub.items.data[0]!.current_period_end;
}

function scheduleId(sub: Stripe.Subscription): string {
  const s = sub.schedule;
  if (!s) throw new Error(`subscription ${sub.id} has no schedule`);
  return typeof s === "string" ? s : s.id;
}

describe("schedule_at_period_end conditions", () => {
  it("monthly to yearly of the same plan applies now (a larger amount, a longer interval)", async () => {
    const sub = await subscribe(cat.proMonthly.id);
    const url = await portal(["decreasing_item_amount", "shortening_interval"]);
    const page = await getPage(
      `${url}/subscriptions/${sub.id}/update/confirm?price=${cat.proYearly.id}`,
    );
    expect(page.text).toContain("Your plan changes immediately.");
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.proYearly.id);
    const types = await typesSince(h.stripe, mark);
    expect(types.filter((t) => t.startsWith("subscription_schedule."))).toEqual([]);
    expect(types[0]).toBe("customer.subscription.updated");
    expect(types).toContain("invoice.paid");
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.schedule).toBeNull();
    expect(after.items.data[0]!.price.id).toBe(cat.proYearly.id);
    // A different interval starts a new (yearly) billing period now, invoiced at once.
    expect(periodEnd(after) - after.items.data[0]!.current_period_start).toBeGreaterThan(
      364 * 86400,
    );
    const inv = after.latest_invoice as Stripe.Invoice;
    expect(inv.billing_reason).toBe("subscription_update");
    expect(inv.lines.data.some((l) => l.amount === 30000)).toBe(true);
    expect(inv.total).toBeLessThan(30000);
    expect(inv.total).toBeGreaterThan(26000);
  });

  it("yearly to monthly (shortening_interval) creates a two-phase schedule", async () => {
    const sub = await subscribe(cat.proYearly.id);
    const url = await portal(["shortening_interval"]);
    const page = await getPage(
      `${url}/subscriptions/${sub.id}/update/confirm?price=${cat.proMonthly.id}`,
    );
    expect(page.text).toContain("Your plan changes on");
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.proMonthly.id);
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual([
      "subscription_schedule.created",
      "customer.subscription.updated",
    ]);
    const sched = events[0]!.data.object as Stripe.SubscriptionSchedule;
    const updated = events[1]!.data.object as Stripe.Subscription;
    expect(updated.schedule).toBe(sched.id);
    expect(events[1]!.data.previous_attributes).toEqual({ schedule: null });
    // The change itself is invisible on the subscription until the phase starts.
    expect(updated.items.data[0]!.price.id).toBe(cat.proYearly.id);
    expect(events[1]!.request).toEqual({ id: null, idempotency_key: null });

    const end = periodEnd(sub);
    expect(sched.id).toMatch(/^sub_sched_/);
    expect(sched).toMatchObject({
      object: "subscription_schedule",
      customer: customer.id,
      subscription: sub.id,
      status: "active",
      end_behavior: "release",
      released_at: null,
      released_subscription: null,
      canceled_at: null,
      completed_at: null,
      livemode: false,
      current_phase: { start_date: sub.items.data[0]!.current_period_start, end_date: end },
    });
    expect(sched.phases).toHaveLength(2);
    expect(sched.phases[0]).toMatchObject({
      start_date: sub.items.data[0]!.current_period_start,
      end_date: end,
      currency: "usd",
      items: [{ price: cat.proYearly.id, quantity: 1 }],
    });
    expect(sched.phases[1]).toMatchObject({
      start_date: end,
      currency: "usd",
      items: [{ price: cat.proMonthly.id, quantity: 1 }],
    });
    // One iteration of the new (monthly) price.
    expect(sched.phases[1]!.end_date - end).toBeGreaterThanOrEqual(28 * 86400);
    expect(sched.phases[1]!.end_date - end).toBeLessThanOrEqual(31 * 86400);

    // The API: retrieve, list by customer, and expand on the subscription.
    expect(await h.stripe.subscriptionSchedules.retrieve(sched.id)).toEqual(sched);
    const list = await h.stripe.subscriptionSchedules.list({ customer: customer.id });
    expect(list).toMatchObject({
      object: "list",
      has_more: false,
      url: "/v1/subscription_schedules",
    });
    expect(list.data.map((s) => s.id)).toEqual([sched.id]);
    const other = await h.stripe.customers.create({});
    expect((await h.stripe.subscriptionSchedules.list({ customer: other.id })).data).toEqual([]);
    const expanded = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["schedule"] });
    expect(expanded.schedule).toEqual(sched);
    const listed = await h.stripe.subscriptions.list({
      customer: customer.id,
      expand: ["data.schedule"],
    });
    expect((listed.data[0]!.schedule as Stripe.SubscriptionSchedule).phases).toHaveLength(2);
  });

  it("a cheaper plan (decreasing_item_amount) is scheduled; a dearer one applies now", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.proMonthly.id);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "subscription_schedule.created",
      "customer.subscription.updated",
    ]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    const sched = await h.stripe.subscriptionSchedules.retrieve(scheduleId(after));
    expect(sched.phases[1]!.items[0]).toMatchObject({ price: cat.proMonthly.id, quantity: 1 });
    expect(after.items.data[0]!.price.id).toBe(cat.teamMonthly.id);
    // shortening_interval is not configured: yearly to monthly here is a smaller amount anyway.
    const other = await subscribe(cat.basicMonthly.id);
    const mark2 = await eventMark(h.stripe);
    await confirm(url, other, cat.teamMonthly.id);
    const types = await typesSince(h.stripe, mark2);
    expect(types.filter((t) => t.startsWith("subscription_schedule."))).toEqual([]);
    expect((await h.stripe.subscriptions.retrieve(other.id)).items.data[0]!.price.id).toBe(
      cat.teamMonthly.id,
    );
  });

  it("a per-day comparison is not what Stripe does: yearly to monthly is not a decrease", async () => {
    // 30000/year to 3000/month: the amount per billing period decreases, so it is scheduled
    // under decreasing_item_amount even though it costs more per day.
    const sub = await subscribe(cat.proYearly.id);
    const url = await portal(["decreasing_item_amount"]);
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.proMonthly.id);
    expect((await typesSince(h.stripe, mark))[0]).toBe("subscription_schedule.created");
  });
});

describe("the clock moves a scheduled subscription through its phases", () => {
  it("applies phase 2 at the period end, then releases the schedule when it ends", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const sched = await h.stripe.subscriptionSchedules.retrieve(schedId);

    let mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ to: periodEnd(sub) + 10 });
    let events = (await eventsSince(h.stripe, mark)).filter((e) => e.type !== "invoice.upcoming");
    expect(events.map((e) => e.type)).toEqual([
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "subscription_schedule.updated",
    ]);
    const moved = events[0]!.data.object as Stripe.Subscription;
    expect(moved.items.data[0]!.price.id).toBe(cat.proMonthly.id);
    expect(moved.schedule).toBe(schedId);
    expect(events[0]!.data.previous_attributes).toHaveProperty("items");
    const renewal = events[1]!.data.object as Stripe.Invoice;
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", total: 3000 });
    const schedUpdated = events[5]!.data.object as Stripe.SubscriptionSchedule;
    expect(schedUpdated).toMatchObject({
      status: "active",
      current_phase: {
        start_date: sched.phases[1]!.start_date,
        end_date: sched.phases[1]!.end_date,
      },
    });
    expect(events[5]!.data.previous_attributes).toEqual({ current_phase: sched.current_phase });

    mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ to: sched.phases[1]!.end_date + 10 });
    events = (await eventsSince(h.stripe, mark)).filter((e) => e.type !== "invoice.upcoming");
    expect(events.map((e) => e.type)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    const released = events[0]!.data.object as Stripe.SubscriptionSchedule;
    expect(released).toMatchObject({
      status: "released",
      released_subscription: sub.id,
      subscription: null,
      current_phase: null,
    });
    expect(released.released_at).toBe(sched.phases[1]!.end_date);
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.schedule).toBeNull();
    expect(after.items.data[0]!.price.id).toBe(cat.proMonthly.id);
    expect((after.latest_invoice as Stripe.Invoice).total).toBe(3000);
    expect(events[1]!.data.previous_attributes).toMatchObject({ schedule: schedId });
    // Released schedules cannot be released again.
    await expect(h.stripe.subscriptionSchedules.release(schedId)).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("during a trial the change starts when the trial ends, and is billed at the new price", async () => {
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.teamMonthly.id }],
      trial_period_days: 7,
    });
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const sched = await h.stripe.subscriptionSchedules.retrieve(
      scheduleId(await h.stripe.subscriptions.retrieve(sub.id)),
    );
    expect(sched.phases[0]!.end_date).toBe(sub.trial_end);
    await h.ctl.advanceClock({ to: sub.trial_end! + 10 });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.status).toBe("active");
    expect(after.items.data[0]!.price.id).toBe(cat.proMonthly.id);
    expect(after.latest_invoice).toMatchObject({
      total: 3000,
      billing_reason: "subscription_cycle",
    });
    const moved = await h.stripe.subscriptionSchedules.retrieve(sched.id);
    expect(moved.current_phase).toEqual({
      start_date: sched.phases[1]!.start_date,
      end_date: sched.phases[1]!.end_date,
    });
    expect(periodEnd(after)).toBe(sched.phases[1]!.end_date);
  });

  it("a declined renewal at the phase change still moves the phase (past_due on the new price)", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await h.ctl.advanceClock({ to: periodEnd(sub) + 10 });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.status).toBe("past_due");
    expect(after.items.data[0]!.price.id).toBe(cat.proMonthly.id);
    expect(after.latest_invoice).toMatchObject({ total: 3000, status: "open" });
  });

  it("an item change made through the API meanwhile is replaced when phase 2 starts", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.proMonthly.id);
    const changed = await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: cat.basicMonthly.id }],
      proration_behavior: "none",
    });
    expect(changed.items.data[0]!.price.id).toBe(cat.basicMonthly.id);
    await h.ctl.advanceClock({ to: periodEnd(sub) + 10 });
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => i.price.id)).toEqual([cat.proMonthly.id]);
  });
});

describe("undo and other changes while a schedule is attached", () => {
  it("the portal shows the change and cancels it by releasing the schedule", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const home = await getPage(url);
    expect(home.text).toContain("Changes to Pro ($30.00 per month) on");
    expect(home.text).toContain("Cancel scheduled change");

    const mark = await eventMark(h.stripe);
    const res = await postForm(`${url}/subscriptions/${sub.id}/schedule/release`, {});
    expect(res.status).toBe(303);
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
    ]);
    expect(events[1]!.data.object).toMatchObject({ schedule: null });
    expect(events[1]!.data.previous_attributes).toEqual({ schedule: schedId });
    expect(await h.stripe.subscriptionSchedules.retrieve(schedId)).toMatchObject({
      status: "released",
      released_subscription: sub.id,
      subscription: null,
    });
    expect((await getPage(url)).text).not.toContain("Changes to");
    await h.ctl.advanceClock({ to: periodEnd(sub) + 10 });
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0]!.price.id).toBe(cat.teamMonthly.id);
  });

  it("releasing through the API does the same", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const mark = await eventMark(h.stripe);
    const released = await h.stripe.subscriptionSchedules.release(schedId);
    expect(released).toMatchObject({ status: "released", released_subscription: sub.id });
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
    ]);
    expect(events[0]!.request?.id).toMatch(/^req_/);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull();
  });

  it("another plan change releases the old schedule first", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.proMonthly.id);
    const first = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.basicMonthly.id);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
      "subscription_schedule.created",
      "customer.subscription.updated",
    ]);
    const second = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    expect(second).not.toBe(first);
    expect((await h.stripe.subscriptionSchedules.retrieve(first)).status).toBe("released");
    const sched = await h.stripe.subscriptionSchedules.retrieve(second);
    expect(sched.phases[1]!.items[0]!.price).toBe(cat.basicMonthly.id);
    expect((await getPage(url)).text).toContain("Changes to Basic");
  });

  it("an upgrade while a downgrade is scheduled releases it and applies now", async () => {
    const sub = await subscribe(cat.proMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.basicMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const mark = await eventMark(h.stripe);
    await confirm(url, sub, cat.teamMonthly.id);
    const types = await typesSince(h.stripe, mark);
    expect(types.slice(0, 3)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
      "customer.subscription.updated",
    ]);
    expect(types).not.toContain("subscription_schedule.created");
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ schedule: null });
    expect(after.items.data[0]!.price.id).toBe(cat.teamMonthly.id);
    expect((await h.stripe.subscriptionSchedules.retrieve(schedId)).status).toBe("released");
  });

  it("canceling in the portal releases the schedule, then cancels at period end", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    const url = await portal(["decreasing_item_amount"]);
    await confirm(url, sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const mark = await eventMark(h.stripe);
    await postForm(`${url}/subscriptions/${sub.id}/cancel`, {});
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual([
      "subscription_schedule.released",
      "customer.subscription.updated",
      "customer.subscription.updated",
    ]);
    expect(events[2]!.data.object).toMatchObject({ schedule: null, cancel_at_period_end: true });
    expect((await h.stripe.subscriptionSchedules.retrieve(schedId)).status).toBe("released");
  });
});

describe("the schedule API", () => {
  it("refuses cancelation changes on a subscription a schedule manages", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const message = `The subscription is managed by the subscription schedule \`${schedId}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`;
    const mark = await eventMark(h.stripe);
    for (const params of [
      { cancel_at_period_end: true },
      { cancel_at_period_end: false },
      { cancel_at: periodEnd(sub) },
    ] satisfies Stripe.SubscriptionUpdateParams[]) {
      const err = await h.stripe.subscriptions.update(sub.id, params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ statusCode: 400, message });
    }
    expect(await typesSince(h.stripe, mark)).toEqual([]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    // Metadata is still fine.
    await h.stripe.subscriptions.update(sub.id, { metadata: { a: "b" } });
  });

  it("unknown ids are resource_missing; cancel ends the schedule and the subscription", async () => {
    const missing = await h.stripe.subscriptionSchedules
      .retrieve("sub_sched_nope")
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      message: "No such subscription_schedule: 'sub_sched_nope'",
    });
    await expect(h.stripe.subscriptionSchedules.release("sub_sched_nope")).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(h.stripe.subscriptionSchedules.cancel("sub_sched_nope")).rejects.toMatchObject({
      statusCode: 404,
    });
    // Test and live data stay apart.
    const sub = await subscribe(cat.teamMonthly.id);
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    await expect(h.live.subscriptionSchedules.retrieve(schedId)).rejects.toMatchObject({
      statusCode: 404,
    });

    const mark = await eventMark(h.stripe);
    // invoice_now and prorate default to true (a final credit invoice); off here.
    const canceled = await h.stripe.subscriptionSchedules.cancel(schedId, {
      invoice_now: false,
      prorate: false,
    });
    expect(canceled).toMatchObject({ status: "canceled", current_phase: null });
    expect(canceled.canceled_at).toBeGreaterThan(0);
    const types = await typesSince(h.stripe, mark);
    expect(types).toEqual(["customer.subscription.deleted", "subscription_schedule.canceled"]);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    await expect(h.stripe.subscriptionSchedules.cancel(schedId)).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("canceling the subscription directly cancels its schedule", async () => {
    const sub = await subscribe(cat.teamMonthly.id);
    await confirm(await portal(["decreasing_item_amount"]), sub, cat.proMonthly.id);
    const schedId = scheduleId(await h.stripe.subscriptions.retrieve(sub.id));
    const mark = await eventMark(h.stripe);
    await h.stripe.subscriptions.cancel(sub.id);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "customer.subscription.deleted",
      "subscription_schedule.canceled",
    ]);
    expect((await h.stripe.subscriptionSchedules.retrieve(schedId)).status).toBe("canceled");
  });
});
