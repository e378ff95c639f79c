// stripe:setup's webhook endpoint: which endpoint is the app's, what differs, and the plan/apply step.
import { listWebhookEndpoints } from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import { PORTAL_CONFIGURATION_TAG } from "@/lib/billing/config/portal";
import { assertMode, StripeSetupRefusedError } from "@/lib/billing/config/setup-refusal";
import type { Plan, SetupStep } from "@/lib/billing/config/setup-plan";
import { WEBHOOK_EVENT_TYPES } from "@/lib/billing/sync/receive";
import type { StripeMode } from "@/lib/stripe";

/** The app's endpoint at `url`: the one at the SDK's API version when there are several. */
export function endpointAt(
  endpoints: readonly Stripe.WebhookEndpoint[],
  url: string,
): Stripe.WebhookEndpoint | null {
  const atUrl = endpoints.filter((e) => e.url === url);
  return atUrl.find((e) => e.api_version === Stripe.API_VERSION) ?? atUrl[0] ?? null;
}

/** Planning (reads only): the endpoint at `webhookUrl` and the steps that make it match. */
export async function planWebhook(
  stripe: Stripe,
  mode: StripeMode,
  webhookUrl: string,
  log: (line: string) => void,
): Promise<{ steps: SetupStep[] } & Pick<Plan, "webhook" | "webhookRecreate">> {
  const steps: SetupStep[] = [];
  let webhookRecreate: Stripe.WebhookEndpoint | null = null;
  const endpoints = await listWebhookEndpoints(stripe);
  assertMode(mode, endpoints);
  const webhook = endpointAt(endpoints, webhookUrl);
  for (const leftover of leftoverEndpoints(endpoints, webhookUrl)) log(leftoverReminder(leftover));
  if (webhook && webhook.api_version !== Stripe.API_VERSION) {
    // Stripe cannot change an endpoint's api_version: only a new endpoint gets the SDK's.
    if (!isOwnEndpoint(webhook)) throw versionRefusal(webhook);
    steps.push({
      description: `recreate webhook endpoint ${webhook.id}: api_version is ${webhook.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION} (Stripe cannot change it; the new endpoint has a new signing secret)`,
    });
    webhookRecreate = webhook;
  } else if (!webhook) {
    steps.push({
      description: `create webhook endpoint ${webhookUrl} at API version ${Stripe.API_VERSION} (${WEBHOOK_EVENT_TYPES.length} event types)`,
    });
  } else {
    const drift = webhookDrift(webhook);
    if (drift.length) {
      steps.push({ description: `update webhook endpoint ${webhook.id}: ${drift.join("; ")}` });
    }
  }
  return { steps, webhook, webhookRecreate };
}

/** Applying: creates (or recreates) the endpoint, or updates its events; the secret only when new. */
export async function applyWebhook(
  stripe: Stripe,
  mode: StripeMode,
  plan: Pick<Plan, "webhook" | "webhookRecreate">,
  webhookUrl: string,
  log: (line: string) => void,
): Promise<{ webhookEndpointId: string; webhookSecret: string | null }> {
  const events = [...WEBHOOK_EVENT_TYPES];
  if (!plan.webhook || plan.webhookRecreate) {
    const created = await stripe.webhookEndpoints.create({
      url: webhookUrl,
      enabled_events: events,
      // Events rendered at the version the SDK's types describe, not the account default.
      api_version: Stripe.API_VERSION,
      description: "billing-done-right: subscription, customer, payment method and invoice sync",
      metadata: { [PORTAL_CONFIGURATION_TAG.key]: PORTAL_CONFIGURATION_TAG.value },
    });
    assertMode(mode, [created]);
    // The old endpoint stays: the deployed app verifies with its secret until the new one is
    // set, so deleting it now would refuse every delivery in between. Duplicates are fine.
    if (plan.webhookRecreate) log(leftoverReminder(plan.webhookRecreate));
    return { webhookEndpointId: created.id, webhookSecret: created.secret ?? null };
  }
  if (webhookDrift(plan.webhook).length) {
    await stripe.webhookEndpoints.update(plan.webhook.id, {
      enabled_events: events,
      disabled: false,
    });
  }
  return { webhookEndpointId: plan.webhook.id, webhookSecret: null };
}

/** This app's own endpoints at `url` left at another version beside a pinned one (see below). */
function leftoverEndpoints(
  endpoints: readonly Stripe.WebhookEndpoint[],
  url: string,
): Stripe.WebhookEndpoint[] {
  if (endpointAt(endpoints, url)?.api_version !== Stripe.API_VERSION) return [];
  return endpoints.filter(
    (e) => e.url === url && e.api_version !== Stripe.API_VERSION && isOwnEndpoint(e),
  );
}

function leftoverReminder(endpoint: Stripe.WebhookEndpoint): string {
  return `Old webhook endpoint ${endpoint.id} (api_version ${endpoint.api_version ?? "account default"}) still delivers: delete ${endpoint.id} once STRIPE_WEBHOOK_SECRET is the new endpoint's secret and deployed (Dashboard → Developers → Webhooks).`;
}

/** Endpoints this app created carry its tag; only those may be deleted and recreated. */
function isOwnEndpoint(endpoint: Stripe.WebhookEndpoint): boolean {
  return endpoint.metadata?.[PORTAL_CONFIGURATION_TAG.key] === PORTAL_CONFIGURATION_TAG.value;
}

function versionRefusal(endpoint: Stripe.WebhookEndpoint): StripeSetupRefusedError {
  return new StripeSetupRefusedError(
    `Webhook endpoint ${endpoint.id} (${endpoint.url}) has api_version ${endpoint.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION}, and an endpoint's api_version cannot be changed: delete it in the Dashboard (Developers → Webhooks) and run again (nothing was changed).`,
  );
}

function webhookDrift(endpoint: Stripe.WebhookEndpoint): string[] {
  const drift: string[] = [];
  if (endpoint.status !== "enabled") drift.push("enable it");
  const want: readonly string[] = WEBHOOK_EVENT_TYPES;
  const missing = want.filter((t) => !endpoint.enabled_events.includes(t));
  const extra = endpoint.enabled_events.filter((t) => !want.includes(t));
  if (missing.length) drift.push(`subscribe to ${missing.join(", ")}`);
  if (extra.length) drift.push(`unsubscribe from ${extra.join(", ")}`);
  return drift;
}
