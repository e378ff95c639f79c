/** Event objects and the events API (retrieve, list with type/created filters). */
import Stripe from "stripe";
import type { EventObject, EventOf, EventType } from "../engine/request-context";
import { invalid, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { int, obj, str, strArr, type Params } from "../http/params";
import type { Mode, ModeState } from "../engine/store";
import { newId, newestFirst } from "../engine/store";

/**
 * The emulated account's default API version: older than the SDK's on purpose, so an endpoint
 * created without `api_version` visibly gets events at another version (as on a real account
 * whose default predates the SDK). Configurable with `accountApiVersion`.
 */
export const DEFAULT_ACCOUNT_API_VERSION = "2024-06-20";

/** Versions the emulator can render events at (its objects are shaped by the SDK's types). */
export const RENDERABLE_API_VERSIONS: readonly string[] = [Stripe.API_VERSION];

export function eventFactory<T extends EventType>(
  /** Stored events carry the account's version; each delivery is relabelled per endpoint. */
  apiVersion: string,
  mode: Mode,
  created: number,
  type: T,
  object: EventObject<T>,
  previous: Partial<EventObject<T>> | undefined,
  request: { id: string | null; idempotency_key: string | null },
  pendingWebhooks: number,
): EventOf<T> {
  // Stripe only sends previous_attributes on *.updated (and payment_method.detached).
  const withPrevious =
    previous && (type.endsWith(".updated") || type === "payment_method.detached");
  const event = {
    id: newId("evt"),
    object: "event",
    api_version: apiVersion,
    created,
    data: withPrevious ? { object, previous_attributes: previous } : { object },
    livemode: mode === "live",
    pending_webhooks: pendingWebhooks,
    request,
    type,
  } satisfies Omit<Stripe.EventBase, "type" | "data"> & { type: T; data: unknown };
  // TypeScript cannot narrow a generic `T` to one member of the Event union; the shape above is
  // checked against EventBase and the data against the event's own object type.
  return event as unknown as EventOf<T>;
}

export function getEvent(s: ModeState, id: string): Stripe.Event {
  const e = s.events[id];
  if (!e) throw noSuch("event", id);
  return e;
}

function typeMatches(pattern: string, type: string): boolean {
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function listEvents(s: ModeState, p: Params): Stripe.ApiList<Stripe.Event> {
  const type = str(p, "type");
  const types = strArr(p, "types");
  if (type && types)
    throw invalid("types", "You may only specify one of these parameters: type, types.");
  const created = obj(p, "created");
  const exact = created ? undefined : int(p, "created");
  const range = {
    gt: created ? int(created, "gt", "created[gt]") : undefined,
    gte: created ? int(created, "gte", "created[gte]") : undefined,
    lt: created ? int(created, "lt", "created[lt]") : undefined,
    lte: created ? int(created, "lte", "created[lte]") : undefined,
  };
  const all = newestFirst(s.events).filter(
    (e) =>
      (!type || typeMatches(type, e.type)) &&
      (!types || types.some((t) => typeMatches(t, e.type))) &&
      (exact === undefined || e.created === exact) &&
      (range.gt === undefined || e.created > range.gt) &&
      (range.gte === undefined || e.created >= range.gte) &&
      (range.lt === undefined || e.created < range.lt) &&
      (range.lte === undefined || e.created <= range.lte),
  );
  return paginate(all, p, "/v1/events");
}
