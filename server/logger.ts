import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config.js";

/** Field names whose values are credentials wherever they appear in a logged object. */
const secretFields = ["authorization", "password", "apiKey", "token", "secret", '"x-api-key"'];

/**
 * The server's structured logger: JSON lines on stdout, with secrets that could appear
 * in logged objects redacted.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "ragplane" },
    redact: {
      paths: [
        ...secretFields,
        ...secretFields.map((field) => `*.${field}`),
        ...secretFields.map((field) => `headers.${field}`),
      ],
      censor: "[redacted]",
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
