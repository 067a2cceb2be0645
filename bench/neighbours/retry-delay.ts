import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import type { Metadata } from "@grpc/grpc-js";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/**
 * The delay a grpc-js call error asks the caller to wait before trying again, in ms: the
 * `google.rpc.RetryInfo` in its `grpc-status-details-bin` trailer, else its `retry-after`
 * (seconds); undefined when it names none.
 */
export function retryDelayMs(error: unknown): number | undefined {
  const { code, details, metadata } = error as {
    code?: unknown;
    details?: unknown;
    metadata?: Metadata;
  };
  if (typeof code !== "number" || metadata === undefined) return undefined;
  const [statusDetails] = metadata.get("grpc-status-details-bin");
  if (statusDetails instanceof Buffer) {
    const trailer = new Headers({
      "grpc-status": String(code),
      "grpc-message": encodeURIComponent(typeof details === "string" ? details : ""),
      "grpc-status-details-bin": statusDetails.toString("base64"),
    });
    const delay = findTrailerError(trailer)?.findDetails(RetryInfoSchema)[0]?.retryDelay;
    if (delay !== undefined) return Number(delay.seconds) * 1000 + delay.nanos / 1e6;
  }
  const [retryAfter] = metadata.get("retry-after");
  const seconds = Number(retryAfter);
  return typeof retryAfter === "string" && Number.isFinite(seconds) ? 1000 * seconds : undefined;
}
