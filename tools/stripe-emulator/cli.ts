/** `npm run stripe:emulator` — runs the emulator until Ctrl-C. */
import Stripe from "stripe";
import { z } from "zod";
import { startStripeEmulator } from "./server";

const Env = z
  .object({
    STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
    STRIPE_EMULATOR_STATE: z.string().min(1).default(".data/stripe-emulator.json"),
    STRIPE_EMULATOR_FORWARD_URL: z.url().optional(),
    STRIPE_EMULATOR_FORWARD_SECRET: z.string().startsWith("whsec_").optional(),
    STRIPE_EMULATOR_ALLOW_PRODUCTION: z.enum(["0", "1"]).optional(),
    STRIPE_EMULATOR_DELIVERY: z.enum(["ordered", "shuffled"]).default("ordered"),
    STRIPE_EMULATOR_SEED: z.coerce.number().int().optional(),
    NODE_ENV: z.string().optional(),
  })
  .refine(
    (e) => Boolean(e.STRIPE_EMULATOR_FORWARD_URL) === Boolean(e.STRIPE_EMULATOR_FORWARD_SECRET),
    {
      message:
        "STRIPE_EMULATOR_FORWARD_URL and STRIPE_EMULATOR_FORWARD_SECRET must be set together",
    },
  );

function fail(message: string): never {
  console.error(`stripe-emulator: ${message}`);
  process.exit(1);
}

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  const issue = parsed.error.issues[0];
  fail(
    `invalid environment: ${issue ? `${issue.path.join(".") || "env"}: ${issue.message}` : "unknown"}`,
  );
}
const env = parsed.data;
if (env.NODE_ENV === "production" && env.STRIPE_EMULATOR_ALLOW_PRODUCTION !== "1") {
  fail(
    "refusing to start with NODE_ENV=production (set STRIPE_EMULATOR_ALLOW_PRODUCTION=1 for tests)",
  );
}

const emulator = await startStripeEmulator({
  port: env.STRIPE_EMULATOR_PORT,
  stateFile: env.STRIPE_EMULATOR_STATE,
  forward:
    env.STRIPE_EMULATOR_FORWARD_URL && env.STRIPE_EMULATOR_FORWARD_SECRET
      ? {
          url: env.STRIPE_EMULATOR_FORWARD_URL,
          secret: env.STRIPE_EMULATOR_FORWARD_SECRET,
          // Like `stripe listen --latest`: the app's dev and e2e forwarding pins the SDK's version
          // (endpoints made through the API still get the account default unless they pin one).
          apiVersion: Stripe.API_VERSION,
        }
      : undefined,
  delivery: {
    order: env.STRIPE_EMULATOR_DELIVERY,
    ...(env.STRIPE_EMULATOR_SEED !== undefined && { seed: env.STRIPE_EMULATOR_SEED }),
  },
  log: (line) => console.log(`[stripe-emulator] ${line}`),
}).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));

console.log(`Stripe emulator ready at ${emulator.url}`);
console.log(
  `  SDK: new Stripe("sk_test_...", { host: "localhost", port: ${emulator.port}, protocol: "http" })`,
);
if (env.STRIPE_EMULATOR_FORWARD_URL)
  console.log(`  forwarding events to ${env.STRIPE_EMULATOR_FORWARD_URL}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.stop().then(() => process.exit(0));
  });
}
