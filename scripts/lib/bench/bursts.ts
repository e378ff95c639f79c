// Phases 2-3, bursts at c=50: how fast the queue converges and with how many Stripe calls.
import type { RequestStats } from "@/tools/stripe-emulator/control/client";
import { CONVERGE_TIMEOUT_MS, log } from "./config";
import type { Context, Seeded } from "./context";
import { pgSummary } from "./pg-activity";
import { monotonicUs } from "./profile";
import { settle, waitConverged, type Convergence } from "./queue";
import { cpuSummary, ms, num, seconds, table, type Verdict } from "./report";
import { freshEvents, sendWebhooks, type WebhookRun } from "./webhooks";

type BurstResult = {
  label: string;
  targets: number;
  run: WebhookRun;
  converged: Convergence;
  requests: RequestStats;
  perCustomerMax: number;
  perCustomerMean: number;
};

export type Bursts = { wide: BurstResult; narrow: BurstResult };

async function burst(
  ctx: Context,
  label: string,
  count: number,
  targets: readonly Seeded[],
): Promise<BurstResult> {
  log(`${label}: ${count} fresh events for ${targets.length} customer(s) at c=50`);
  const startUs = monotonicUs();
  const run = await sendWebhooks(ctx, freshEvents(count, targets), 50, "queued");
  const sentUs = monotonicUs();
  const converged = await waitConverged(ctx, run.lastAnsweredAt, CONVERGE_TIMEOUT_MS);
  ctx.windows.push({ label: `${label} sending`, startUs, endUs: sentUs });
  ctx.windows.push({ label: `${label} converging`, startUs: sentUs, endUs: monotonicUs() });
  const requests = await ctx.ctl.requests();
  const perCustomer = targets.map((t) => requests.byCustomer[t.customerId] ?? 0);
  log(
    `${label}: sent in ${seconds(run.stats.wallMs)}, converged ${
      converged.ms === null ? "NOT within the timeout" : `after ${seconds(converged.ms)}`
    }, ${requests.total} Stripe calls`,
  );
  return {
    label,
    targets: targets.length,
    run,
    converged,
    requests,
    perCustomerMax: Math.max(0, ...Object.values(requests.byCustomer)),
    perCustomerMean: perCustomer.reduce((a, b) => a + b, 0) / Math.max(1, perCustomer.length),
  };
}

/** 2,000 events spread over every seeded customer, then 1,000 for one customer. */
export async function measureBursts(ctx: Context, user: Seeded): Promise<Bursts> {
  const wide = await burst(ctx, "burst 2000/100", 2_000, ctx.seeded);
  await settle(ctx, "burst 2000/100");
  const narrow = await burst(ctx, "burst 1000/1", 1_000, [user]);
  await settle(ctx, "burst 1000/1");
  return { wide, narrow };
}

export function burstsSection({ wide, narrow }: Bursts): string[] {
  return [
    "### 2-3. Bursts at c=50: convergence and Stripe calls",
    "",
    table(
      [
        "burst",
        "time to send",
        "req/s",
        "p99",
        "non-2xx",
        "converged after burst",
        "Stripe calls",
        "per customer max / mean",
        "429s",
        "Stripe calls/s",
        "pg sessions: active / lock waits / IO waits; top waits",
        "CPU sending",
        "CPU converging",
      ],
      [wide, narrow].map((b) => {
        const window = b.run.lastAnsweredAt - b.run.firstSentAt + (b.converged.ms ?? Number.NaN);
        return [
          `${b.run.stats.planned} events / ${b.targets} customer${b.targets === 1 ? "" : "s"}`,
          seconds(b.run.stats.wallMs),
          num(b.run.stats.rps),
          ms(b.run.stats.p99),
          b.run.stats.errors,
          b.converged.ms === null
            ? `not within ${seconds(CONVERGE_TIMEOUT_MS)} (${b.converged.depth.pendingCustomers} customers, ${b.converged.depth.pendingEvents} events pending)`
            : seconds(b.converged.ms),
          b.requests.total,
          `${b.perCustomerMax} / ${num(b.perCustomerMean, 1)}`,
          b.requests.rateLimited,
          num((b.requests.total / window) * 1000, 1),
          pgSummary(b.run.pg),
          cpuSummary(b.run.cpu),
          cpuSummary(b.converged.cpu),
        ];
      }),
    ),
    "",
  ];
}

export function burstsVerdicts({ wide, narrow }: Bursts): Verdict[] {
  const wideAll2xx = wide.run.stats.ok === wide.run.stats.planned;
  return [
    {
      target: "2,000/100 burst: <= 8 Stripe calls per customer (max), all 2xx, converged <= 60 s",
      pass:
        wide.perCustomerMax <= 8 &&
        wideAll2xx &&
        wide.converged.ms !== null &&
        wide.converged.ms <= 60_000,
      observed: `max ${wide.perCustomerMax} calls/customer, ${wide.run.stats.ok}/${wide.run.stats.planned} 2xx, converged ${
        wide.converged.ms === null ? "not within the timeout" : seconds(wide.converged.ms)
      }`,
    },
    {
      target: "1,000/1 burst: <= 40 Stripe calls (and converged)",
      pass: narrow.requests.total <= 40 && narrow.converged.ms !== null,
      observed: `${narrow.requests.total} calls, converged ${
        narrow.converged.ms === null ? "not within the timeout" : seconds(narrow.converged.ms)
      }`,
    },
  ];
}
