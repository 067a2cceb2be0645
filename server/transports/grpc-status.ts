import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { Metadata, type StatusObject, type status } from "@grpc/grpc-js";

/**
 * The gRPC status for an error: code, message and `grpc-status-details-bin` with the
 * error's details (BadRequest, RetryInfo, …), exactly as connect-node would send them.
 * Anything that is not a ConnectError has already been mapped by the chain; should one
 * slip through, it becomes INTERNAL without its message.
 */
export function grpcStatusOf(error: unknown, headers?: Metadata): Partial<StatusObject> {
  const connectError =
    error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal);
  const metadata = headers ?? new Metadata();
  const details = setTrailerStatus(new Headers(), connectError).get("grpc-status-details-bin");
  if (details !== null) metadata.set("grpc-status-details-bin", Buffer.from(details, "base64"));
  for (const [name, value] of connectError.metadata) {
    if (!name.endsWith("-bin")) metadata.set(name, value);
  }
  return {
    code: connectError.code as number as status,
    details: connectError.rawMessage,
    metadata,
  };
}
