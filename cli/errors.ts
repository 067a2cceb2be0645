import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";

/** The command line is wrong: the message says how, and usage is printed (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A failure as one or more lines for people: a server error as its code and message,
 * followed by the request's field violations when it was INVALID_ARGUMENT.
 */
export function describeError(error: unknown): string {
  if (error instanceof ConnectError) {
    const lines = [`error: ${codeToString(error.code)}: ${error.rawMessage}`];
    if (error.code === Code.InvalidArgument) {
      for (const detail of error.findDetails(BadRequestSchema)) {
        for (const violation of detail.fieldViolations) {
          lines.push(`  ${violation.field}: ${violation.description}`);
        }
      }
    }
    return lines.join("\n");
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
