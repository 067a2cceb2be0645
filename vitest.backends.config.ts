import { defineConfig } from "vitest/config";

/**
 * Tests against real engines (scripts/engines/start.sh, then source its env file). Each
 * file skips itself, saying why, when its engine's URL is not set. One file at a time:
 * they share the engines.
 */
export default defineConfig({
  test: {
    include: ["tests/backends/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
