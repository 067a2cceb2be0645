import { toJson } from "@bufbuild/protobuf";
import {
  type Erasure,
  ErasureSchema,
  ErasureState,
  ExportSubjectResponseSchema,
} from "../gen/ragplane/v1/compliance_pb.js";
import { parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";
import { json, table } from "./output.js";

/** Usage of the `subject` commands. */
export const subjectUsage = `ragplane subject export <subject>          (everything held about the subject: one JSON object per line)
ragplane subject erase <subject> [--json]  (erases the subject everywhere; prints the receipt)`;

/** Runs `subject export|erase`. */
export async function runSubject(args: readonly string[], context: CommandContext): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "export":
      return exportSubject(rest, context);
    case "erase":
      return eraseSubject(rest, context);
    default:
      throw new UsageError(
        sub === undefined ? "subject needs a command" : `unknown command "subject ${sub}"`,
      );
  }
}

function subjectOf(positionals: readonly string[], command: string): string {
  const subject = positionals[0];
  if (subject === undefined || subject === "") {
    throw new UsageError(`subject ${command} needs the subject`);
  }
  return subject;
}

/**
 * Writes each message of `ExportSubject` as one line of proto3 JSON (the export's
 * documented form, docs/compliance.md) to stdout, and the closing summary's counts to stderr.
 */
async function exportSubject(args: readonly string[], context: CommandContext): Promise<void> {
  const { positionals } = parseCommand(args, {}, 1);
  const subject = subjectOf(positionals, "export");
  for await (const message of context.compliance().exportSubject({ subject })) {
    context.output.out(JSON.stringify(toJson(ExportSubjectResponseSchema, message)));
    if (message.item.case === "summary") {
      const s = message.item.value;
      context.output.err(
        `exported ${s.events} events, ${s.points} points, ${s.nodes} nodes, ${s.relationships} relationships, ${s.auditEvents} audit entries`,
      );
    }
  }
}

/**
 * Runs `EraseSubject` to the end, reporting each step on stderr, then prints the receipt:
 * a table, or with `--json` the finished job. Stopping the command does not stop the
 * erasure, which the server carries on.
 */
async function eraseSubject(args: readonly string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseCommand(args, { json: { type: "boolean" } }, 1);
  const subject = subjectOf(positionals, "erase");
  let last: Erasure | undefined;
  for await (const message of context.compliance().eraseSubject({ subject })) {
    const erasure = message.erasure;
    if (erasure === undefined) continue;
    if (last?.step !== erasure.step) context.output.err(`erasure ${erasure.id}: ${erasure.step}`);
    last = erasure;
  }
  if (last?.state !== ErasureState.DONE) {
    throw new Error("the server ended the erasure stream before the job was done");
  }
  if (values.json) {
    context.output.out(json(toJson(ErasureSchema, last)));
    return;
  }
  context.output.out(
    table(
      ["STORE", "ENGINE", "TARGET", "REMOVED"],
      last.removed.map((line) => [line.store, line.engine, line.target, line.count.toString()]),
    ),
  );
}
