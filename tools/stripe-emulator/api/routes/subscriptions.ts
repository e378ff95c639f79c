/** `/v1/subscriptions`, `/v1/subscription_schedules` and `/v1/subscription_items`. */
import { noSuch } from "../../http/errors";
import { paginate } from "../../http/list";
import * as schedules from "../../resources/subscription-schedules";
import { cancelScheduleById, cancelSubscription } from "../../resources/subscriptions/cancel";
import { createSubscription } from "../../resources/subscriptions/create-api";
import { getSubscription, listSubscriptions } from "../../resources/subscriptions/subscriptions";
import { updateSubscription } from "../../resources/subscriptions/update-api";
import { resumeSubscription } from "../../resources/subscriptions/trial-end";
import { at, route, type Route } from "../router";

export const subscriptionRoutes: Route[] = [
  route(
    "POST",
    "/subscriptions",
    { params: "SubscriptionCreateParams", returns: "Subscription" },
    (c, p) => createSubscription(c, p),
  ),
  route(
    "GET",
    "/subscriptions",
    { params: "SubscriptionListParams", returns: "ApiList<Subscription>" },
    (c, p) => listSubscriptions(c, p),
  ),
  route(
    "GET",
    "/subscriptions/:id",
    { params: "SubscriptionRetrieveParams", returns: "Subscription" },
    (c, _p, m) => getSubscription(c, at(m, 1)),
  ),
  route(
    "POST",
    "/subscriptions/:id",
    { params: "SubscriptionUpdateParams", returns: "Subscription" },
    (c, p, m) => updateSubscription(c, at(m, 1), p),
  ),
  route(
    "POST",
    "/subscriptions/:id/resume",
    { params: "SubscriptionResumeParams", returns: "Subscription" },
    (c, p, m) => resumeSubscription(c, at(m, 1), p),
  ),
  route(
    "DELETE",
    "/subscriptions/:id",
    { params: "SubscriptionCancelParams", returns: "Subscription" },
    (c, p, m) => cancelSubscription(c, at(m, 1), p),
  ),

  route(
    "GET",
    "/subscription_schedules",
    { params: "SubscriptionScheduleListParams", returns: "ApiList<SubscriptionSchedule>" },
    (c, p) => schedules.listSchedules(c, p),
  ),
  route(
    "GET",
    "/subscription_schedules/:id",
    { params: "SubscriptionScheduleRetrieveParams", returns: "SubscriptionSchedule" },
    (c, _p, m) => schedules.getSchedule(c, at(m, 1)),
  ),
  route(
    "POST",
    "/subscription_schedules/:id/release",
    { params: "SubscriptionScheduleReleaseParams", returns: "SubscriptionSchedule" },
    (c, p, m) => schedules.releaseScheduleById(c, at(m, 1), p),
  ),
  route(
    "POST",
    "/subscription_schedules/:id/cancel",
    { params: "SubscriptionScheduleCancelParams", returns: "SubscriptionSchedule" },
    (c, p, m) => cancelScheduleById(c, at(m, 1), p),
  ),

  route(
    "GET",
    "/subscription_items",
    { params: "SubscriptionItemListParams", returns: "ApiList<SubscriptionItem>" },
    (c, p) => {
      const subId = typeof p.subscription === "string" ? p.subscription : "";
      const sub = getSubscription(c, subId, "subscription");
      return paginate([...sub.items.data].reverse(), p, "/v1/subscription_items");
    },
  ),
  route(
    "GET",
    "/subscription_items/:id",
    { params: "SubscriptionItemRetrieveParams", returns: "SubscriptionItem" },
    (c, _p, m) => {
      const itemId = at(m, 1);
      for (const sub of Object.values(c.s.subscriptions)) {
        const item = sub.items.data.find((i) => i.id === itemId);
        if (item) return item;
      }
      throw noSuch("subscription_item", itemId);
    },
  ),
];
