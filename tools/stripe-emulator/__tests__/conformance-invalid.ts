/**
 * Requests Stripe refuses, each with the refusal Stripe gives: HTTP status, error type, code and the
 * full bracket `param`. Sent raw (form-encoded like the SDK) so typos the SDK's types forbid can be sent.
 */
import type { Violation } from "../schema/check-response";

export interface InvalidCase {
  name: string;
  method: "GET" | "POST" | "DELETE";
  /** `{cus}`, `{sub}`, `{pm}`, `{price}`, `{inv}` are replaced with real ids. */
  path: string;
  form: [string, string][];
  status: number;
  type: string;
  /** undefined: Stripe sends no `code` for this refusal. */
  code: string | undefined;
  param: string;
}

const bad = (
  name: string,
  method: InvalidCase["method"],
  path: string,
  form: [string, string][],
  code: string | undefined,
  param: string,
): InvalidCase => ({
  name,
  method,
  path,
  form,
  status: 400,
  type: "invalid_request_error",
  code,
  param,
});

// Stripe's array-length refusal ("Array lookup_keys exceeded maximum 10 allowed elements.") has no code.
const tooManyKeys = Array.from({ length: 11 }, (_, i): [string, string] => [
  `lookup_keys[${i}]`,
  `key_${i}`,
]);

export const INVALID_CASES: InvalidCase[] = [
  bad(
    "unknown top-level param",
    "POST",
    "/v1/customers",
    [["emial", "a@b.c"]],
    "parameter_unknown",
    "emial",
  ),
  bad(
    "unknown nested param (customer update)",
    "POST",
    "/v1/customers/{cus}",
    [["invoice_settings[default_payment_methodd]", "{pm}"]],
    "parameter_unknown",
    "invoice_settings[default_payment_methodd]",
  ),
  bad(
    "unknown param inside an array item",
    "POST",
    "/v1/subscriptions",
    [
      ["customer", "{cus}"],
      ["items[0][price]", "{price}"],
      ["items[0][foo]", "bar"],
    ],
    "parameter_unknown",
    "items[0][foo]",
  ),
  bad(
    "unknown nested param (checkout subscription_data)",
    "POST",
    "/v1/checkout/sessions",
    [
      ["mode", "subscription"],
      ["line_items[0][price]", "{price}"],
      ["line_items[0][quantity]", "1"],
      ["success_url", "http://localhost:3000/ok"],
      ["subscription_data[trial_dayz]", "3"],
    ],
    "parameter_unknown",
    "subscription_data[trial_dayz]",
  ),
  bad(
    "unknown portal feature",
    "POST",
    "/v1/billing_portal/configurations",
    [
      ["features[invoice_history][enabled]", "true"],
      ["features[subscription_pauze][enabled]", "true"],
    ],
    "parameter_unknown",
    "features[subscription_pauze]",
  ),
  bad(
    "bad nested enum names the full path",
    "POST",
    "/v1/billing_portal/configurations",
    [
      ["features[subscription_cancel][enabled]", "true"],
      ["features[subscription_cancel][mode]", "later"],
    ],
    "parameter_invalid",
    "features[subscription_cancel][mode]",
  ),
  bad(
    "unknown query param on a list",
    "GET",
    "/v1/customers",
    [["foo", "bar"]],
    "parameter_unknown",
    "foo",
  ),
  bad(
    "unknown query param on subscriptions.list",
    "GET",
    "/v1/subscriptions",
    [["statuz", "active"]],
    "parameter_unknown",
    "statuz",
  ),
  bad(
    "unknown query param on events.list",
    "GET",
    "/v1/events",
    [["typ", "invoice.paid"]],
    "parameter_unknown",
    "typ",
  ),
  bad(
    "unknown query param on retrieve",
    "GET",
    "/v1/customers/{cus}",
    [["expandd[0]", "subscriptions"]],
    "parameter_unknown",
    "expandd",
  ),
  bad(
    "unknown enabled_events value",
    "POST",
    "/v1/webhook_endpoints",
    [
      ["url", "https://example.com/hook"],
      ["enabled_events[0]", "invoice.paid"],
      ["enabled_events[1]", "customer.subscription.updatedd"],
    ],
    "parameter_invalid",
    "enabled_events[1]",
  ),
  bad(
    "retired Checkout ui_mode",
    "POST",
    "/v1/checkout/sessions",
    [
      ["mode", "subscription"],
      ["line_items[0][price]", "{price}"],
      ["line_items[0][quantity]", "1"],
      ["success_url", "http://localhost:3000/ok"],
      ["ui_mode", "hosted"],
    ],
    "parameter_invalid",
    "ui_mode",
  ),
  bad("more than 10 lookup_keys", "GET", "/v1/prices", tooManyKeys, undefined, "lookup_keys"),
  bad(
    "missing required param (attach)",
    "POST",
    "/v1/payment_methods/pm_card_visa/attach",
    [],
    "parameter_missing",
    "customer",
  ),
  bad(
    "missing required param (webhook url)",
    "POST",
    "/v1/webhook_endpoints",
    [["enabled_events[0]", "invoice.paid"]],
    "parameter_missing",
    "url",
  ),
  bad(
    "missing required param (price currency)",
    "POST",
    "/v1/prices",
    [
      ["product", "{prod}"],
      ["unit_amount", "100"],
    ],
    "parameter_missing",
    "currency",
  ),
  bad(
    "non-integer inside an array item",
    "POST",
    "/v1/subscriptions",
    [
      ["customer", "{cus}"],
      ["items[0][price]", "{price}"],
      ["items[0][quantity]", "two"],
    ],
    "parameter_invalid_integer",
    "items[0][quantity]",
  ),
  bad(
    "non-integer limit",
    "GET",
    "/v1/customers",
    [["limit", "ten"]],
    "parameter_invalid_integer",
    "limit",
  ),
  bad(
    "bad boolean",
    "POST",
    "/v1/subscriptions/{sub}",
    [["cancel_at_period_end", "yes"]],
    "parameter_invalid",
    "cancel_at_period_end",
  ),
  bad(
    "hash where a string is expected",
    "POST",
    "/v1/customers",
    [["name[first]", "Ada"]],
    "parameter_invalid",
    "name",
  ),
  bad(
    "string where a hash is expected",
    "POST",
    "/v1/customers/{cus}",
    [["invoice_settings", "pm_123"]],
    "parameter_invalid",
    "invoice_settings",
  ),
  bad(
    "unknown nested param (price recurring)",
    "POST",
    "/v1/prices",
    [
      ["product", "{prod}"],
      ["currency", "usd"],
      ["unit_amount", "100"],
      ["recurring[intervall]", "month"],
    ],
    "parameter_unknown",
    "recurring[intervall]",
  ),
  bad(
    "bad flow_data type",
    "POST",
    "/v1/billing_portal/sessions",
    [
      ["customer", "{cus}"],
      ["flow_data[type]", "subscription_pause_now"],
    ],
    "parameter_invalid",
    "flow_data[type]",
  ),
  bad(
    "unknown param on subscription update item",
    "POST",
    "/v1/subscriptions/{sub}",
    [["items[0][pricee]", "{price}"]],
    "parameter_unknown",
    "items[0][pricee]",
  ),
  bad(
    "unknown query param on cancel",
    "DELETE",
    "/v1/subscriptions/{sub}",
    [["invoice_noww", "true"]],
    "parameter_unknown",
    "invoice_noww",
  ),
  bad(
    "bad boolean on invoices.pay",
    "POST",
    "/v1/invoices/{inv}/pay",
    [["paid_out_of_band", "maybe"]],
    "parameter_invalid",
    "paid_out_of_band",
  ),
  // "You cannot expand more than 4 levels of a property. Property: data.items.data.price.product"
  bad(
    "expand deeper than four levels (the list's data. counts)",
    "GET",
    "/v1/subscriptions",
    [["expand[0]", "data.items.data.price.product"]],
    "property_expansion_max_depth",
    "expand",
  ),
];

