import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's arguments strictly; unknown or malformed options are a `UsageError`. */
export function parseCommand<O extends Options>(
  args: readonly string[],
  options: O,
  positionals = 0,
) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return parsed;
}

/** A required option's value. */
export function required(value: string | undefined, option: string): string {
  if (value === undefined || value === "") throw new UsageError(`--${option} is required`);
  return value;
}

/** A comma-separated list (`a,b`), without empty items. */
export function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A duration option (`30d`) in ms, or undefined when absent. */
export function duration(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new UsageError(`--${option} must be a duration such as 45s, 15m, 1h, 30d or 2w`);
  }
  return ms;
}

/** A positive integer option, or `fallback` when absent. */
export function positiveInteger(
  value: string | undefined,
  option: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(number)) {
    throw new UsageError(`--${option} must be a positive integer`);
  }
  return number;
}
