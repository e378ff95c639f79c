import PQueue from "p-queue";
import Stripe from "stripe";
import { env } from "@/lib/env";
import { stripeMode } from "@/lib/stripe";

/**
 * The pace of the syncs' Stripe reads in this process: a bounded number in flight and a rate per
 * second well under Stripe's limit (about 25/s in test mode, 100/s live), so a burst of webhooks
 * never spends the requests that customers' checkout and portal clicks need. A 429 pauses every
 * sync read of the process and retries; only after several does the sync fail (and the drain
 * retries it later with its own backoff).
 */

const RATE_LIMIT_RETRIES = 4;
const FIRST_RATE_LIMIT_PAUSE_MS = 500;

let queue: PQueue | undefined;

function syncQueue(): PQueue {
  if (queue) return queue;
  const perSecond = env.BILLING_SYNC_STRIPE_RATE ?? (stripeMode() === "live" ? 40 : 10);
  queue = new PQueue({
    concurrency: Math.max(2, env.BILLING_SYNC_CONCURRENCY * 2),
    intervalCap: perSecond,
    interval: 1_000,
    // A sliding window: a fixed one lets two windows' worth land within one rolling second,
    // which is how Stripe counts.
    strict: true,
  });
  return queue;
}

/** Runs one Stripe read of a sync at the process's sync pace, retrying rate-limit refusals. */
export async function pacedStripeCall<T>(call: () => Promise<T>): Promise<T> {
  const paced = syncQueue();
  for (let attempt = 0; ; attempt++) {
    try {
      return await paced.add(call);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeRateLimitError) || attempt >= RATE_LIMIT_RETRIES) {
        throw error;
      }
      await pauseAll(paced, FIRST_RATE_LIMIT_PAUSE_MS * 2 ** attempt);
    }
  }
}

let resumeAt = 0;

/** Holds every queued sync read, not only the refused one: the whole account is over its limit. */
async function pauseAll(paced: PQueue, ms: number): Promise<void> {
  const jittered = ms / 2 + Math.random() * (ms / 2);
  const until = Date.now() + jittered;
  if (until > resumeAt) {
    resumeAt = until;
    paced.pause();
    setTimeout(() => {
      if (Date.now() >= resumeAt - 5) paced.start();
    }, jittered).unref();
  }
  await new Promise((resolve) => setTimeout(resolve, jittered));
}
