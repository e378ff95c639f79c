// What every phase works with: the running stack, the app's own modules and the seeded customers.
import type Stripe from "stripe";
import type { emulatorControl } from "@/tools/stripe-emulator/control/client";
import type { componentsOf } from "./cpu";
import type { Window } from "./profile";
import type { Stack } from "./stack";

/** The app's own modules, imported once the environment is set (lib/env reads it at import). */
export async function loadLib() {
  const [{ db }, customers, prices, stripe, ledger, envModule] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/billing/customers"),
    import("@/lib/billing/catalog/prices"),
    import("@/lib/stripe"),
    import("@/lib/billing/sync/ledger"),
    import("@/lib/env"),
  ]);
  return {
    db,
    getOrCreateStripeCustomer: customers.getOrCreateStripeCustomer,
    resolvePriceId: prices.resolvePriceId,
    getStripe: stripe.getStripe,
    queueDepth: ledger.queueDepth,
    env: envModule.env,
  };
}
export type Lib = Awaited<ReturnType<typeof loadLib>>;

export type Seeded = {
  userId: string;
  email: string;
  customerId: string;
  subscription: Stripe.Subscription;
};

export type Context = {
  stack: Stack;
  lib: Lib;
  ctl: ReturnType<typeof emulatorControl>;
  secret: string;
  cpu: ReturnType<typeof componentsOf>;
  seeded: Seeded[];
  /** Stretches of the run to summarize the CPU profile over. */
  windows: Window[];
  /** Phases after which the queue only settled once one more event started a drain. */
  nudges: string[];
};
