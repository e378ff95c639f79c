/** `/v1/webhook_endpoints`, `/v1/events` and `/v1/test_helpers/test_clocks`. */
import * as testClocks from "../../resources/test-clocks";
import * as webhooks from "../../resources/webhook-endpoints";
import { getEvent, listEvents } from "../../webhooks/events";
import { at, route, type Route } from "../router";

export const webhookEndpointRoutes: Route[] = [
  route(
    "POST",
    "/webhook_endpoints",
    { params: "WebhookEndpointCreateParams", returns: "WebhookEndpoint" },
    (c, p) => webhooks.createEndpoint(c, p),
  ),
  route(
    "GET",
    "/webhook_endpoints",
    { params: "WebhookEndpointListParams", returns: "ApiList<WebhookEndpoint>" },
    (c, p) => webhooks.listEndpoints(c, p),
  ),
  route(
    "GET",
    "/webhook_endpoints/:id",
    { params: "WebhookEndpointRetrieveParams", returns: "WebhookEndpoint" },
    (c, _p, m) => webhooks.publicEndpoint(webhooks.getEndpoint(c, at(m, 1))),
  ),
  route(
    "POST",
    "/webhook_endpoints/:id",
    { params: "WebhookEndpointUpdateParams", returns: "WebhookEndpoint" },
    (c, p, m) => webhooks.updateEndpoint(c, at(m, 1), p),
  ),
  route(
    "DELETE",
    "/webhook_endpoints/:id",
    { params: "WebhookEndpointDeleteParams", returns: "DeletedWebhookEndpoint" },
    (c, _p, m) => webhooks.deleteEndpoint(c, at(m, 1)),
  ),
];

export const testClockRoutes: Route[] = [
  route(
    "POST",
    "/test_helpers/test_clocks",
    { params: "TestHelpers.TestClockCreateParams", returns: "TestHelpers.TestClock" },
    (c, p) => testClocks.createTestClock(c, p),
  ),
  route(
    "GET",
    "/test_helpers/test_clocks",
    { params: "TestHelpers.TestClockListParams", returns: "ApiList<TestHelpers.TestClock>" },
    (c, p) => testClocks.listTestClocks(c, p),
  ),
  route(
    "GET",
    "/test_helpers/test_clocks/:id",
    { params: "TestHelpers.TestClockRetrieveParams", returns: "TestHelpers.TestClock" },
    (c, _p, m) => testClocks.retrieveTestClock(c, at(m, 1)),
  ),
  route(
    "DELETE",
    "/test_helpers/test_clocks/:id",
    { params: "TestHelpers.TestClockDeleteParams", returns: "TestHelpers.DeletedTestClock" },
    (c, _p, m) => testClocks.deleteTestClock(c, at(m, 1)),
  ),
  route(
    "POST",
    "/test_helpers/test_clocks/:id/advance",
    { params: "TestHelpers.TestClockAdvanceParams", returns: "TestHelpers.TestClock" },
    (c, p, m) => testClocks.advanceTestClock(c, at(m, 1), p),
  ),
];

export const eventRoutes: Route[] = [
  route("GET", "/events", { params: "EventListParams", returns: "ApiList<Event>" }, (c, p) =>
    listEvents(c.s, p),
  ),
  route("GET", "/events/:id", { params: "EventRetrieveParams", returns: "Event" }, (c, _p, m) =>
    getEvent(c.s, at(m, 1)),
  ),
];
