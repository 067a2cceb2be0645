import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultRetentionMs } from "../../security/revocation/denylist.js";
import { EmbeddedRevocationList } from "../../security/revocation/embedded.js";
import { describeRevocationListContract } from "../support/jwt.js";

describeRevocationListContract("embedded", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ragplane-revocation-"));
  return {
    list: await EmbeddedRevocationList.open(dataDir),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

function storedJtis(dataDir: string): string[] {
  const db = new Database(join(dataDir, "auth", "revocations.db"), { readonly: true });
  try {
    const rows = db.prepare("SELECT jti FROM revoked_jti ORDER BY jti").all() as { jti: string }[];
    return rows.map((row) => row.jti);
  } finally {
    db.close();
  }
}

describe("EmbeddedRevocationList", () => {
  let dataDir: string;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "ragplane-revocation-"));
    clock = Date.parse("2030-01-01T00:00:00Z");
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps revocations across a reopen, in a WAL database under auth/", async () => {
    const first = await EmbeddedRevocationList.open(dataDir, { now });
    await first.revoke("jti-a", clock + 60_000);
    await first.revoke("jti-b", clock + 120_000);
    await first.close();
    expect(storedJtis(dataDir)).toEqual(["jti-a", "jti-b"]);

    const reopened = await EmbeddedRevocationList.open(dataDir, { now });
    expect(reopened.isRevoked("jti-a")).toBe(true);
    expect(reopened.isRevoked("jti-b")).toBe(true);
    expect(reopened.isRevoked("jti-c")).toBe(false);
    await reopened.close();
    const db = new Database(join(dataDir, "auth", "revocations.db"), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("prunes at open the entries expired beyond the retention, and keeps the rest", async () => {
    const first = await EmbeddedRevocationList.open(dataDir, { now });
    await first.revoke("old", clock + 1_000);
    await first.revoke("recent", clock + 1_000 + defaultRetentionMs);
    await first.close();

    clock += 2_000 + defaultRetentionMs;
    const reopened = await EmbeddedRevocationList.open(dataDir, { now });
    expect(reopened.isRevoked("old")).toBe(false);
    expect(reopened.isRevoked("recent")).toBe(true);
    await reopened.close();
    expect(storedJtis(dataDir)).toEqual(["recent"]);
  });

  it("keeps a revocation through the clock-skew retention after the token's expiry", async () => {
    const list = await EmbeddedRevocationList.open(dataDir, { now });
    await list.revoke("jti-a", clock);
    clock += defaultRetentionMs - 1;
    expect(list.prune()).toBe(0);
    expect(list.isRevoked("jti-a")).toBe(true);
    await list.close();
  });

  it("prunes expired entries periodically, from memory and disk", async () => {
    const list = await EmbeddedRevocationList.open(dataDir, {
      now,
      pruneIntervalMs: 20,
      retainMs: 0,
    });
    await list.revoke("short", clock + 1_000);
    await list.revoke("long", clock + 60_000);
    clock += 2_000;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(list.isRevoked("short")).toBe(false);
    expect(list.isRevoked("long")).toBe(true);
    expect(storedJtis(dataDir)).toEqual(["long"]);
    await list.close();
  });

  it("keeps the later expiry when a jti is revoked twice", async () => {
    const list = await EmbeddedRevocationList.open(dataDir, { now, retainMs: 0 });
    await list.revoke("jti-a", clock + 60_000);
    await list.revoke("jti-a", clock + 1_000);
    clock += 2_000;
    expect(list.prune()).toBe(0);
    expect(list.isRevoked("jti-a")).toBe(true);
    await list.close();
  });
});
