import { format } from "node:util";
import { setLogger } from "@grpc/grpc-js";
import { type DestinationStream, type Logger, pino, stdSerializers } from "pino";
import { redactSecrets } from "../security/redact.js";
import type { LogLevel } from "./config.js";

/**
 * Field names whose values are credentials wherever they appear in a logged object: the
 * request's, and the engine links' (a SASL block, a client key, the secrets' variables).
 */
const secretFields = [
  "authorization",
  "password",
  "apiKey",
  "token",
  "secret",
  '"x-api-key"',
  "sasl",
  "tls.key",
  "KAFKA_SASL_PASSWORD",
  "REDIS_PASSWORD",
];

/**
 * The server's structured logger: JSON lines on stdout. Credentials are redacted twice:
 * by field name in logged objects, and by shape (`redactSecrets`) in every message and
 * error, whoever wrote it.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "ragplane" },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
        method.apply(
          this,
          args.map((arg) => (typeof arg === "string" ? redactSecrets(arg) : arg)),
        );
      },
    },
    serializers: { err: redactedError },
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

function redactedError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const field of ["message", "stack"]) {
    if (typeof serialized[field] === "string") serialized[field] = redactSecrets(serialized[field]);
  }
  return serialized;
}

/**
 * Sends grpc-js's own log lines (it logs, for one, a metadata entry it refuses, header
 * value included) through `logger`, redacted like every other line; grpc-js's
 * `GRPC_VERBOSITY` (default ERROR) still decides which it writes.
 */
export function routeGrpcLogs(logger: Logger): void {
  const write =
    (level: "debug" | "info" | "warn") =>
    (...args: unknown[]): void =>
      logger[level]({ component: "grpc-js" }, format(...args));
  setLogger({ debug: write("debug"), info: write("info"), error: write("warn") });
}
