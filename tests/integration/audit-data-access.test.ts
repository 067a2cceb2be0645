import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import Sqlite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.js";
import { eventsDatabaseFile } from "../../clients/events/embedded/log.js";
import {
  AdminService,
  type AuditEvent,
  type AuditVerifyResult,
} from "../../gen/ragplane/v1/admin_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { auditTopic } from "../../security/audit/log-audit.js";
import { systemTenant } from "../../security/tenant.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { values } from "../support/values.js";

let server: TestServer;
let acmeKey: string;
let quietKey: string;

const secrets = ["confidential-payload", "secret-point", "secret-node", "0.125", "Alice"];

beforeAll(async () => {
  server = await startTestServer();
  acmeKey = await server.createKey("acme");
  quietKey = await server.createKey("quiet");
});

afterAll(async () => {
  await server?.close();
});

function clients(apiKey: string) {
  const transport = server.transport("grpc-js", { apiKey });
  return {
    admin: createClient(AdminService, transport),
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
    events: createClient(EventsService, transport),
  };
}

const platformAdmin = () => clients(server.adminKey).admin;

async function dataEvents(tenant: string): Promise<AuditEvent[]> {
  await server.security.auditTrail.flush();
  const page = await platformAdmin().listAuditEvents({
    tenant,
    types: ["data.write", "data.delete", "data.read"],
    pageSize: 1000,
  });
  return page.events;
}

async function verify(): Promise<AuditVerifyResult> {
  await server.security.auditTrail.flush();
  let result: AuditVerifyResult | undefined;
  for await (const message of platformAdmin().verifyAuditTrail({})) {
    if (message.step.case === "result") result = message.step.value;
  }
  if (result === undefined) throw new Error("no result");
  return result;
}

async function cliVerify(): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runCli(
    ["audit", "verify"],
    {
      url: `http://127.0.0.1:${server.ports.httpPort}`,
      apiKey: server.adminKey,
      dataDir: server.config.dataDir,
    },
    { out: (text) => out.push(text), err: () => undefined },
  );
  return { code, out: out.join("\n") };
}

async function writeAndRead(apiKey: string, collection: string): Promise<void> {
  const { vectors, graphs, events } = clients(apiKey);
  await vectors.createCollection({ name: collection, dimension: 2, distance: Distance.COSINE });
  await vectors.upsert({
    collection,
    points: [
      { id: "secret-point-1", vector: [0.125, 1], payload: { text: "confidential-payload" } },
      { id: "secret-point-2", vector: [1, 0.125] },
    ],
  });
  await vectors.search({ collection, vector: [1, 0], limit: 5, withPayload: true });
  await vectors.delete({ collection, ids: ["secret-point-1", "missing"] });
  await graphs.upsertNodes({
    nodes: [{ id: "secret-node", labels: ["Person"], properties: values({ name: "Alice" }) }],
  });
  await graphs.getNode({ id: "secret-node" });
  await events.createTopic({ name: `${collection}-events`, partitions: 1 });
  await events.publish({
    topic: `${collection}-events`,
    events: [{ id: "e1", payload: new TextEncoder().encode("confidential-payload") }],
  });
}

/** The embedded events database, with the audit topic's id. */
function openEventsDatabase(): { db: Sqlite.Database; topicId: number } {
  const db = new Sqlite(join(server.config.dataDir, "events", eventsDatabaseFile));
  const row = db
    .prepare<[string, string], { topic_id: number }>(
      "SELECT topic_id FROM topics WHERE tenant = ? AND name = ?",
    )
    .get(systemTenant, auditTopic);
  if (row === undefined) throw new Error("no audit topic");
  return { db, topicId: row.topic_id };
}

