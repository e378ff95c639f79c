import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier";

// The layout's arrows (README "Project layout"). Each folder's rule lists everything it may not
// import, because a later `no-restricted-imports` replaces an earlier one instead of adding to it.
const TESTS = [
  "**/*.test.ts",
  "lib/billing/testing/**",
  "e2e/**",
  "test/**",
  "tools/**",
  "scripts/**",
];
const NOT_APP = {
  group: ["@/app/**", "**/app/**"],
  message: "lib/ never imports app/: app/ translates HTTP and rendering into calls of lib/.",
};
const NOT_TOOLS = {
  group: ["@/tools/**", "**/tools/**"],
  message: "Only tests and scripts import tools/ (the emulator is a test and dev stand-in).",
};
const billing = (folders, why) => ({
  group: folders.map((f) => `@/lib/billing/${f}/**`),
  message: why,
});
const NO_STRIPE_CALLS = {
  name: "@/lib/stripe",
  importNames: ["getStripe"],
  message:
    "This folder reads our records only; calls to Stripe belong in sync/, sessions/ or config/.",
};
const restrict = (files, patterns, paths = []) => ({
  files,
  ignores: TESTS,
  rules: { "no-restricted-imports": ["error", { patterns, paths }] },
});
// Only sync/ writes the rows mirrored from Stripe (customers.ts creates the customer link).
const BILLING_ROW_WRITE =
  "CallExpression[callee.object.property.name=/^(subscription|invoice|stripeEvent|customerSync)$/][callee.property.name=/^(create|update|upsert|delete)/]";
const boundaries = [
  restrict(["app/**", "lib/**", "proxy.ts", "instrumentation.ts"], [NOT_APP, NOT_TOOLS]),
  restrict(["app/**"], [NOT_TOOLS]),
  restrict(
    ["lib/billing/stripe/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      {
        // gitignore semantics: a path under an excluded folder cannot be re-included, so the
        // folders are excluded one level deep and stripe/ taken back out.
        group: ["@/lib/billing/*", "!@/lib/billing/stripe"],
        message: "stripe/ holds pure Stripe helpers: it imports nothing of lib/billing.",
      },
    ],
  ),
  restrict(
    ["lib/billing/catalog/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["access", "sync", "sessions", "page", "config"],
        "catalog/ is the plan catalog: it depends on stripe/ only.",
      ),
    ],
  ),
  restrict(
    ["lib/billing/access/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["sync", "sessions", "page", "config"],
        "access/ decides what a user has from our records; it never reaches into the pipeline or the sessions.",
      ),
    ],
    [NO_STRIPE_CALLS],
  ),
  restrict(
    ["lib/billing/page/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(["sessions", "config"], "page/ reads the billing page's data; it starts nothing."),
    ],
    [NO_STRIPE_CALLS],
  ),
  restrict(
    ["lib/billing/sync/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["sessions", "page", "config"],
        "sync/ is the pipeline: sessions, the page and config call it, never the reverse.",
      ),
    ],
  ),
  restrict(
    ["lib/billing/config/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["sessions", "page"],
        "config/ is Stripe configuration as code; it does not depend on what customers start.",
      ),
    ],
  ),
  restrict(
    ["lib/billing/sessions/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(["page"], "sessions/ start things; the page reads, it does not start."),
    ],
  ),
  restrict(
    ["lib/billing/customers.ts", "lib/billing/customers-test-clock.ts"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["access", "sync", "sessions", "page", "config"],
        "customers.ts links users to Stripe customers; it depends on nothing else of lib/billing.",
      ),
    ],
  ),
  // The billing console's data and actions: it reads our records and asks the pipeline (queue,
  // drain, and sync/fetch.ts for the one on-demand Stripe read of a customer's page); it starts
  // nothing a customer starts and changes no Stripe configuration.
  restrict(
    ["lib/admin/**"],
    [
      NOT_APP,
      NOT_TOOLS,
      billing(
        ["sessions", "config"],
        "lib/admin/ reads our records and asks the sync pipeline; it starts no sessions and changes no Stripe configuration.",
      ),
    ],
    [NO_STRIPE_CALLS],
  ),
  {
    files: ["**/*.ts", "**/*.tsx"],
    ignores: [...TESTS, "lib/billing/sync/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: BILLING_ROW_WRITE,
          message: "Only lib/billing/sync/ writes billing rows (they mirror Stripe).",
        },
      ],
    },
  },
];

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  ...boundaries,
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-e2e/**",
      ".next-bench/**",
      ".next-day-one/**",
      ".next-rehearsal/**",
      ".scratch/**",
      "lib/generated/**",
      ".data/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
];

export default config;
