import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    // test/fixtures: inputs of the runner's self-test (test/self-test), which runs them itself.
    exclude: [
      "node_modules/**",
      ".next/**",
      "e2e/**",
      ".data/**",
      ".scratch/**",
      "test/fixtures/**",
    ],
    // One throwaway Postgres (migrated) for the whole run; see test/global-setup.ts.
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup-env.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
