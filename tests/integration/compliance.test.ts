import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import Sqlite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsDatabaseFile } from "../../clients/events/embedded/log.js";
import { graphDatabaseFile } from "../../clients/graphs/embedded/schema.js";
import { dataKeysDatabaseFile } from "../../clients/keys/embedded/store.js";
import { vectorsDatabaseFile } from "../../clients/vectors/embedded/snapshot.js";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ErasureState } from "../../gen/ragplane/v1/compliance_pb.js";
import { subjectKeyName } from "../../security/encryption/data-keyring.js";
import { subjectDigest } from "../../server/compliance/subject.js";
import {
  type ComplianceClients,
  complianceClients,
  erase,
  expectedReceipt,
  expectSubjectGone,
  exportOf,
  otherSubject,
  secretMarkers,
  seedSubjects,
  subject,
} from "../support/compliance.js";
import { rejection } from "../support/errors.js";
import { eventually } from "../support/retention.js";
import { startTestServer, type TestServer } from "../support/server.js";

const embedded = { vectors: "embedded", graphs: "embedded", events: "embedded", keys: "embedded" };

/** Every file of `dir` (recursively) named `name`, then its `-wal` when there is one. */
async function filesNamed(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && (entry.name === name || entry.name === `${name}-wal`)) {
      found.push(join(entry.parentPath, entry.name));
    }
  }
  return found.sort();
}

function readOnly(path: string): Sqlite.Database {
  return new Sqlite(path, { readonly: true, fileMustExist: true });
}

