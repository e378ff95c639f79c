// Phase 5, Stripe stalled: webhooks and signed-in requests while every Stripe API call is held.
import { createHash, randomBytes } from "node:crypto";
import type { RequestStats } from "@/tools/stripe-emulator/control/client";
import { checkBillingPage, type Check } from "./billing-page";
import { CONVERGE_TIMEOUT_MS, log, sleep } from "./config";
import type { Context, Seeded } from "./context";
import { HttpClient } from "./http";
import { settle, waitConverged, type Convergence } from "./queue";
import { ms, seconds, table, type Verdict } from "./report";
import { freshEvents, sendWebhooks, type WebhookRun } from "./webhooks";

type Probe = { label: string; latencies: number[]; failures: string[] };

async function probe(probeResult: Probe, run: () => Promise<{ ms: number } & Check>) {
  try {
    const outcome = await run();
    probeResult.latencies.push(outcome.ms);
    if (!outcome.ok) probeResult.failures.push(outcome.error ?? "failed");
  } catch (error) {
    probeResult.failures.push(error instanceof Error ? error.message : String(error));
  }
}

export type Stall = {
  stallRun: WebhookRun;
  /** Stalled requests the emulator reported, and how long after the last answer. */
  stalled: number;
  stalledAfterMs: number;
  probes: Probe[];
  stillStalled: number;
  stallConverged: Convergence;
  stallRequests: RequestStats;
};

export async function measureStall(ctx: Context, cookie: string, user: Seeded): Promise<Stall> {
  const { stack, lib, ctl, seeded } = ctx;
  await settle(ctx, "billing page");
  log("stalled Stripe: 50 fresh events for 50 customers");
  await ctl.setApiFaults({ stall: true });
  const stallTargets = seeded.slice(0, 50);
  const stallRun = await sendWebhooks(ctx, freshEvents(50, stallTargets), 10, "queued");
  const stallWaitStart = performance.now();
  let stalled = 0;
  while (performance.now() - stallWaitStart < 20_000) {
    stalled = (await ctl.requests()).stalled;
    if (stalled > 0) break;
    await sleep(50);
  }
  const stalledAfterMs = performance.now() - stallWaitStart;
  const client = new HttpClient(new URL(stack.appUrl), 1);
  const probes: Probe[] = [
    { label: "GET /settings/billing (signed in)", latencies: [], failures: [] },
    { label: "GET /api/auth/session (signed in)", latencies: [], failures: [] },
    { label: "magic-link sign-in callback", latencies: [], failures: [] },
  ];
  const [pageProbe, sessionProbe, magicProbe] = probes as [Probe, Probe, Probe];
  for (let i = 0; i < 5; i++) {
    await probe(pageProbe, async () => {
      const res = await client.request("/settings/billing", {
        headers: { cookie },
        timeoutMs: 20_000,
      });
      return { ms: res.ms, ...checkBillingPage(res) };
    });
    await probe(sessionProbe, async () => {
      const res = await client.request("/api/auth/session", {
        headers: { cookie },
        timeoutMs: 20_000,
      });
      const ok = res.status === 200 && res.body.includes(`"email":"${user.email}"`);
      return { ms: res.ms, ok, error: ok ? undefined : `${res.status} ${res.body.slice(0, 120)}` };
    });
    await probe(magicProbe, async () => {
      const rawToken = randomBytes(32).toString("hex");
      await lib.db.verificationToken.create({
        data: {
          identifier: user.email,
          // As @auth/core stores it: sha256 hex of token + secret (lib/actions/signin/send-token).
          token: createHash("sha256").update(`${rawToken}${lib.env.AUTH_SECRET}`).digest("hex"),
          expires: new Date(Date.now() + 3_600_000),
        },
      });
      const query = new URLSearchParams({
        token: rawToken,
        email: user.email,
        callbackUrl: `${stack.appUrl}/settings`,
      });
      const res = await client.request(`/api/auth/callback/email?${query}`, { timeoutMs: 20_000 });
      const location = typeof res.headers.location === "string" ? res.headers.location : "";
      const cookies = res.headers["set-cookie"] ?? [];
      const ok =
        res.status === 302 &&
        new URL(location, stack.appUrl).pathname === "/settings" &&
        cookies.some((c) => c.startsWith("authjs.session-token="));
      return { ms: res.ms, ok, error: ok ? undefined : `${res.status} -> ${location || "(none)"}` };
    });
  }
  client.close();
  const stillStalled = (await ctl.requests()).stalled;
  const releasedAt = performance.now();
  await ctl.setApiFaults({ stall: false });
  const stallConverged = await waitConverged(ctx, releasedAt, CONVERGE_TIMEOUT_MS);
  const stallRequests = await ctl.requests();
  log(
    `stalled Stripe: released, converged ${
      stallConverged.ms === null ? "NOT within the timeout" : `after ${seconds(stallConverged.ms)}`
    }`,
  );
  return { stallRun, stalled, stalledAfterMs, probes, stillStalled, stallConverged, stallRequests };
}

export function stallSection(s: Stall): string[] {
  const { stallRun, stalled, stalledAfterMs, probes, stillStalled, stallConverged, stallRequests } =
    s;
  return [
    "### 5. Stripe stalled (every API request held until released)",
    "",
    `50 fresh events for 50 customers at c=10: ${stallRun.stats.ok}/${stallRun.stats.planned} answered 2xx, ` +
      `p99 ${ms(stallRun.stats.p99)}, max ${ms(stallRun.stats.max)}. Emulator reported ${stalled} stalled ` +
      `request(s) ${seconds(stalledAfterMs)} after the last answer; ${stillStalled} still held after the probes.`,
    "",
    table(
      ["request while Stripe stalls", "tries", "max", "p50", "failures"],
      probes.map((p) => {
        const sorted = [...p.latencies].sort((a, b) => a - b);
        return [
          p.label,
          p.latencies.length,
          ms(sorted.at(-1)),
          ms(sorted[Math.floor((sorted.length - 1) / 2)]),
          p.failures.length === 0 ? "0" : `${p.failures.length}: ${p.failures[0]}`,
        ];
      }),
    ),
    "",
    `Released: converged ${
      stallConverged.ms === null
        ? `NOT within ${seconds(CONVERGE_TIMEOUT_MS)} (${JSON.stringify(stallConverged.depth)})`
        : `${seconds(stallConverged.ms)} after the release`
    }; ${stallRequests.total} Stripe calls during the phase, ${stallRequests.rateLimited} 429s.`,
    "",
  ];
}

export function stallVerdicts({ stallRun, stalled, probes }: Stall): Verdict[] {
  const verdicts: Verdict[] = [];
  const stallEventsOk = stallRun.stats.ok === stallRun.stats.planned;
  for (const p of probes) {
    const max = Math.max(...p.latencies);
    verdicts.push({
      target: `stalled Stripe: ${p.label} answers within 1 s`,
      pass: p.latencies.length > 0 && p.failures.length === 0 && max <= 1_000 && stalled > 0,
      observed: `max ${ms(max)} over ${p.latencies.length}, ${p.failures.length} failed${
        stalled > 0 ? "" : " (Stripe never reported a stalled request)"
      }`,
    });
  }
  verdicts.push({
    target: "stalled Stripe: the 50 webhook events answered 2xx",
    pass: stallEventsOk,
    observed: `${stallRun.stats.ok}/${stallRun.stats.planned}, max ${ms(stallRun.stats.max)}`,
  });
  return verdicts;
}
