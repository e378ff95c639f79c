// Phase 4, the billing page signed in: the session cookie, the page check, the load and its table.
import { randomBytes } from "node:crypto";
import { log, PHASE_DEADLINE_MS } from "./config";
import type { Context, Lib } from "./context";
import { startCpuWindow, type CpuUsage } from "./cpu";
import { HttpClient, runLoad, type HttpResponse, type LoadStats } from "./http";
import { monotonicUs } from "./profile";
import { cpuSummary, ms, num, table } from "./report";

export async function signInCookie(lib: Lib, userId: string): Promise<string> {
  const sessionToken = randomBytes(32).toString("hex");
  await lib.db.session.create({
    data: { sessionToken, userId, expires: new Date(Date.now() + 86_400_000) },
  });
  return `authjs.session-token=${sessionToken}`;
}

export type Check = { ok: boolean; error?: string };

export function checkBillingPage(res: HttpResponse): Check {
  if (res.status !== 200) {
    const where = typeof res.headers.location === "string" ? ` to ${res.headers.location}` : "";
    return { ok: false, error: `${res.status}${where}` };
  }
  if (!res.body.includes('data-testid="current-plan"')) {
    return { ok: false, error: "200 but not the billing page" };
  }
  if (!res.body.includes('data-testid="subscription-status"')) {
    return { ok: false, error: "billing page without the subscription" };
  }
  return { ok: true };
}

export async function billingLoad(
  ctx: Context,
  cookie: string,
  count: number,
  concurrency: number,
): Promise<{ stats: LoadStats; cpu: CpuUsage }> {
  const client = new HttpClient(new URL(ctx.stack.appUrl), concurrency);
  const endCpu = startCpuWindow(ctx.cpu);
  try {
    const stats = await runLoad({
      count,
      concurrency,
      deadlineMs: PHASE_DEADLINE_MS,
      send: async () => {
        const res = await client.request("/settings/billing", { headers: { cookie } });
        const check = checkBillingPage(res);
        return { ...check, ms: res.ms, status: check.ok ? res.status : `${res.status}!` };
      },
    });
    return { stats, cpu: endCpu() };
  } finally {
    client.close();
  }
}

export type BillingRun = { concurrency: number; stats: LoadStats; cpu: CpuUsage };

export async function measureBillingPage(ctx: Context, cookie: string): Promise<BillingRun[]> {
  const billing: BillingRun[] = [];
  for (const concurrency of [1, 10]) {
    log(`billing page: 200 at c=${concurrency}`);
    const startUs = monotonicUs();
    billing.push({ concurrency, ...(await billingLoad(ctx, cookie, 200, concurrency)) });
    ctx.windows.push({ label: `billing page c=${concurrency}`, startUs, endUs: monotonicUs() });
  }
  return billing;
}

export function billingPageSection(billing: readonly BillingRun[]): string[] {
  return [
    "### 4. Billing page (`GET /settings/billing`, signed in)",
    "",
    table(
      ["c", "requests", "req/s", "p50", "p99", "max", "errors", "CPU"],
      billing.map((b) => [
        b.concurrency,
        b.stats.sent,
        num(b.stats.rps),
        ms(b.stats.p50),
        ms(b.stats.p99),
        ms(b.stats.max),
        b.stats.errors,
        cpuSummary(b.cpu),
      ]),
    ),
    "",
  ];
}
