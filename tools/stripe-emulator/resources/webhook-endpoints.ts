/** Webhook endpoints; the signing secret is only returned on create, like Stripe. */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { invalid, missing, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, applyMetadata, bool, reqStr, str, strArr, type Params } from "../http/params";
import { RENDERABLE_API_VERSIONS } from "../webhooks/events";
import { newId, newestFirst, randomToken } from "../engine/store";

export function webhookEndpointFactory(
  ctx: Ctx,
  f: { url: string; enabled_events: string[]; description: string | null },
): Stripe.WebhookEndpoint {
  return {
    id: newId("we"),
    object: "webhook_endpoint",
    api_version: null,
    application: null,
    created: ctx.now,
    description: f.description,
    enabled_events: f.enabled_events,
    livemode: ctx.mode === "live",
    metadata: {},
    secret: `whsec_${randomToken(32)}`,
    status: "enabled",
    url: f.url,
  };
}

function checkUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
    return url;
  } catch {
    throw invalid("url", "Invalid URL: URL must be publicly accessible or a valid http(s) URL.");
  }
}

/** The API never returns the secret after creation. */
export function publicEndpoint(e: Stripe.WebhookEndpoint): Stripe.WebhookEndpoint {
  const copy = { ...e };
  delete copy.secret;
  return copy;
}

export function getEndpoint(ctx: Ctx, id: string): Stripe.WebhookEndpoint {
  const e = ctx.s.webhookEndpoints[id];
  if (!e) throw noSuch("webhook endpoint", id);
  return e;
}

/**
 * Stripe accepts any released version; the emulator only the ones it can render (the SDK's), so
 * an endpoint pinned to anything else fails here instead of receiving mislabelled events.
 */
function apiVersionOf(p: Params): string | null {
  const v = str(p, "api_version");
  if (v === undefined) return null;
  if (!RENDERABLE_API_VERSIONS.includes(v)) {
    throw invalid(
      "api_version",
      `Invalid API version: ${v || "(empty)"}. The local Stripe emulator renders events at ${RENDERABLE_API_VERSIONS.join(", ")} only.`,
    );
  }
  return v;
}

export function createEndpoint(ctx: Ctx, p: Params): Stripe.WebhookEndpoint {
  allowOnly(p, ["url", "enabled_events", "description", "metadata", "api_version", "connect"]);
  const url = checkUrl(reqStr(p, "url"));
  const events = strArr(p, "enabled_events");
  if (!events || events.length === 0) throw missing("enabled_events");
  const e = webhookEndpointFactory(ctx, {
    url,
    enabled_events: events,
    description: str(p, "description") ?? null,
  });
  e.api_version = apiVersionOf(p);
  e.metadata = applyMetadata({}, p);
  ctx.s.webhookEndpoints[e.id] = e;
  return e;
}

export function updateEndpoint(ctx: Ctx, id: string, p: Params): Stripe.WebhookEndpoint {
  allowOnly(p, ["url", "enabled_events", "description", "metadata", "disabled"]);
  const e = getEndpoint(ctx, id);
  const url = str(p, "url");
  if (url) e.url = checkUrl(url);
  const events = strArr(p, "enabled_events");
  if (events) e.enabled_events = events;
  const description = str(p, "description");
  if (description !== undefined) e.description = description || null;
  const disabled = bool(p, "disabled");
  if (disabled !== undefined) e.status = disabled ? "disabled" : "enabled";
  e.metadata = applyMetadata(e.metadata, p);
  return publicEndpoint(e);
}

export function deleteEndpoint(ctx: Ctx, id: string): Stripe.DeletedWebhookEndpoint {
  getEndpoint(ctx, id);
  delete ctx.s.webhookEndpoints[id];
  return { id, object: "webhook_endpoint", deleted: true };
}

export function listEndpoints(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.WebhookEndpoint> {
  return paginate(
    newestFirst(ctx.s.webhookEndpoints).map(publicEndpoint),
    p,
    "/v1/webhook_endpoints",
  );
}

export function endpointMatches(e: Stripe.WebhookEndpoint, type: string): boolean {
  return (
    e.status === "enabled" && (e.enabled_events.includes("*") || e.enabled_events.includes(type))
  );
}