/** Sends every case raw to the emulator; a case's violations say how the refusal differed. */
export async function sendInvalidCases(
  baseUrl: string,
  ids: Record<string, string>,
): Promise<{ name: string; violations: Violation[] }[]> {
  const fill = (s: string): string => s.replace(/\{(\w+)\}/g, (_, k: string) => ids[k] ?? k);
  const results: { name: string; violations: Violation[] }[] = [];
  for (const c of INVALID_CASES) {
    const body = new URLSearchParams(c.form.map(([k, v]) => [k, fill(v)])).toString();
    const path = fill(c.path);
    const res = await fetch(
      c.method === "POST" ? `${baseUrl}${path}` : `${baseUrl}${path}?${body}`,
      {
        method: c.method,
        headers: {
          authorization: "Bearer sk_test_emulator",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: c.method === "POST" ? body : undefined,
      },
    );
    const json = (await res.json()) as { error?: Record<string, string> };
    const got: Record<string, unknown> = { status: res.status, ...json.error };
    const want = { status: c.status, type: c.type, code: c.code, param: c.param };
    const keys = Object.keys(want) as (keyof typeof want)[];
    const shown = Object.fromEntries(keys.map((k) => [k, got[k]]));
    const message = `want ${JSON.stringify(want)}, got ${JSON.stringify(shown)}`;
    results.push({
      name: c.name,
      violations: keys.some((k) => got[k] !== want[k])
        ? [{ path: `${c.method} ${c.path}`, message }]
        : [],
    });
  }
  return results;
}
