import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../../security/api-keys/format.js";
import type { ApiKeyRecord } from "../../security/api-keys/port.js";
import { createApiKeyVerifier } from "../../security/api-keys/verifier.js";
import { UnauthenticatedError } from "../../security/errors.js";

const now = 1_800_000_000_000;

function keyFor(overrides: Partial<ApiKeyRecord> = {}): { key: string; record: ApiKeyRecord } {
  const { id, key } = generateApiKey();
  const record: ApiKeyRecord = {
    id,
    tenant: "acme",
    name: "ci",
    scopes: ["vectors:read", "vectors:write"],
    hash: hashApiKey(key),
    createdAt: now - 1000,
    createdBy: "bootstrap",
    ...overrides,
  };
  return { key, record };
}

function verifierWith(...records: ApiKeyRecord[]) {
  const byId = new Map(records.map((record) => [record.id, record]));
  return createApiKeyVerifier({ store: { get: (id) => byId.get(id) }, now: () => now });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthenticatedError);
    return (error as UnauthenticatedError).reason;
  }
  throw new Error("expected verify to reject");
}

describe("createApiKeyVerifier", () => {
  it("turns a valid key into its principal: key:<id>, tenant, scopes, api-key, expiry", async () => {
    const { key, record } = keyFor({ expiresAt: now + 60_000 });
    const principal = await verifierWith(record).verify(key);
    expect(principal).toEqual({
      subject: `key:${record.id}`,
      tenant: "acme",
      scopes: new Set(["vectors:read", "vectors:write"]),
      method: "api-key",
      expiresAt: now + 60_000,
    });
  });

  it("leaves expiresAt out for a key that never expires", async () => {
    const { key, record } = keyFor();
    expect(await verifierWith(record).verify(key)).not.toHaveProperty("expiresAt");
  });

  it("gives an unknown id and a wrong secret the same reason", async () => {
    const { key, record } = keyFor();
    const verifier = verifierWith(record);
    const wrongSecret = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    const unknownId = generateApiKey().key;
    expect(await reasonOf(verifier.verify(wrongSecret))).toBe("unknown api key");
    expect(await reasonOf(verifier.verify(unknownId))).toBe("unknown api key");
  });

  it("refuses an expired key from the moment it expires", async () => {
    const { key, record } = keyFor({ expiresAt: now });
    expect(await reasonOf(verifierWith(record).verify(key))).toBe("api key expired");
  });

  it("refuses a revoked key", async () => {
    const { key, record } = keyFor({ revokedAt: now - 1 });
    expect(await reasonOf(verifierWith(record).verify(key))).toBe("api key revoked");
  });

  it("refuses malformed keys without looking them up", async () => {
    const verifier = createApiKeyVerifier({
      store: {
        get: () => {
          throw new Error("looked up");
        },
      },
    });
    for (const text of ["", "rp_short_x", "Bearer rp_", "not-a-key"]) {
      expect(await reasonOf(verifier.verify(text))).toBe("malformed api key");
    }
  });

  it("never puts the key into the error", async () => {
    const { key, record } = keyFor({ revokedAt: now - 1 });
    const secret = key.slice(20);
    for (const attempt of [key, `${key}x`, generateApiKey().key]) {
      const error = await verifierWith(record)
        .verify(attempt)
        .catch((e: unknown) => e);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String(error)).not.toContain(secret);
      expect((error as Error).message).not.toContain("rp_");
    }
  });
});
