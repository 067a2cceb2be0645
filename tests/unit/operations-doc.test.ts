import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { usage } from "../../cli/run.js";

const root = resolve(import.meta.dirname, "../..");
const doc = readFileSync(join(root, "docs/operations.md"), "utf8");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The CLI's sources, which read RAGPLANE_URL, RAGPLANE_API_KEY and DATA_DIR. */
function cliSources(): string {
  return readdirSync(join(root, "cli"))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => readFileSync(join(root, "cli", name), "utf8"))
    .join("\n");
}

/** `RATE_LIMIT_{READ,WRITE}_PER_TENANT` → one name per alternative. */
function expandBraces(name: string): string[] {
  const match = /^(.*?)\{([^}]+)\}(.*)$/.exec(name);
  if (match === null) return [name];
  const [, before = "", alternatives = "", after = ""] = match;
  return alternatives.split(",").flatMap((choice) => expandBraces(before + choice + after));
}

/** Status names the page uses that are not variables. */
const statusNames = new Set(["NOT_SERVING", "FAILED_PRECONDITION"]);

describe("docs/operations.md", () => {
  /**
   * The variables of the README's configuration tables (whose test proves they are the
   * ones the server reads), and the CLI's.
   */
  const documented = new Set(
    readme
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...(line.split(" | ")[0] ?? "").matchAll(/`([^`]+)`/g)])
      .flatMap((match) => expandBraces(match[1] ?? "")),
  );
  const cli = cliSources();

  it("names only variables the server or the CLI reads (a `PREFIX_*` needs one of that prefix)", () => {
    const named = [...doc.matchAll(/`([A-Z][A-Z0-9]*(?:_(?:[A-Z0-9]+|\{[A-Z0-9,]+\}|\*))+)/g)]
      .flatMap((match) => expandBraces(match[1] ?? ""))
      .filter((name) => !statusNames.has(name));
    expect(named.length).toBeGreaterThan(30);
    const known = (name: string): boolean =>
      name.endsWith("_*")
        ? [...documented].some((variable) => variable.startsWith(name.slice(0, -1)))
        : documented.has(name) || new RegExp(`\\b${name}\\b`).test(cli);
    expect([...new Set(named.filter((name) => !known(name)))]).toEqual([]);
  });

  it("names only ragplane commands the CLI has", () => {
    const commands = [...doc.matchAll(/npx ragplane ([a-z]+(?: [a-z]+)?)/g)].map(
      (match) => match[1] ?? "",
    );
    expect(commands.length).toBeGreaterThan(5);
    const unknown = commands.filter(
      (command) =>
        !usage.includes(`ragplane ${command}`) &&
        !usage.includes(`ragplane ${command.split(" ")[0]} `),
    );
    expect(unknown).toEqual([]);
  });
});
