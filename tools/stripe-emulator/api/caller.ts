/** Who a `/v1` request is: its mode (from the API key) and, for request accounting, its customer. */
import type { EmulatorCore } from "../engine/emulator-core";
import type { Mode } from "../engine/store";
import { idOf } from "../http/expand";
import type { Params } from "../http/params";

const KEY_RE = /^(?:sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

/** Stripe accepts Bearer and Basic (key as username). Returns the key's mode or null. */
export function modeFromAuth(header: string | undefined): Mode | null {
  if (!header) return null;
  let key: string | undefined;
  if (header.startsWith("Bearer ")) key = header.slice(7).trim();
  else if (header.startsWith("Basic ")) {
    key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
  }
  const m = key ? KEY_RE.exec(key) : null;
  return m ? (m[1] === "live" ? "live" : "test") : null;
}

/**
 * The customer a request is about, for request accounting: `/v1/customers/cus_…[/…]`, else a
 * `customer` param, else the customer of the subscription / schedule / payment method / invoice in the
 * path (looked up in the request's mode before handling).
 */
export function customerOf(
  core: EmulatorCore,
  mode: Mode | null,
  path: string,
  params: Params,
): string | null {
  const inPath = /^\/v1\/customers\/(cus_[^/]+)(?:\/|$)/.exec(path);
  if (inPath?.[1]) return decodeURIComponent(inPath[1]);
  if (typeof params.customer === "string" && params.customer) return params.customer;
  const owned =
    /^\/v1\/(subscriptions|subscription_schedules|payment_methods|invoices)\/([^/]+)(?:\/|$)/.exec(
      path,
    );
  if (!mode || !owned?.[2]) return null;
  const s = core.state.modes[mode];
  const objectId = decodeURIComponent(owned[2]);
  if (owned[1] === "subscriptions") return idOf(s.subscriptions[objectId]?.customer);
  if (owned[1] === "subscription_schedules")
    return idOf(s.subscriptionSchedules[objectId]?.customer ?? null);
  if (owned[1] === "payment_methods") return idOf(s.paymentMethods[objectId]?.customer);
  return idOf(s.invoices[objectId]?.customer);
}
