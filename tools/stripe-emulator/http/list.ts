/** Stripe list objects with cursor pagination (newest first). */
import type Stripe from "stripe";
import { invalid } from "./errors";
import { int, str, type Params } from "./params";

export function paginate<T extends { id: string }>(
  newestFirst: T[],
  p: Params,
  url: string,
): Stripe.ApiList<T> {
  const limit = int(p, "limit") ?? 10;
  if (limit < 1 || limit > 100) throw invalid("limit", "Limit must be between 1 and 100.");
  const after = str(p, "starting_after");
  const before = str(p, "ending_before");
  let data: T[];
  let hasMore: boolean;
  if (after) {
    const i = newestFirst.findIndex((x) => x.id === after);
    const rest = i < 0 ? [] : newestFirst.slice(i + 1);
    data = rest.slice(0, limit);
    hasMore = rest.length > limit;
  } else if (before) {
    const i = newestFirst.findIndex((x) => x.id === before);
    const prior = i < 0 ? [] : newestFirst.slice(0, i);
    data = prior.slice(Math.max(0, prior.length - limit));
    hasMore = prior.length > limit;
  } else {
    data = newestFirst.slice(0, limit);
    hasMore = newestFirst.length > limit;
  }
  return { object: "list", data, has_more: hasMore, url };
}

/** Small embedded lists (subscription items, invoice lines) never paginate here. */
export function embeddedList<T>(data: T[], url: string): Stripe.ApiList<T> {
  return { object: "list", data, has_more: false, url };
}
