// Signed Stripe webhook deliveries: building events for seeded customers and sending them as load.
import { eventJson, signPayload } from "@/lib/billing/testing/signed-events";
import { PHASE_DEADLINE_MS } from "./config";
import type { Context, Seeded } from "./context";
import { startCpuWindow, type CpuUsage } from "./cpu";
import { HttpClient, runLoad, type LoadStats } from "./http";
import { pgActivity } from "./pg-activity";
import { startSampler, type ActivitySummary } from "./sampler";

export type PreparedEvent = { id: string; customerId: string; payload: string; body: Buffer };

export function freshEvents(count: number, targets: readonly Seeded[]): PreparedEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const target = targets[i % targets.length];
    if (!target) throw new Error("no target customers");
    const { id, payload } = eventJson({
      type: "customer.subscription.updated",
      object: target.subscription as unknown as Record<string, unknown>,
    });
    return { id, customerId: target.customerId, payload, body: Buffer.from(payload) };
  });
}

/** What the endpoint answers: queued for a sync, a duplicate, or recorded with an outcome. */
export type Expect = "queued" | "duplicate" | "skipped";
const EXPECTED_BODY: Record<Expect, string> = {
  queued: '"queued":true',
  duplicate: '"duplicate":true',
  skipped: '"outcome":"skipped',
};

export type WebhookRun = {
  stats: LoadStats;
  /** Answers saying what this kind of delivery should get (see `Expect`). */
  expected: number;
  accepted: PreparedEvent[];
  cpu: CpuUsage;
  pg: ActivitySummary;
  firstSentAt: number;
  lastAnsweredAt: number;
};

export async function sendWebhooks(
  ctx: Context,
  events: readonly PreparedEvent[],
  concurrency: number,
  expect: Expect,
): Promise<WebhookRun> {
  // Signed now (timestamps within Stripe's 300 s tolerance), before the clock starts.
  const signatures = events.map((e) => signPayload(e.payload, ctx.secret));
  const client = new HttpClient(new URL(ctx.stack.appUrl), concurrency);
  const accepted: PreparedEvent[] = [];
  let expected = 0;
  let lastAnsweredAt = 0;
  const endCpu = startCpuWindow(ctx.cpu);
  const endPg = startSampler(() => pgActivity(ctx.lib));
  const firstSentAt = performance.now();
  try {
    const stats = await runLoad({
      count: events.length,
      concurrency,
      deadlineMs: PHASE_DEADLINE_MS,
      send: async (i) => {
        const event = events[i];
        const signature = signatures[i];
        if (!event || !signature) throw new Error(`no event ${i}`);
        const res = await client.request("/api/webhooks/stripe", {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": signature },
          body: event.body,
        });
        lastAnsweredAt = performance.now();
        const ok = res.status >= 200 && res.status < 300;
        if (ok) accepted.push(event);
        if (ok && res.body.includes(EXPECTED_BODY[expect])) expected++;
        return {
          ok,
          ms: res.ms,
          status: res.status,
          error: ok ? undefined : res.body.slice(0, 160),
        };
      },
    });
    const cpu = endCpu();
    return { stats, expected, accepted, cpu, pg: await endPg(), firstSentAt, lastAnsweredAt };
  } finally {
    client.close();
  }
}
