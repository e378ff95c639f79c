// Phase 1, webhook answers: fresh, duplicate and unknown-customer events, their table and verdicts.
import { log } from "./config";
import type { Context, Seeded } from "./context";
import { monotonicUs } from "./profile";
import { pgSummary } from "./pg-activity";
import { settle } from "./queue";
import { cpuSummary, ms, num, table, type Verdict } from "./report";
import { freshEvents, sendWebhooks, type WebhookRun } from "./webhooks";

const ANSWER_PLAN = [
  { concurrency: 1, count: 300 },
  { concurrency: 10, count: 2_000 },
  { concurrency: 50, count: 2_000 },
];

export type Answers = { fresh: WebhookRun[]; duplicate: WebhookRun[]; unknownRun: WebhookRun };

export async function measureAnswers(ctx: Context, user: Seeded): Promise<Answers> {
  const { seeded, windows } = ctx;
  const fresh: WebhookRun[] = [];
  for (const { concurrency, count } of ANSWER_PLAN) {
    log(`fresh webhooks: ${count} at c=${concurrency}`);
    const startUs = monotonicUs();
    const run = await sendWebhooks(ctx, freshEvents(count, seeded), concurrency, "queued");
    windows.push({ label: `fresh webhooks c=${concurrency}`, startUs, endUs: monotonicUs() });
    fresh.push(run);
    log(
      `fresh c=${concurrency}: ${num(run.stats.rps)} req/s, p99 ${ms(run.stats.p99)}, ${run.stats.errors} errors`,
    );
    await settle(ctx, `fresh c=${concurrency}`);
  }
  const duplicate: WebhookRun[] = [];
  for (const [i, { concurrency }] of ANSWER_PLAN.entries()) {
    const recorded = fresh[i]?.accepted ?? [];
    log(`duplicate webhooks: ${recorded.length} at c=${concurrency}`);
    const startUs = monotonicUs();
    duplicate.push(await sendWebhooks(ctx, recorded, concurrency, "duplicate"));
    windows.push({ label: `duplicate webhooks c=${concurrency}`, startUs, endUs: monotonicUs() });
  }
  // For comparison: fresh events of a customer this app did not create are recorded and answered
  // the same way, but ask for no sync (no queue row, no drain after the response).
  const strangerSubscription = { ...user.subscription, customer: "cus_benchUnknownToTheApp" };
  const stranger: Seeded = {
    ...user,
    customerId: "cus_benchUnknownToTheApp",
    subscription: strangerSubscription,
  };
  log("fresh webhooks of an unknown customer: 2000 at c=10");
  const unknownStartUs = monotonicUs();
  const unknownRun = await sendWebhooks(ctx, freshEvents(2_000, [stranger]), 10, "skipped");
  windows.push({
    label: "fresh unknown-customer webhooks c=10",
    startUs: unknownStartUs,
    endUs: monotonicUs(),
  });
  await settle(ctx, "duplicates");
  return { fresh, duplicate, unknownRun };
}

export function answersSection({ fresh, duplicate, unknownRun }: Answers): string[] {
  const answerRows = [
    ...fresh.map((run, i) => ({ kind: "fresh", run, c: ANSWER_PLAN[i]?.concurrency ?? 0 })),
    ...duplicate.map((run, i) => ({ kind: "duplicate", run, c: ANSWER_PLAN[i]?.concurrency ?? 0 })),
    { kind: "fresh, unknown customer (no sync)", run: unknownRun, c: 10 },
  ];
  return [
    "### 1. Webhook answers (`POST /api/webhooks/stripe`)",
    "",
    table(
      [
        "events",
        "c",
        "requests",
        "req/s",
        "p50",
        "p99",
        "max",
        "non-2xx",
        "answered as expected",
        "pg sessions: active / lock waits / IO waits; top waits",
        "CPU",
      ],
      answerRows.map(({ kind, run, c }) => [
        kind,
        c,
        `${run.stats.sent}${run.stats.truncated ? ` of ${run.stats.planned} (deadline)` : ""}`,
        num(run.stats.rps),
        ms(run.stats.p50),
        ms(run.stats.p99),
        ms(run.stats.max),
        run.stats.errors,
        `${run.expected} ${kind === "fresh" ? "queued" : kind === "duplicate" ? "duplicate" : "skipped"}`,
        pgSummary(run.pg),
        cpuSummary(run.cpu),
      ]),
    ),
    "",
  ];
}

export function answersVerdicts({ fresh }: Answers): Verdict[] {
  const [, freshC10, freshC50] = fresh;
  return [
    {
      target: "webhook p99 <= 100 ms at c=50, fresh events (and no non-2xx)",
      pass: !!freshC50 && freshC50.stats.p99 <= 100 && freshC50.stats.errors === 0,
      observed: freshC50
        ? `p99 ${ms(freshC50.stats.p99)}, ${freshC50.stats.errors} non-2xx (50 in flight at ` +
          `${num(freshC50.stats.rps)} req/s is a mean latency of ${ms((50 / freshC50.stats.rps) * 1000)})`
        : "not measured",
    },
    {
      target: ">= 300 req/s at c=10, fresh events (and no non-2xx)",
      pass: !!freshC10 && freshC10.stats.rps >= 300 && freshC10.stats.errors === 0,
      observed: freshC10
        ? `${num(freshC10.stats.rps)} req/s, ${freshC10.stats.errors} non-2xx`
        : "not measured",
    },
  ];
}
