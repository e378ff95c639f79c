// Why stripe:setup refuses to run or stops: its error and the mode checks that raise it.
import type { StripeMode } from "@/lib/stripe";

/** Setup refused to run (mode and flags disagree, or live changes were not confirmed). */
export class StripeSetupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StripeSetupRefusedError";
  }
}

/** A live key needs `--live`; a test key with `--live` is a mistake in the other direction. */
export function checkModeFlags(mode: StripeMode, live: boolean): void {
  if (mode === "live" && !live) {
    throw new StripeSetupRefusedError(
      "STRIPE_SECRET_KEY is a live-mode key: pass --live to change live mode (nothing was changed).",
    );
  }
  if (mode === "test" && live) {
    throw new StripeSetupRefusedError(
      "--live was given but STRIPE_SECRET_KEY is a test-mode key: use the live key (nothing was changed).",
    );
  }
}

/** Objects from the other mode mean the key and the API disagree: stop before writing anything. */
export function assertMode(
  mode: StripeMode,
  objects: readonly { id: string; livemode: boolean }[],
): void {
  const other = objects.find((o) => o.livemode !== (mode === "live"));
  if (other) {
    throw new StripeSetupRefusedError(
      `Stripe returned ${other.id} from ${other.livemode ? "live" : "test"} mode while the key is ${mode} mode; nothing more was changed.`,
    );
  }
}
