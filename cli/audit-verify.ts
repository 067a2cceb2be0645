import { toJson } from "@bufbuild/protobuf";
import {
  type AuditBreak,
  type AuditVerifyResult,
  AuditVerifyResultSchema,
} from "../gen/ragplane/v1/admin_pb.js";
import { parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { json, table } from "./output.js";

/** Usage of the `audit verify` command. */
export const auditVerifyUsage = "ragplane audit verify [--json]";

/** The exit code of a verification that found the trail broken. */
export const brokenTrailExitCode = 3;

/**
 * Runs `audit verify`: checks the audit trail's hash chains on the server, reporting
 * progress on stderr, and prints one line per chain. Resolves with the exit code: 0 when
 * the trail is intact, {@link brokenTrailExitCode} when it is broken.
 */
export async function runAuditVerify(
  args: readonly string[],
  context: CommandContext,
): Promise<number> {
  const { values } = parseCommand(args, { json: { type: "boolean" } });
  let result: AuditVerifyResult | undefined;
  for await (const message of context.admin().verifyAuditTrail({})) {
    if (message.step.case === "progress") {
      context.output.err(`checked ${message.step.value.checked} entries`);
    } else if (message.step.case === "result") {
      result = message.step.value;
    }
  }
  if (result === undefined) throw new Error("the server ended the verification without a result");
  if (values.json) {
    context.output.out(json(toJson(AuditVerifyResultSchema, result, { alwaysEmitImplicit: true })));
  } else {
    context.output.out(describe(result));
  }
  return result.ok ? 0 : brokenTrailExitCode;
}

function describe(result: AuditVerifyResult): string {
  const verdict = result.ok ? "intact" : "BROKEN";
  const lines = [
    `audit trail ${verdict}: ${result.checked} entries checked, ${result.unchained} unchained (written before hash chains)`,
  ];
  if (result.prunedBefore !== "") {
    lines.push(
      `the trail starts at position ${result.prunedBefore}: older entries are gone (compare with AUDIT_RETENTION)`,
    );
  }
  if (result.unreadable !== undefined) lines.push(`unreadable entry: ${where(result.unreadable)}`);
  if (result.chains.length > 0) {
    lines.push(
      table(
        ["CHAIN", "ENTRIES", "FIRST SEQ", "LAST SEQ", "LAST HASH", "FIRST BREAK"],
        result.chains.map((chain) => [
          chain.chainId,
          chain.entries.toString(),
          chain.firstSeq.toString(),
          chain.lastSeq.toString(),
          chain.lastHash,
          chain.broken === undefined ? "" : where(chain.broken),
        ]),
      ),
    );
  }
  return lines.join("\n");
}

function where(broken: AuditBreak): string {
  return `position ${broken.position} (seq ${broken.seq}): ${broken.reason}`;
}
