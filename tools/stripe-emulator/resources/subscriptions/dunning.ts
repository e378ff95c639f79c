/**
 * Failed-payment settings, per mode, like Stripe's account settings (Settings → Billing →
 * Manage failed payments): a custom retry schedule and what happens after the last retry.
 */
import type { DunningFinalAction, DunningSettings, Mode } from "../../engine/store";

export type { DunningFinalAction, DunningSettings };

/**
 * Retries 3, 5 and 7 days after the first failure (gaps of 3, 2, 2 days), then cancel: the
 * emulator's long-standing timeline. Stripe documents no default for a custom schedule (its
 * default is Smart Retries, which cannot be emulated deterministically), nor "cancel" as the
 * default action; both are kept from before and said so in the README.
 */
export const DEFAULT_DUNNING: DunningSettings = { retryDays: [3, 2, 2], finalAction: "cancel" };

const FINAL_ACTIONS: readonly DunningFinalAction[] = ["cancel", "unpaid", "past_due"];
/** Smart Retries try at most 8 times; a custom schedule here is held to the same. */
const MAX_RETRIES = 8;

export type DunningInput = { retryDays?: unknown; finalAction?: unknown };

/** Validates a (partial) setting over `base`; throws an Error naming the bad field. */
export function dunningFrom(input: DunningInput, base: DunningSettings): DunningSettings {
  const out: DunningSettings = { retryDays: [...base.retryDays], finalAction: base.finalAction };
  if (input.retryDays !== undefined) {
    const days = input.retryDays;
    if (
      !Array.isArray(days) ||
      days.length > MAX_RETRIES ||
      !days.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= 60)
    ) {
      throw new Error(
        `retryDays must be a list of at most ${MAX_RETRIES} whole numbers of days (1-60), each counted from the previous attempt`,
      );
    }
    out.retryDays = days.map(Number);
  }
  if (input.finalAction !== undefined) {
    const action = input.finalAction;
    if (typeof action !== "string" || !FINAL_ACTIONS.some((a) => a === action)) {
      throw new Error(`finalAction must be one of ${FINAL_ACTIONS.join(", ")}`);
    }
    out.finalAction = action as DunningFinalAction;
  }
  return out;
}

/** `startStripeEmulator({ dunning })`: one setting for both modes, or `{ test, live }`. */
export type DunningOption = Partial<DunningSettings> & {
  test?: Partial<DunningSettings>;
  live?: Partial<DunningSettings>;
};

export function startDunning(option: DunningOption | undefined): Record<Mode, DunningSettings> {
  const shared = dunningFrom(
    { retryDays: option?.retryDays, finalAction: option?.finalAction },
    DEFAULT_DUNNING,
  );
  return {
    test: dunningFrom(option?.test ?? {}, shared),
    live: dunningFrom(option?.live ?? {}, shared),
  };
}

/** Unix time of the retry after `attemptsSoFar` attempts, or null when the schedule is done. */
export function nextRetryAt(
  settings: DunningSettings,
  attemptsSoFar: number,
  lastAttemptAt: number,
): number | null {
  const days = settings.retryDays[attemptsSoFar - 1];
  return days === undefined ? null : lastAttemptAt + days * 86400;
}