describe("audit of data access", () => {
  it("lets a tenant's admin set its own read auditing, and only a platform admin another's", async () => {
    const acme = clients(acmeKey).admin;
    const before = await acme.getTenantSettings({});
    expect(before.settings).toMatchObject({ tenant: "acme", readAuditing: false });
    const updated = await acme.updateTenantSettings({ readAuditing: true });
    expect(updated.settings).toMatchObject({
      tenant: "acme",
      readAuditing: true,
      updatedBy: expect.stringMatching(/^key:/),
    });
    expect((await acme.getTenantSettings({})).settings?.readAuditing).toBe(true);
    const denied = await rejection(
      acme.updateTenantSettings({ tenant: "quiet", readAuditing: true }),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
    const other = await platformAdmin().getTenantSettings({ tenant: "quiet" });
    expect(other.settings).toMatchObject({ tenant: "quiet", readAuditing: false });
  });

  it("records writes, deletes and (enabled) reads with target and counts, never payloads", async () => {
    await writeAndRead(acmeKey, "docs");
    const recorded = await dataEvents("acme");
    const summary = recorded.map((event) => [
      event.type,
      event.method.split("/")[1],
      event.details,
    ]);
    expect(summary).toEqual([
      [
        "data.write",
        "CreateCollection",
        { target: "docs", targetKind: "collection", outcome: "ok" },
      ],
      [
        "data.write",
        "Upsert",
        { target: "docs", targetKind: "collection", items: "2", upserted: "2", outcome: "ok" },
      ],
      [
        "data.read",
        "Search",
        { target: "docs", targetKind: "collection", hits: "2", outcome: "ok" },
      ],
      [
        "data.delete",
        "Delete",
        { target: "docs", targetKind: "collection", items: "2", deleted: "1", outcome: "ok" },
      ],
      ["data.write", "UpsertNodes", { target: "graph", items: "1", upserted: "1", outcome: "ok" }],
      ["data.read", "GetNode", { target: "graph", node: "1", outcome: "ok" }],
      ["data.write", "CreateTopic", { target: "docs-events", targetKind: "topic", outcome: "ok" }],
      [
        "data.write",
        "Publish",
        { target: "docs-events", targetKind: "topic", items: "1", acks: "1", outcome: "ok" },
      ],
    ]);
    for (const event of recorded) {
      expect(event).toMatchObject({ tenant: "acme", principal: expect.stringMatching(/^key:/) });
      expect(event.chainId).not.toBe("");
      expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const text = JSON.stringify(recorded, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it("records no reads of a tenant without read auditing, but its writes", async () => {
    await writeAndRead(quietKey, "notes");
    const recorded = await dataEvents("quiet");
    expect(recorded.filter((event) => event.type === "data.read")).toEqual([]);
    expect(recorded.filter((event) => event.type === "data.write")).toHaveLength(5);
    expect(recorded.filter((event) => event.type === "data.delete")).toHaveLength(1);
  });

  it("verifies an untouched trail as intact, through the RPC and the CLI", async () => {
    const result = await verify();
    expect(result.ok).toBe(true);
    expect(result.chains).toHaveLength(1);
    expect(result.chains[0]?.chainId).toBe(server.security.auditTrail.chainId);
    expect(result.chains[0]?.entries).toBe(result.checked - result.unchained);
    expect(result.chains[0]?.broken).toBeUndefined();
    const cli = await cliVerify();
    expect(cli.code).toBe(0);
    expect(cli.out).toContain("audit trail intact");
  });

  it("refuses verification to a tenant's admin", async () => {
    const refused = await rejection(
      (async () => {
        for await (const _ of clients(acmeKey).admin.verifyAuditTrail({})) break;
      })(),
    );
    expect(refused.code).toBe(Code.PermissionDenied);
  });

  it("reports a changed entry, then a deleted one, found in the stored trail", async () => {
    const { db, topicId } = openEventsDatabase();
    try {
      const rows = db
        .prepare<[number], { seq: number; log_offset: number; payload: Buffer }>(
          "SELECT seq, log_offset, payload FROM events WHERE topic_id = ? ORDER BY log_offset",
        )
        .all(topicId);
      const upsert = rows.find((row) => row.payload.toString().includes('"upserted":"2"'));
      if (upsert === undefined) throw new Error("no upsert entry");
      const original = upsert.payload;
      const changed = Buffer.from(original.toString().replace('"upserted":"2"', '"upserted":"0"'));
      const update = db.prepare("UPDATE events SET payload = ? WHERE seq = ?");
      update.run(changed, upsert.seq);

      const afterChange = await verify();
      expect(afterChange.ok).toBe(false);
      expect(afterChange.chains[0]?.broken).toMatchObject({
        position: String(upsert.log_offset),
        reason: "entry changed: its hash does not match its contents",
      });
      const cli = await cliVerify();
      expect(cli.code).toBe(3);
      expect(cli.out).toContain("BROKEN");

      update.run(original, upsert.seq);
      expect((await verify()).ok).toBe(true);

      const victim = rows[Math.floor(rows.length / 2)];
      if (victim === undefined) throw new Error("no entry to delete");
      db.prepare("DELETE FROM events WHERE seq = ?").run(victim.seq);
      const afterDelete = await verify();
      expect(afterDelete.ok).toBe(false);
      expect(afterDelete.chains[0]?.broken?.position).toBe(String(victim.log_offset + 1));
      expect(afterDelete.chains[0]?.broken?.reason).toMatch(/^entries missing/);
      expect((await cliVerify()).code).toBe(3);
    } finally {
      db.close();
    }
  });
});
