import { randomUUID } from "node:crypto";
import Stripe from "stripe";

/** Hand-made Stripe events, signed like Stripe signs them: for tests and the benchmark. */

export type EventInput = {
  type: string;
  object: Record<string, unknown>;
  livemode?: boolean;
  id?: string;
  /** Default: the SDK's (an endpoint pinned by stripe:setup). */
  apiVersion?: string;
};

export function eventJson(input: EventInput): { id: string; payload: string } {
  const id = input.id ?? `evt_${randomUUID().replaceAll("-", "")}`;
  const payload = JSON.stringify({
    id,
    object: "event",
    api_version: input.apiVersion ?? Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object: input.object },
    livemode: input.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: input.type,
  });
  return { id, payload };
}

export function signPayload(
  payload: string,
  secret: string,
  options: { timestamp?: number } = {},
): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    timestamp: options.timestamp,
  });
}
