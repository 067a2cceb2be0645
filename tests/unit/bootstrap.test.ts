import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import { generateApiKey, hashApiKey } from "../../security/api-keys/format.js";
import { LogApiKeyStore } from "../../security/api-keys/log-store.js";
import { createApiKeyVerifier } from "../../security/api-keys/verifier.js";
import { scopes } from "../../security/scopes.js";
import { bootstrapAdminKey, bootstrapMessage } from "../../server/bootstrap.js";

let dir: string;
let log: EmbeddedEventLog;
let store: LogApiKeyStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ragplane-bootstrap-"));
  log = await EmbeddedEventLog.open({ dataDir: dir });
  store = await LogApiKeyStore.open({ events: log, logger: pino({ level: "silent" }) });
});

afterEach(async () => {
  await store.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the first admin key", () => {
  it("is made on a development first start, with every scope, and works", async () => {
    const created = await bootstrapAdminKey(store, { tenant: "default", generate: true });
    expect(created).toMatchObject({ tenant: "default", provided: false });
    const principal = await createApiKeyVerifier({ store }).verify(created?.key ?? "");
    expect(principal).toMatchObject({ tenant: "default", subject: `key:${created?.id}` });
    expect([...principal.scopes].sort()).toEqual([...scopes].sort());
    expect(store.get(created?.id ?? "")?.hash).toBe(hashApiKey(created?.key ?? ""));
  });

  it("is made only once", async () => {
    await bootstrapAdminKey(store, { tenant: "default", generate: true });
    expect(await bootstrapAdminKey(store, { tenant: "default", generate: true })).toBeUndefined();
  });

  it("is the operator's key when one is provided, stored as a hash", async () => {
    const { key, id } = generateApiKey();
    const created = await bootstrapAdminKey(store, {
      tenant: "platform",
      provided: key,
      generate: false,
    });
    expect(created).toEqual({ key, id, tenant: "platform", provided: true });
    expect(JSON.stringify(store.get(id))).not.toContain(key);
  });

  it("is never generated in production", async () => {
    expect(await bootstrapAdminKey(store, { tenant: "default", generate: false })).toBeUndefined();
    expect(store.isEmpty()).toBe(true);
  });

  it("is shown with a grpcurl line for the bound address", () => {
    const message = bootstrapMessage(
      { key: "rp_k", id: "k", tenant: "default", provided: false },
      "::1",
      { grpcPort: 50051, httpPort: 8080 },
    );
    expect(message).toContain(
      "grpcurl -plaintext -H 'authorization: Bearer rp_k' [::1]:50051 ragplane.v1.VectorsService/ListCollections",
    );
  });

  it("points the CLI hint at the HTTP port the server bound", () => {
    const message = bootstrapMessage(
      { key: "rp_k", id: "k", tenant: "default", provided: false },
      "0.0.0.0",
      { grpcPort: 50051, httpPort: 18080 },
    );
    expect(message).toContain(
      "RAGPLANE_URL=http://127.0.0.1:18080 RAGPLANE_API_KEY=<this key> npx ragplane keys create",
    );
  });
});
