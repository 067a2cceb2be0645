const connectTimeout = "connect-timeout-ms";
const grpcTimeout = "grpc-timeout";

const grpcUnitsMs: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * The timeout a request carries on the wire, in milliseconds: `connect-timeout-ms`
 * (Connect) or `grpc-timeout` (gRPC, gRPC-Web); undefined when it has none or it is
 * malformed.
 */
export function timeoutFromHeader(header: Headers): number | undefined {
  const connect = header.get(connectTimeout);
  if (connect !== null) return /^\d{1,10}$/.test(connect) ? Number(connect) : undefined;
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get(grpcTimeout) ?? "");
  if (grpc === null) return undefined;
  return Math.ceil(Number(grpc[1]) * (grpcUnitsMs[grpc[2] ?? ""] ?? 0));
}

/**
 * Rewrites the wire timeout of a request that already carries one, in the header its
 * protocol uses, so that a request sent again asks for what is left of the deadline.
 */
export function setTimeoutHeader(header: Headers, timeoutMs: number): void {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  if (header.has(connectTimeout)) header.set(connectTimeout, String(ms));
  else if (header.has(grpcTimeout)) header.set(grpcTimeout, `${ms}m`);
}
