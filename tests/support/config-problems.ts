import { ConfigError, loadConfig } from "../../server/config.js";
import type { Env } from "../../server/env-reader.js";

/** The problems `loadConfig` reports for `env`; none when it loads. */
export function configProblems(env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
