import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ACCOUNT_API_VERSION } from "../webhooks/events";
import { startHarness, startReceiver, type Harness, type Receiver } from "./helpers";

let h: Harness;
let rx: Receiver;
beforeEach(async () => {
  h = await startHarness();
  rx = await startReceiver();
});
afterEach(async () => {
  await h.stop();
  await rx.close();
});

const verifier = new Stripe("sk_test_verify");

describe("webhook delivery", () => {
  it("delivers signed events that verify with constructEvent; a wrong secret fails", async () => {
    const endpoint = await h.stripe.webhookEndpoints.create({
      url: rx.url,
      enabled_events: ["customer.created", "customer.updated"],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
    const c = await h.stripe.customers.create({ email: "hook@x.y" });
    await h.stripe.customers.update(c.id, { name: "N" });
    await h.stripe.products.create({ name: "not subscribed" });
    await h.ctl.flush();
    expect(rx.received).toHaveLength(2);
    const events = rx.received.map((r) =>
      verifier.webhooks.constructEvent(r.body, r.signature, endpoint.secret!),
    );
    expect(events.map((e) => e.type).sort()).toEqual(["customer.created", "customer.updated"]);
    const created = events.find((e) => e.type === "customer.created");
    // No api_version on the endpoint: the account default, which is not the SDK's.
    expect(created).toMatchObject({ livemode: false, api_version: DEFAULT_ACCOUNT_API_VERSION });
    expect(DEFAULT_ACCOUNT_API_VERSION).not.toBe(Stripe.API_VERSION);
    expect(() =>
      verifier.webhooks.constructEvent(
        rx.received[0]!.body,
        rx.received[0]!.signature,
        "whsec_wrong",
      ),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const attempts = await h.ctl.deliveries();
    expect(attempts.every((a) => a.status === 200 && a.attempt === 1)).toBe(true);
    // pending_webhooks drops to 0 once delivered.
    expect((await h.stripe.events.retrieve(created!.id)).pending_webhooks).toBe(0);
  });

  it("an endpoint's api_version is stored, returned and used for its events", async () => {
    const pinned = await h.stripe.webhookEndpoints.create({
      url: rx.url,
      enabled_events: ["customer.created"],
      api_version: Stripe.API_VERSION,
    });
    expect(pinned.api_version).toBe(Stripe.API_VERSION);
    expect((await h.stripe.webhookEndpoints.retrieve(pinned.id)).api_version).toBe(
      Stripe.API_VERSION,
    );
    const other = await startReceiver();
    const unpinned = await h.stripe.webhookEndpoints.create({
      url: other.url,
      enabled_events: ["customer.created"],
    });
    expect(unpinned.api_version).toBeNull();
    await h.stripe.customers.create({});
    await h.ctl.flush();
    const at = (r: Receiver) => (JSON.parse(r.received[0]!.body) as Stripe.Event).api_version;
    expect(at(rx)).toBe(Stripe.API_VERSION);
    expect(at(other)).toBe(DEFAULT_ACCOUNT_API_VERSION);
    await other.close();
  });

  it("refuses an api_version the emulator cannot render, and api_version on update", async () => {
    const err = await h.stripe.webhookEndpoints
      .create({
        url: rx.url,
        enabled_events: ["customer.created"],
        api_version: "2019-01-01" as Stripe.WebhookEndpointCreateParams.ApiVersion,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ param: "api_version" });
    expect((await h.stripe.webhookEndpoints.list()).data).toHaveLength(0);
    const e = await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["*"] });
    // Stripe's update params have no api_version: an endpoint's version is fixed at creation.
    await expect(
      h.stripe.webhookEndpoints.update(e.id, {
        api_version: Stripe.API_VERSION,
      } as Stripe.WebhookEndpointUpdateParams),
    ).rejects.toMatchObject({ param: "api_version" });
  });

  it("retries after 500 with backoff until 2xx", async () => {
    rx.status = (n) => (n <= 2 ? 500 : 200);
    await h.stripe.webhookEndpoints.create({ url: rx.url, enabled_events: ["*"] });
    await h.stripe.customers.create({});
    await h.ctl.flush();
    const attempts = await h.ctl.deliveries({ type: "customer.created" });
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(rx.received).toHaveLength(3);
  });

  it("endpoints: update events, disable, delete; live endpoints get only live events", async () => {
    const e = await h.stripe.webhookEndpoints.create({
      url: rx.url,
      enabled_events: ["product.created"],
    });
    const liveRx = await startReceiver();
    await h.live.webhookEndpoints.create({ url: liveRx.url, enabled_events: ["*"] });
    await h.stripe.customers.create({});
    await h.stripe.webhookEndpoints.update(e.id, { enabled_events: ["customer.created"] });
    await h.stripe.customers.create({});
    await h.stripe.webhookEndpoints.update(e.id, { disabled: true });
    await h.stripe.customers.create({});
    await h.live.customers.create({});
    await h.ctl.flush();
    expect(rx.received).toHaveLength(1);
    expect(liveRx.received).toHaveLength(1);
    expect((JSON.parse(liveRx.received[0]!.body) as Stripe.Event).livemode).toBe(true);
    const list = await h.stripe.webhookEndpoints.list();
    expect(list.data[0]).toMatchObject({ id: e.id, status: "disabled" });
    expect(await h.stripe.webhookEndpoints.del(e.id)).toMatchObject({ deleted: true });
    await liveRx.close();
  });

  it("forward URL gets every event; faults: duplicate, drop first attempt, shuffle, redeliver", async () => {
    await h.stop();
    const secret = "whsec_forwardsecret";
    h = await startHarness({ forward: { url: rx.url, secret } });
    await h.ctl.setFaults({ duplicate: 1 });
    const c = await h.stripe.customers.create({});
    await h.ctl.flush();
    expect(rx.received).toHaveLength(2);
    for (const r of rx.received) verifier.webhooks.constructEvent(r.body, r.signature, secret);

    rx.received.length = 0;
    await h.ctl.setFaults({ duplicate: 0, dropFirstAttempts: 1 });
    await h.stripe.customers.update(c.id, { name: "x" });
    await h.ctl.flush();
    expect(rx.received).toHaveLength(1);
    const attempts = await h.ctl.deliveries({ type: "customer.updated" });
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 0],
      [2, 200],
    ]);

    rx.received.length = 0;
    await h.ctl.setFaults({ dropFirstAttempts: 0, shuffle: true, seed: 7, holdMs: 10_000 });
    for (let i = 0; i < 6; i++) await h.stripe.customers.update(c.id, { name: `n${i}` });
    expect(rx.received).toHaveLength(0); // held until flush
    await h.ctl.flush();
    const names = rx.received.map(
      (r) => (JSON.parse(r.body) as Stripe.CustomerUpdatedEvent).data.object.name,
    );
    // Seeded shuffle: arrival order differs from emission order, but nothing is lost.
    expect(names).not.toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    expect([...names].sort()).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);

    await h.ctl.clearFaults();
    rx.received.length = 0;
    const ev = (await h.stripe.events.list({ type: "customer.created" })).data[0]!;
    await h.ctl.redeliver(ev.id);
    await h.ctl.flush();
    expect((JSON.parse(rx.received[0]!.body) as Stripe.Event).id).toBe(ev.id);
  });
});
