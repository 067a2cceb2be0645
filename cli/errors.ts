import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";

/** The command line is wrong: the message says how, and usage is printed (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What to check when the server answers with one of these codes. */
const hints: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]:
    "  check RAGPLANE_API_KEY: an rp_… key of the server at RAGPLANE_URL (the key a first start prints)",
  [Code.PermissionDenied]:
    "  RAGPLANE_API_KEY lacks the scope this command needs (admin), or names another tenant",
  [Code.Unavailable]:
    "  is the server running? RAGPLANE_URL must be its HTTP port (default http://127.0.0.1:8080)",
};

/**
 * A failure as one or more lines for people: a server error as its code and message
 * (the code said once), followed by the request's field violations when it was
 * INVALID_ARGUMENT, or by what to check (`RAGPLANE_API_KEY`, `RAGPLANE_URL`).
 */
export function describeError(error: unknown): string {
  if (error instanceof ConnectError) {
    const code = codeToString(error.code);
    const message = error.rawMessage.startsWith(`${code}: `)
      ? error.rawMessage.slice(code.length + 2)
      : error.rawMessage;
    const lines = [`error: ${code}: ${message}`];
    if (error.code === Code.InvalidArgument) {
      for (const detail of error.findDetails(BadRequestSchema)) {
        for (const violation of detail.fieldViolations) {
          lines.push(`  ${violation.field}: ${violation.description}`);
        }
      }
    }
    const hint = hints[error.code];
    if (hint !== undefined) lines.push(hint);
    return lines.join("\n");
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
