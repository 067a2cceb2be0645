import { createKeyFile, rotateKeyFile } from "../security/encryption/key-file.js";
import { parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";
import { json } from "./output.js";

/** Usage of the key-encryption key file commands. */
export const keyFileUsage = `ragplane keys init <file> [--json]     (creates the key-encryption key file for ENCRYPTION_KEY_FILE, mode 0600)
ragplane keys rotate <file> [--json]   (adds a key-encryption key and makes it active; then run RewrapDataKeys)`;

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
    `kept for unwrapping: ${retired.join(", ")}; once every replica has the new file, run ComplianceService/RewrapDataKeys, then remove the keys it no longer reports`,
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
