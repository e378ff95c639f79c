/**
 * The `/v1` request pipeline, in Stripe's order: API faults, authentication, rate limits,
 * idempotency replay, route match, params validation, the handler, expansion, the answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Stripe from "stripe";
import type { EmulatorCore } from "../engine/emulator-core";
import { ApiError } from "../http/errors";
import { applyExpand, expandTooDeep } from "../http/expand";
import { parseForm } from "../http/form";
import { IdempotencyStore } from "../http/idempotency";
import { strArr } from "../http/params";
import { readBody, sendJson } from "../http/respond";
import { withInvoicePayments } from "../resources/invoices/payment-intents";
import { checkParams } from "../schema/check-params";
import { customerOf, modeFromAuth } from "./caller";
import { apiRoutes } from "./routes";
import { includeCurrencyOptions, resolver } from "./shape";

const routes = apiRoutes();

export async function handleApi(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const method = req.method ?? "GET";
  const raw = method === "POST" ? await readBody(req) : url.search.slice(1);
  // API faults: delayMs, then stall. False: the emulator stopped meanwhile, nobody to answer.
  if (!(await core.apiFaults.enter())) return;
  const base: Record<string, string> = {
    "request-id": requestId,
    "stripe-version": String(req.headers["stripe-version"] ?? Stripe.API_VERSION),
  };
  const reply = (status: number, body: unknown, headers: Record<string, string>): void => {
    core.requests.answered(status);
    sendJson(res, status, body, headers);
  };
  const auth = req.headers.authorization;
  const mode = modeFromAuth(auth);
  const params = parseForm(raw);
  const r = routes.find((x) => x.method === method && x.re.test(url.pathname));
  core.requests.count(
    r?.pattern ?? `${method} ${url.pathname} (unrecognized)`,
    customerOf(core, mode, url.pathname, params),
  );
  if (!mode) {
    const message = auth
      ? `Invalid API Key provided: ${auth.replace(/^(Bearer|Basic)\s+/, "").slice(0, 8)}****`
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    const err = new ApiError(
      401,
      "invalid_request_error",
      message,
      auth ? "api_key_invalid" : undefined,
    );
    reply(401, err.toJSON(requestId), base);
    return;
  }
  const idemKey =
    typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
  const limited = core.apiFaults.admit(mode);
  if (limited) {
    // Before the idempotency lookup and never stored: a retry with the same key runs for real.
    core.opts.log(`${method} ${url.pathname} 429 rate limited (${mode}) ${requestId}`);
    reply(
      429,
      JSON.stringify(limited.toJSON(requestId), null, 2),
      idemKey ? { ...base, "idempotency-key": idemKey } : base,
    );
    return;
  }
  if (idemKey && method === "POST") {
    const fp = IdempotencyStore.fingerprint(method, url.pathname, raw);
    const prior = core.idempotency.get(mode, idemKey);
    if (prior) {
      if (prior.fingerprint !== fp) {
        const err = new ApiError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
        );
        reply(400, err.toJSON(requestId), { ...base, "idempotency-key": idemKey });
        return;
      }
      reply(prior.status, prior.body, {
        ...base,
        "idempotency-key": idemKey,
        "idempotent-replayed": "true",
      });
      return;
    }
  }
  let status = 200;
  let body: string;
  const ctx = core.ctx(mode, { id: requestId, idempotency_key: idemKey });
  try {
    if (!r) {
      const anyMethod = routes.some((x) => x.re.test(url.pathname));
      throw new ApiError(
        404,
        "invalid_request_error",
        anyMethod
          ? `Unrecognized request URL (${method}: ${url.pathname}). The local Stripe emulator does not support this method.`
          : `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      );
    }
    const m = r.re.exec(url.pathname) ?? [];
    // Shape first, like Stripe: unknown keys, types and closed enums from the SDK's params type.
    const refused = checkParams(r.params, params);
    if (refused) throw refused;
    const requested = strArr(params, "expand") ?? [];
    const tooDeep = expandTooDeep(requested);
    if (tooDeep) throw tooDeep;
    const result = r.handler(ctx, params, [...m]);
    const includes = requested.filter(
      (e) => e === "currency_options" || e.endsWith(".currency_options"),
    );
    const expand = requested.filter(
      (e) => e !== "line_items" && e !== "subscriptions" && !includes.includes(e),
    );
    const expanded = applyExpand(withInvoicePayments(ctx, result, expand), expand, resolver(ctx));
    body = JSON.stringify(includeCurrencyOptions(ctx, expanded, includes), null, 2);
    core.changed();
  } catch (e) {
    const err =
      e instanceof ApiError
        ? e
        : new ApiError(500, "api_error", e instanceof Error ? e.message : "Internal error");
    if (!(e instanceof ApiError)) core.opts.log(`error ${method} ${url.pathname}: ${String(e)}`);
    status = err.status;
    body = JSON.stringify(err.toJSON(requestId), null, 2);
  }
  if (idemKey && method === "POST" && status !== 500 && status !== 429) {
    core.idempotency.set(mode, idemKey, {
      fingerprint: IdempotencyStore.fingerprint(method, url.pathname, raw),
      status,
      body,
      created: Date.now(),
    });
  }
  core.opts.log(`${method} ${url.pathname} ${status} (${mode}) ${requestId}`);
  reply(status, body, idemKey ? { ...base, "idempotency-key": idemKey } : base);
}
