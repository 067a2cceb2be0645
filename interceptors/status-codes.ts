import { Code, ConnectError } from "@connectrpc/connect";

/**
 * gRPC's canonical status names (`OK`, `NOT_FOUND`, …), the one spelling of a call's
 * outcome in logs, metrics and spans, indexed by code number.
 */
const canonicalNames: readonly string[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** The status code of a finished call: OK without an error, UNKNOWN for a non-Connect error. */
export function statusCodeOf(error: unknown): number {
  if (error === undefined) return 0;
  return error instanceof ConnectError ? error.code : Code.Unknown;
}

/** The canonical name of a status code, e.g. `RESOURCE_EXHAUSTED`. */
export function statusName(code: number): string {
  return canonicalNames[code] ?? "UNKNOWN";
}

/**
 * Whether a status is the server's fault rather than the caller's (OpenTelemetry's rule
 * for gRPC server spans): only these mark a span as an error or page an operator.
 */
export function isServerFault(code: number): boolean {
  return serverFaults.has(code);
}

const serverFaults: ReadonlySet<number> = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);
