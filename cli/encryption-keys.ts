import { toJson } from "@bufbuild/protobuf";
import { type RewrapResult, RewrapResultSchema } from "../gen/ragplane/v1/compliance_pb.js";
import { createKeyFile, rotateKeyFile } from "../security/encryption/key-file.js";
import { parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";
import { json } from "./output.js";

/** Usage of the key-encryption key file commands. */
export const keyFileUsage = `ragplane keys init <file> [--json]     (creates the key-encryption key file for ENCRYPTION_KEY_FILE, mode 0600)
ragplane keys rotate <file> [--json]   (adds a key-encryption key and makes it active; then run keys rewrap)
ragplane keys rewrap [--json]          (wraps every data key again with the active key-encryption key)`;

/**
 * Runs `keys init <file>`: creates the key file with one random key, mode 0600, and never
 * overwrites one. Prints the new key's id (never the key).
 */
export async function runKeyFileInit(
  args: readonly string[],
  context: CommandContext,
): Promise<void> {
  const { file, asJson } = fileArgument(args, "init");
  const id = await createKeyFile(file);
  if (asJson) context.output.out(json({ file, active: id }));
  else context.output.out(`created ${file} (mode 0600) with the active key-encryption key ${id}`);
}

/**
 * Runs `keys rotate <file>`: adds a random key to the file and makes it active, keeping the
 * others for unwrapping. Servers watching the file pick it up without a restart.
 */
export async function runKeyFileRotate(
  args: readonly string[],
  context: CommandContext,
): Promise<void> {
  const { file, asJson } = fileArgument(args, "rotate");
  const { active, retired } = await rotateKeyFile(file);
  if (asJson) {
    context.output.out(json({ file, active, retired }));
    return;
  }
  context.output.out(`${file}: ${active} is now the active key-encryption key`);
  context.output.out(
    `kept for unwrapping: ${retired.join(", ")}; once every replica has the new file, run ragplane keys rewrap, then remove the keys it no longer reports`,
  );
}

/**
 * Runs `keys rewrap`: has the server wrap every data key again with the active
 * key-encryption key (`ComplianceService/RewrapDataKeys`), reporting progress on stderr,
 * and prints which key-encryption keys still wrap data keys (none: the retired ones may go).
 */
export async function runRewrap(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, { json: { type: "boolean" } });
  let result: RewrapResult | undefined;
  for await (const message of context.compliance().rewrapDataKeys({})) {
    if (message.step.case === "progress") {
      const { checked, rewrapped } = message.step.value;
      context.output.err(`checked ${checked} data keys, re-wrapped ${rewrapped}`);
    } else if (message.step.case === "result") {
      result = message.step.value;
    }
  }
  if (result === undefined) throw new Error("the server ended the re-wrap without a result");
  if (values.json) {
    context.output.out(json(toJson(RewrapResultSchema, result, { alwaysEmitImplicit: true })));
    return;
  }
  context.output.out(
    `re-wrapped ${result.rewrapped} of ${result.checked} data keys with ${result.activeKeyId}`,
  );
  context.output.out(
    result.remainingKeyIds.length === 0
      ? "no data key is wrapped by another key-encryption key: retired keys may leave the key file"
      : `still wrapping data keys: ${result.remainingKeyIds.join(", ")}`,
  );
}

function fileArgument(
  args: readonly string[],
  command: string,
): { readonly file: string; readonly asJson: boolean } {
  const { values, positionals } = parseCommand(args, { json: { type: "boolean" } }, 1);
  const file = positionals[0];
  if (file === undefined) throw new UsageError(`keys ${command} needs the key file's path`);
  return { file, asJson: values.json === true };
}
