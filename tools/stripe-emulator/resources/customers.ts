import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { cardDeclined, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, applyMetadata, obj, str, type Params } from "../http/params";
import { onSubscriptionCanceled } from "./subscription-schedules";
import { newId, newestFirst } from "../engine/store";
import { attachPaymentMethod, cardOf, getPaymentMethod } from "./payment-methods";
import { atCustomerTime, clockForNewCustomer } from "./test-clocks";

const ADDRESS_KEYS = ["city", "country", "line1", "line2", "postal_code", "state"] as const;

function addressFrom(p: Params, current: Stripe.Address | null): Stripe.Address {
  const out: Stripe.Address = current
    ? { ...current }
    : { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
  for (const k of ADDRESS_KEYS) {
    const v = str(p, k, `address[${k}]`);
    if (v !== undefined) out[k] = v || null;
  }
  return out;
}

export function customerFactory(
  ctx: Ctx,
  fields: Partial<Pick<Stripe.Customer, "email" | "name" | "description" | "phone" | "metadata">>,
): Stripe.Customer {
  return {
    id: newId("cus"),
    object: "customer",
    address: null,
    balance: 0,
    created: ctx.now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    discount: null,
    email: fields.email ?? null,
    invoice_prefix: newId("x").slice(2, 10).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: ctx.mode === "live",
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: fields.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export function getCustomer(ctx: Ctx, id: string, param = "id"): Stripe.Customer {
  const c = ctx.s.customers[id];
  if (!c) throw noSuch("customer", id, param);
  return c;
}

const FIELDS = ["email", "name", "description", "phone"] as const;

export function createCustomer(ctx: Ctx, p: Params): Stripe.Customer {
  allowOnly(p, [
    ...FIELDS,
    "metadata",
    "payment_method",
    "invoice_settings",
    "address",
    "test_clock",
  ]);
  // On a test clock, the customer (and everything it gets later) lives at the clock's time.
  const clockId = str(p, "test_clock");
  const clock = clockId ? clockForNewCustomer(ctx, clockId) : null;
  if (clock) ctx.now = clock.frozen_time;
  const c = customerFactory(ctx, {
    email: str(p, "email") ?? null,
    name: str(p, "name") ?? null,
    description: str(p, "description") ?? null,
    phone: str(p, "phone") ?? null,
    metadata: applyMetadata({}, p),
  });
  c.test_clock = clock?.id ?? null;
  const address = obj(p, "address");
  if (address) c.address = addressFrom(address, null);
  // `payment_method` attaches a card at creation; check it first so a decline creates nothing.
  const pmParam = str(p, "payment_method");
  if (pmParam) {
    const card = cardOf(getPaymentMethod(ctx, pmParam, "payment_method"));
    if (card?.fails === "attach") throw cardDeclined(card.declineCode, "payment_method");
  }
  ctx.s.customers[c.id] = c;
  const attachedPm = pmParam ? attachPaymentMethod(ctx, pmParam, c.id, { deferEvent: true }) : null;
  const attached = attachedPm?.id ?? null;
  const defaultPm = obj(p, "invoice_settings")?.default_payment_method;
  if (typeof defaultPm === "string" && defaultPm) {
    // `pm_card_visa` passed in both places refers to the clone made by the attach above.
    const resolved = defaultPm === pmParam && attached ? attached : defaultPm;
    const found = ctx.s.paymentMethods[resolved];
    if (!found || found.customer !== c.id) {
      delete ctx.s.customers[c.id];
      if (attachedPm) attachedPm.customer = null;
      throw noSuch("PaymentMethod", defaultPm, "invoice_settings[default_payment_method]");
    }
    c.invoice_settings.default_payment_method = resolved;
  }
  ctx.emit("customer.created", structuredClone(c));
  if (attachedPm) ctx.emit("payment_method.attached", structuredClone(attachedPm));
  return c;
}

/** Shared by the API and the portal's "update information" form. */
export function updateCustomer(ctx: Ctx, id: string, p: Params): Stripe.Customer {
  allowOnly(p, [...FIELDS, "metadata", "invoice_settings", "address"]);
  const c = getCustomer(ctx, id);
  const before = structuredClone(c);
  for (const f of FIELDS) {
    const v = str(p, f);
    if (v !== undefined) c[f] = v === "" ? null : v;
  }
  c.metadata = applyMetadata(c.metadata, p);
  const address = p.address === "" ? null : obj(p, "address");
  if (address === null) c.address = null;
  else if (address) c.address = addressFrom(address, c.address ?? null);
  const inv = obj(p, "invoice_settings");
  if (inv) {
    const pm = str(inv, "default_payment_method", "invoice_settings[default_payment_method]");
    if (pm !== undefined) {
      if (pm !== "") {
        const found = ctx.s.paymentMethods[pm];
        if (!found || found.customer !== id) {
          throw noSuch("PaymentMethod", pm, "invoice_settings[default_payment_method]");
        }
      }
      c.invoice_settings.default_payment_method = pm === "" ? null : pm;
    }
  }
  const changes = diff(before, c);
  if (Object.keys(changes).length > 0) ctx.emit("customer.updated", structuredClone(c), changes);
  return c;
}

export function deleteCustomer(ctx: Ctx, id: string): Stripe.DeletedCustomer {
  const c = getCustomer(ctx, id);
  atCustomerTime(ctx, id);
  // Stripe cancels the customer's subscriptions immediately when the customer is deleted.
  for (const sub of Object.values(ctx.s.subscriptions)) {
    if (sub.customer === id && sub.status !== "canceled" && sub.status !== "incomplete_expired") {
      const before = structuredClone(sub);
      sub.status = "canceled";
      sub.canceled_at = ctx.now;
      sub.ended_at = ctx.now;
      ctx.emit("customer.subscription.deleted", structuredClone(sub), diff(before, sub));
      onSubscriptionCanceled(ctx, sub, false);
    }
  }
  delete ctx.s.customers[id];
  ctx.s.deletedCustomers[id] = true;
  ctx.emit("customer.deleted", structuredClone(c));
  return { id, object: "customer", deleted: true };
}

export function listCustomers(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Customer> {
  const email = str(p, "email");
  const all = newestFirst(ctx.s.customers).filter((c) => !email || c.email === email);
  return paginate(all, p, "/v1/customers");
}
