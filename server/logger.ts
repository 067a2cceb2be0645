import { type Logger, pino } from "pino";
import type { LogLevel } from "./config.js";

/**
 * The server's structured logger: JSON lines on stdout, with secrets that could appear
 * in logged objects redacted.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: "ragplane" },
    redact: {
      paths: ["*.authorization", "*.password", "*.apiKey", "*.token", "*.secret"],
      censor: "[redacted]",
    },
  });
}
