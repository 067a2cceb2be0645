import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createKeyFile } from "../../security/encryption/key-file.js";
import { loadConfig } from "../../server/config.js";
import { openEngines } from "../../server/engines.js";

/** The warnings about insecure links that opening the engines logs. */
async function warningsAtOpen(env: Record<string, string>): Promise<string[]> {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-links-"));
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const entry = JSON.parse(chunk.toString("utf8")) as { level: number; msg: string };
      if (entry.level === 40 && entry.msg.startsWith("ALLOW_INSECURE_ENGINES")) {
        warnings.push(entry.msg);
      }
      done();
    },
  });
  try {
    const keyFile = join(dataDir, "secrets", "kek.json");
    await createKeyFile(keyFile);
    const config = loadConfig({
      DATA_DIR: dataDir,
      QDRANT_URL: "http://127.0.0.1:1",
      ENCRYPTION_KEY_FILE: keyFile,
      ...env,
    });
    const engines = await openEngines(config, pino({ level: "warn" }, destination));
    await engines.close();
    return warnings;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe("opening the engines with ALLOW_INSECURE_ENGINES", () => {
  it("warns of every insecure link in production", async () => {
    const production = { NODE_ENV: "production", AUTH_METHODS: "api-key" };
    expect(await warningsAtOpen({ ...production, ALLOW_INSECURE_ENGINES: "true" })).toEqual([
      "ALLOW_INSECURE_ENGINES=true: QDRANT_URL: the link to Qdrant is plaintext; use an https:// URL",
      "ALLOW_INSECURE_ENGINES=true: QDRANT_URL: ragplane calls Qdrant without an API key; set QDRANT_API_KEY",
    ]);
  });

  it("says nothing in development", async () => {
    expect(await warningsAtOpen({ ALLOW_INSECURE_ENGINES: "true" })).toEqual([]);
  });
});
