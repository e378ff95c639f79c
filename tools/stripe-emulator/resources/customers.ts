import type Stripe from "stripe";
import type { Ctx } from "../context";
import { diff } from "../context";
import { noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, applyMetadata, obj, str, type Params } from "../http/params";
import { newId, newestFirst } from "../store";

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
  allowOnly(p, [...FIELDS, "metadata", "payment_method", "invoice_settings", "address"]);
  const c = customerFactory(ctx, {
    email: str(p, "email") ?? null,
    name: str(p, "name") ?? null,
    description: str(p, "description") ?? null,
    phone: str(p, "phone") ?? null,
    metadata: applyMetadata({}, p),
  });
  ctx.s.customers[c.id] = c;
  ctx.emit("customer.created", structuredClone(c));
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
  // Stripe cancels the customer's subscriptions immediately when the customer is deleted.
  for (const sub of Object.values(ctx.s.subscriptions)) {
    if (sub.customer === id && sub.status !== "canceled" && sub.status !== "incomplete_expired") {
      const before = structuredClone(sub);
      sub.status = "canceled";
      sub.canceled_at = ctx.now;
      sub.ended_at = ctx.now;
      ctx.emit("customer.subscription.deleted", structuredClone(sub), diff(before, sub));
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
