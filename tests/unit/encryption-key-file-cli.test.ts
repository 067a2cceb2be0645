import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.js";

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { url: "http://127.0.0.1:1", dataDir: "./unused" },
    { out: (text) => out.push(text), err: (text) => err.push(text) },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("ragplane keys init and keys rotate", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("creates the key file once (mode 0600), then rotates it, printing ids and never keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ragplane-keys-cli-"));
    dirs.push(dir);
    const file = join(dir, "secrets", "kek.json");
    const init = await cli(["keys", "init", file, "--json"]);
    expect(init.code).toBe(0);
    const { active: first } = JSON.parse(init.out) as { active: string };
    if (process.platform !== "win32") expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await cli(["keys", "init", file]);
    expect(again).toMatchObject({ code: 1, err: expect.stringMatching(/already exists/) });
    const rotate = await cli(["keys", "rotate", file]);
    expect(rotate.code).toBe(0);
    const contents = JSON.parse(await readFile(file, "utf8")) as {
      active: string;
      keys: Record<string, string>;
    };
    expect(rotate.out).toContain(`${contents.active} is now the active key-encryption key`);
    expect(Object.keys(contents.keys)).toEqual([first, contents.active]);
    for (const key of Object.values(contents.keys)) {
      expect(init.out + rotate.out).not.toContain(key);
    }
  });

  it("needs the file's path", async () => {
    expect(await cli(["keys", "rotate"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("keys rotate needs the key file's path"),
    });
  });
});
