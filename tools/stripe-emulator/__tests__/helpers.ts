/**
 * Test helpers: a fresh emulator (per test or per file), SDK clients for both modes, a webhook
 * receiver, a browser for the hosted pages, the seeded catalog and customer fixtures.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { emulatorControl, type EmulatorControl } from "../control/client";
import { startStripeEmulator, type RunningStripeEmulator } from "../server";

export interface Harness {
  emu: RunningStripeEmulator;
  stripe: Stripe;
  live: Stripe;
  ctl: EmulatorControl;
  stop(): Promise<void>;
}

export function sdk(port: number, key = "sk_test_emulator"): Stripe {
  return new Stripe(key, { host: "localhost", port, protocol: "http", maxNetworkRetries: 0 });
}

type EmulatorOptions = Parameters<typeof startStripeEmulator>[0];

export async function startHarness(opts: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startStripeEmulator({ retryDelaysMs: [50, 100, 200], ...opts });
  return {
    emu,
    stripe: sdk(emu.port),
    live: sdk(emu.port, "sk_live_emulator"),
    ctl: emulatorControl(emu.url),
    stop: () => emu.stop(),
  };
}

/**
 * The usual file setup: a fresh emulator with the seeded catalog before each test (`perFile`:
 * once for the whole file), stopped afterwards. `onStart` hands both to the file's variables and
 * may add the file's own setup.
 */
export function setupHarness(
  onStart: (h: Harness, cat: Catalog) => void | Promise<void>,
  opts: { emulator?: EmulatorOptions; perFile?: boolean } = {},
): void {
  let h: Harness | undefined;
  (opts.perFile ? beforeAll : beforeEach)(async () => {
    h = await startHarness(opts.emulator);
    await onStart(h, await seedCatalog(h.stripe));
  });
  (opts.perFile ? afterAll : afterEach)(async () => h?.stop());
}

export interface Received {
  body: string;
  signature: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer with; a function lets a test fail the first N attempts. */
  status: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    status: () => 200,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["stripe-signature"] ?? ""),
      });
      res.writeHead(receiver.status(received.length));
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  receiver.url = `http://localhost:${(server.address() as AddressInfo).port}/webhook`;
  receiver.close = () => new Promise<void>((r) => server.close(() => r()));
  return receiver;
}

/** Event types in creation order for the given mode (events.list is newest first). */
export async function eventTypes(stripe: Stripe, sinceCreated = 0): Promise<string[]> {
  const out: Stripe.Event[] = [];
  for await (const e of stripe.events.list({ limit: 100, created: { gte: sinceCreated } })) {
    out.push(e);
  }
  return out.reverse().map((e) => e.type);
}

/**
 * A browser's cookie jar for the hosted pages (portal sessions bind to the browser that opened
 * them): cookies by name, sent where their Path is a prefix of the request's path.
 */
const jar = new Map<string, { value: string; host: string; path: string }>();

function cookiesFor(url: string): Record<string, string> {
  const u = new URL(url);
  const pairs = [...jar.entries()]
    .filter(([, c]) => c.host === u.host && u.pathname.startsWith(c.path))
    .map(([name, c]) => `${name}=${c.value}`);
  return pairs.length ? { cookie: pairs.join("; ") } : {};
}

function keepCookies(url: string, res: Response): void {
  const u = new URL(url);
  for (const line of res.headers.getSetCookie()) {
    const [pair = "", ...attrs] = line.split(";").map((x) => x.trim());
    const [name = "", ...value] = pair.split("=");
    const path = attrs.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
    jar.set(name, { value: value.join("="), host: u.host, path: decodeURIComponent(path) });
  }
}

/** Posts a hosted-page form like a browser without JavaScript would. */
export async function postForm(
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; location: string | null; text: string }> {
  // A browser posts a portal form only after opening the session's link (which binds it).
  const portalRoot = /^(.*\/p\/session\/[^/?]+)/.exec(url)?.[1];
  if (portalRoot && !cookiesFor(url).cookie) await getPage(portalRoot);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...cookiesFor(url) },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  keepCookies(url, res);
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}

export async function getPage(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { redirect: "manual", headers: cookiesFor(url) });
  keepCookies(url, res);
  return { status: res.status, text: await res.text() };
}

export interface Catalog {
  basic: Stripe.Product;
  pro: Stripe.Product;
  basicMonthly: Stripe.Price;
  proMonthly: Stripe.Price;
}

export async function seedCatalog(stripe: Stripe): Promise<Catalog> {
  const basic = await stripe.products.create({ name: "Basic" });
  const pro = await stripe.products.create({ name: "Pro" });
  const basicMonthly = await stripe.prices.create({
    product: basic.id,
    currency: "usd",
    unit_amount: 1000,
    recurring: { interval: "month" },
    lookup_key: "basic_monthly",
    transfer_lookup_key: true,
  });
  const proMonthly = await stripe.prices.create({
    product: pro.id,
    currency: "usd",
    unit_amount: 3000,
    recurring: { interval: "month" },
    lookup_key: "pro_monthly",
    transfer_lookup_key: true,
  });
  return { basic, pro, basicMonthly, proMonthly };
}

/**
 * A customer with `card` attached, as its invoice default unless `asDefault: false` (then a
 * subscription has to name the card itself).
 */
export async function customerWithCard(
  stripe: Stripe,
  card: string,
  params: Stripe.CustomerCreateParams = {},
  opts: { asDefault?: boolean } = {},
): Promise<{ customer: Stripe.Customer; pm: Stripe.PaymentMethod }> {
  const customer = await stripe.customers.create(params);
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  if (opts.asDefault ?? true) {
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: pm.id },
    });
  }
  return { customer, pm };
}

/**
 * A customer with a card, subscribed to `price`. The card pays as the customer's default, or as
 * the subscription's own `default_payment_method` (`cardOn: "subscription"`).
 */
export async function subscribedCustomer(
  stripe: Stripe,
  price: string,
  opts: {
    card?: string;
    customer?: Stripe.CustomerCreateParams;
    cardOn?: "customer" | "subscription";
    subscription?: Partial<Stripe.SubscriptionCreateParams>;
  } = {},
): Promise<{ customer: Stripe.Customer; pm: Stripe.PaymentMethod; sub: Stripe.Subscription }> {
  const onSubscription = opts.cardOn === "subscription";
  const { customer, pm } = await customerWithCard(
    stripe,
    opts.card ?? "pm_card_visa",
    opts.customer,
    { asDefault: !onSubscription },
  );
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price }],
    ...(onSubscription ? { default_payment_method: pm.id } : {}),
    ...opts.subscription,
  });
  return { customer, pm, sub };
}

/** Id of the newest event right now, to collect what an action emits afterwards. */
export async function eventMark(stripe: Stripe): Promise<string | null> {
  return (await stripe.events.list({ limit: 1 })).data[0]?.id ?? null;
}

/** Events after `mark`, oldest first. */
export async function eventsSince(stripe: Stripe, mark: string | null): Promise<Stripe.Event[]> {
  const page = await stripe.events.list(
    mark ? { limit: 100, ending_before: mark } : { limit: 100 },
  );
  return [...page.data].reverse();
}

export async function typesSince(stripe: Stripe, mark: string | null): Promise<string[]> {
  return (await eventsSince(stripe, mark)).map((e) => e.type);
}