describe("ComplianceService on embedded engines", () => {
  let dataDir: string;
  let server: TestServer;
  let clients: ComplianceClients;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ragplane-compliance-"));
    server = await startTestServer({ DATA_DIR: dataDir, ENCRYPTION_KEY_CACHE_MS: "300" });
    clients = complianceClients(server.transport("grpc-js"));
    await seedSubjects(clients);
  });
  let closed = false;
  const closeServer = async () => {
    if (closed) return;
    closed = true;
    await server?.close();
  };
  afterAll(async () => {
    await closeServer();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("exports everything held about the subject, decrypted, in order, and audits the export by digest", async () => {
    const exported = await exportOf(complianceClients(server.transport("connect")));
    expect(exported.summary).toMatchObject({
      events: 2n,
      points: 3n,
      nodes: 1n,
      relationships: 2n,
      auditEvents: 0n,
      topicsScanned: 2n,
      collectionsScanned: 2n,
    });
    expect(exported.messages.map((message) => message.item.case)).toEqual([
      "event",
      "event",
      "point",
      "point",
      "point",
      "node",
      "relationship",
      "relationship",
      "summary",
    ]);
    expect(
      exported.events.map((item) => [item.topic, item.event?.id, item.event?.subject]),
    ).toEqual(
      expect.arrayContaining([
        ["orders", "o-1", subject],
        ["orders", "o-2", subject],
      ]),
    );
    const second = exported.events.find((item) => item.event?.id === "o-2");
    expect(new TextDecoder().decode(second?.event?.payload)).toBe("ADA-PAYLOAD-SECRET two");
    expect(second?.event?.headers).toEqual({ source: "ADA-HEADER-SECRET" });
    const p1 = exported.points.find((item) => item.point?.id === "p-1");
    expect(p1?.collection).toBe("profiles");
    expect(p1?.point?.subject).toBe(subject);
    expect(p1?.point?.payload).toEqual({ name: "Ada", email: "ada@example.org" });
    expect(p1?.point?.vector).toHaveLength(2);
    expect(exported.nodes.map((node) => [node.id, node.subject])).toEqual([["ada", subject]]);
    expect(exported.relationships.map((relationship) => relationship.id)).toEqual([
      "ada-lives",
      "visit",
    ]);

    await server.security.auditTrail.flush();
    const page = await server.security.audit.query({
      tenant: "default",
      types: ["compliance.export"],
      limit: 10,
    });
    expect(page.events.map((event) => event.details)).toEqual([
      expect.objectContaining({
        subject_digest: subjectDigest(subject),
        events: "2",
        points: "3",
        nodes: "1",
        relationships: "2",
      }),
    ]);
  });

  it("refuses a subject that is empty or over 256 bytes with a field violation", async () => {
    for (const bad of ["", "x".repeat(257)]) {
      for (const call of [() => erase(clients, bad), () => exportOf(clients, bad)]) {
        const error = await rejection(call());
        expect(error.code).toBe(Code.InvalidArgument);
        const [details] = error.findDetails(BadRequestSchema);
        expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["subject"]);
      }
    }
  });

  it("erases the subject everywhere with an exact receipt, audited by digest", async () => {
    const messages = await erase(clients);
    const last = messages.at(-1)?.erasure;
    expect(last?.state).toBe(ErasureState.DONE);
    expect(last?.step).toBe("done");
    expect(last?.subjectDigest).toBe(subjectDigest(subject));
    expect(
      last?.removed.map(({ store, engine, target, count }) => ({ store, engine, target, count })),
    ).toEqual(expectedReceipt(embedded));
    expect(last?.resumed).toBe(0);
    expect(last?.finishTime).toBeDefined();
    expect(messages[0]?.erasure?.state).toBe(ErasureState.RUNNING);

    const got = await clients.compliance.getErasure({ id: last?.id ?? "" });
    expect(got.erasure?.removed).toEqual(last?.removed);
    const listed = await clients.compliance.listErasures({});
    expect(listed.erasures.map((erasure) => erasure.id)).toEqual([last?.id]);
    const missing = await rejection(clients.compliance.getErasure({ id: "nope" }));
    expect(missing.code).toBe(Code.NotFound);

    await server.security.auditTrail.flush();
    const receipts = await server.security.audit.query({
      tenant: "default",
      types: ["compliance.erasure"],
      limit: 10,
    });
    expect(receipts.events.map((event) => event.details)).toEqual([
      expect.objectContaining({
        subject_digest: subjectDigest(subject),
        job: last?.id,
        points: "3",
        nodes: "1",
        relationships: "3",
        subject_data_keys: "1",
      }),
    ]);
    const trail = await server.security.audit.query({ tenant: "default", limit: 1000 });
    expect(JSON.stringify(trail.events)).not.toContain(subject);
  });

  it("leaves nothing of the subject findable through any RPC, and the others untouched", async () => {
    await expectSubjectGone(clients);
    const exported = await exportOf(clients);
    expect(exported.audit.map((entry) => entry.type)).toEqual([
      "compliance.export",
      "compliance.erasure",
    ]);
    expect(
      exported.audit.every((entry) => entry.details.subject_digest === subjectDigest(subject)),
    ).toBe(true);
  });

  it("joins a running erasure and runs a new one, finding nothing, for a subject erased before", async () => {
    const [first, second] = await Promise.all([erase(clients), erase(clients)]);
    const id = first.at(-1)?.erasure?.id;
    expect(second.at(-1)?.erasure?.id).toBe(id);
    const removed = first.at(-1)?.erasure?.removed ?? [];
    expect(removed.filter((line) => line.store === "vectors")).toEqual([]);
    expect(removed.filter((line) => line.store === "graphs").map((line) => line.count)).toEqual([
      0n,
      0n,
    ]);
    const listed = await clients.compliance.listErasures({ pageSize: 1 });
    expect(listed.erasures.map((erasure) => erasure.id)).toEqual([id]);
    const next = await clients.compliance.listErasures({
      pageSize: 1,
      pageToken: listed.nextPageToken,
    });
    expect(next.erasures).toHaveLength(1);
    expect(next.nextPageToken).toBe("");
    const bad = await rejection(clients.compliance.listErasures({ pageToken: "garbage!" }));
    expect(bad.code).toBe(Code.InvalidArgument);
  });

  it("goes on with an erasure whose client left, to the end", async () => {
    const abort = new AbortController();
    let id = "";
    for await (const message of clients.compliance.eraseSubject(
      { subject: "person-carol@example.org" },
      { signal: abort.signal },
    )) {
      id = message.erasure?.id ?? "";
      break;
    }
    abort.abort();
    expect(id).not.toBe("");
    const done = await eventually(
      () => clients.compliance.getErasure({ id }),
      (response) => response.erasure?.state === ErasureState.DONE,
    );
    expect(done.erasure?.step).toBe("done");
    expect(done.erasure?.finishTime).toBeDefined();
  });

  it("re-wraps data keys for platform admins only, streaming the result", async () => {
    const messages = [];
    for await (const message of clients.compliance.rewrapDataKeys({})) messages.push(message);
    const result = messages.at(-1)?.step;
    expect(result?.case).toBe("result");
    if (result?.case !== "result") return;
    expect(result.value.checked).toBeGreaterThan(0n);
    expect(result.value.rewrapped).toBe(0n);
    expect(result.value.activeKeyId).not.toBe("");
    expect(result.value.remainingKeyIds).toEqual([]);

    const tenantAdmin = complianceClients(
      server.transport("grpc-js", { apiKey: await server.createKey("acme-admins") }),
    );
    const denied = await rejection(
      (async () => {
        for await (const _ of tenantAdmin.compliance.rewrapDataKeys({})) {
          // refused before the first message
        }
      })(),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("keeps erasure jobs to their tenant", async () => {
    const otherKey = await server.createKey("other-tenant");
    const other = complianceClients(server.transport("grpc-js", { apiKey: otherKey }));
    expect((await other.compliance.listErasures({})).erasures).toEqual([]);
    const [job] = (await clients.compliance.listErasures({})).erasures;
    expect((await rejection(other.compliance.getErasure({ id: job?.id ?? "" }))).code).toBe(
      Code.NotFound,
    );
  });
  it("leaves no row of the subject in the engines' own SQLite files, and no subject key (read once the server stopped)", async () => {
    await closeServer();
    const [vectorsFile] = await filesNamed(dataDir, vectorsDatabaseFile);
    const vectorsDb = readOnly(vectorsFile as string);
    const points = vectorsDb.prepare("SELECT id, payload FROM points").all() as {
      id: string;
      payload: string;
    }[];
    vectorsDb.close();
    expect(points.map((point) => point.id).sort()).toEqual(["n-2", "p-3", "p-4"]);
    for (const marker of [subject, ...secretMarkers]) {
      expect(JSON.stringify(points)).not.toContain(marker);
    }

    const [graphFile] = await filesNamed(dataDir, graphDatabaseFile);
    const graphDb = readOnly(graphFile as string);
    const nodes = graphDb.prepare("SELECT * FROM nodes").all();
    const relationships = graphDb.prepare("SELECT * FROM relationships").all();
    graphDb.close();
    expect(nodes.map((node) => (node as { id: string }).id).sort()).toEqual(["bob", "oslo"]);
    expect(relationships.map((r) => (r as { id: string }).id)).toEqual(["bob-lives"]);
    expect(JSON.stringify([nodes, relationships])).not.toContain(subject);

    const [eventsFile] = await filesNamed(dataDir, eventsDatabaseFile);
    const eventsDb = readOnly(eventsFile as string);
    const rows = eventsDb.prepare("SELECT * FROM events").all() as Record<string, unknown>[];
    eventsDb.close();
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows) {
      const text = Object.values(row)
        .map((value) =>
          value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : String(value),
        )
        .join("\u0000");
      for (const marker of [subject, ...secretMarkers]) expect(text).not.toContain(marker);
    }
    for (const file of await filesNamed(dataDir, eventsDatabaseFile)) {
      const bytes = (await readFile(file)).toString("latin1");
      for (const marker of [subject, ...secretMarkers]) expect(bytes).not.toContain(marker);
    }

    const [keysFile] = await filesNamed(dataDir, dataKeysDatabaseFile);
    const keysDb = readOnly(keysFile as string);
    const names = keysDb.prepare("SELECT name FROM data_key_names WHERE tenant = ?").all("default");
    keysDb.close();
    const held = names.map((row) => (row as { name: string }).name);
    expect(held).not.toContain(subjectKeyName(subject));
    expect(held).toContain(subjectKeyName(otherSubject));
  });
});

describe("an erasure interrupted by a restart", () => {
  it("resumes on the next start and finishes, counted as resumed once", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ragplane-compliance-restart-"));
    const env = { DATA_DIR: dataDir, ENCRYPTION_KEY_CACHE_MS: "3000" };
    try {
      const first = await startTestServer(env);
      const adminKey = first.adminKey;
      const clients = complianceClients(first.transport("grpc-js"));
      await seedSubjects(clients);
      const abort = new AbortController();
      let id = "";
      for await (const message of clients.compliance.eraseSubject(
        { subject },
        { signal: abort.signal },
      )) {
        id = message.erasure?.id ?? id;
        if (message.erasure?.step === "caches") break;
      }
      abort.abort();
      await first.close();

      const second = await startTestServer(env, undefined, { adminKey });
      try {
        const again = complianceClients(second.transport("connect"));
        const done = await eventually(
          () => again.compliance.getErasure({ id }),
          (response) => response.erasure?.state === ErasureState.DONE,
          15_000,
        );
        expect(done.erasure?.resumed).toBe(1);
        expect(
          done.erasure?.removed.map(({ store, engine, target, count }) => ({
            store,
            engine,
            target,
            count,
          })),
        ).toEqual(expectedReceipt(embedded));
        await expectSubjectGone(again);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
