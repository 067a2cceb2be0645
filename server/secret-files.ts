import { readFileSync } from "node:fs";
import type { Env } from "./env-reader.js";

/**
 * The variables that carry a secret. Each may instead be given as a file: `NAME_FILE` names
 * a file whose content is the value, the convention of Docker and Kubernetes secrets.
 */
export const secretVariables = [
  "BOOTSTRAP_ADMIN_KEY",
  "JWT_HMAC_SECRET",
  "KAFKA_SASL_PASSWORD",
  "NEO4J_PASSWORD",
  "QDRANT_API_KEY",
  "REDIS_PASSWORD",
  "REDIS_URL",
] as const;

/** Reads a secret file; injectable so tests need no files. */
export type ReadSecretFile = (path: string) => string;

const readUtf8: ReadSecretFile = (path) => readFileSync(path, "utf8");

/**
 * The environment with every `NAME_FILE` of a {@link secretVariables} entry read into
 * `NAME`. One trailing line break is dropped (files written by `echo` or editors end with
 * one). Setting both `NAME` and `NAME_FILE`, an unreadable file and an empty file are
 * problems, named by variable and path but never by content.
 */
export function withSecretFiles(
  env: Env,
  problems: string[],
  read: ReadSecretFile = readUtf8,
): Env {
  const fromFiles: Record<string, string> = {};
  for (const name of secretVariables) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable]?.trim();
    if (path === undefined || path === "") continue;
    if (env[name]?.trim()) {
      problems.push(`set ${name} or ${fileVariable}, not both`);
      continue;
    }
    let content: string;
    try {
      content = read(path);
    } catch (error) {
      problems.push(`${fileVariable}=${path} cannot be read (${describe(error)})`);
      continue;
    }
    const value = content.replace(/\r?\n$/, "");
    if (value.trim() === "") problems.push(`${fileVariable}=${path} is empty`);
    else fromFiles[name] = value;
  }
  return Object.keys(fromFiles).length === 0 ? env : { ...env, ...fromFiles };
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" ? code : "unreadable";
}
