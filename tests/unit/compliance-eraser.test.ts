import { createSecretKey, randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { EventLog } from "../../clients/events/port.js";
import type { AuditEvent, AuditLog } from "../../security/audit/port.js";
import type { DataKey, DataKeyring } from "../../security/encryption/keyring.js";
import { systemTenant } from "../../security/tenant.js";
import { Eraser, type EraserOptions } from "../../server/compliance/eraser.js";
import type { ErasureJob } from "../../server/compliance/job.js";
import { ErasureJobStore, erasureJobsTopic } from "../../server/compliance/job-store.js";
import type { ErasureTargets } from "../../server/compliance/steps.js";
import { subjectDigest } from "../../server/compliance/subject.js";
import { openTemporaryLog } from "../support/temporary-log.js";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tenant = "acme";
const subject = "person-42@example.com";
const requester = { principal: "key:k1", requestId: "r1", peer: "127.0.0.1" };

/** Data keys in memory, by tenant and subject, with a record of what was destroyed. */
class FakeKeyring implements DataKeyring {
  readonly cacheMs: number;
  readonly keys = new Map<string, DataKey>();
  readonly destroyed: string[] = [];
  constructor(cacheMs = 30) {
    this.cacheMs = cacheMs;
  }
  async sealingKey(t: string, s: string | undefined): Promise<DataKey> {
    const name = `${t}/${s ?? ""}`;
    let key = this.keys.get(name);
    if (key === undefined) {
      key = { id: randomUUID(), key: createSecretKey(randomBytes(32)) };
      this.keys.set(name, key);
    }
    return key;
  }
  async openingKey(_t: string, id: string): Promise<DataKey | undefined> {
    return [...this.keys.values()].find((key) => key.id === id);
  }
  async hasSubjectKey(t: string, s: string): Promise<boolean> {
    return this.keys.has(`${t}/${s}`);
  }

  async destroySubjectKey(t: string, s: string): Promise<boolean> {
    this.destroyed.push(s);
    return this.keys.delete(`${t}/${s}`);
  }
}

/** Points by collection with their subjects, and a graph of subject-tagged items. */
class FakeEngines {
  readonly collections = new Map<string, { id: string; subject: string }[]>();
  nodes: string[] = [];
  relationships: string[] = [];
  deleteCalls = 0;
  graphCalls = 0;
  /** Called before each delete by subject; may throw or hang. */
  beforeDelete: (collection: string, signal?: AbortSignal) => Promise<void> = async () => undefined;
  beforeGraphs: () => Promise<void> = async () => undefined;

  targets(keyring: DataKeyring): ErasureTargets {
    return {
      keyring,
      kinds: { vectors: "embedded", graphs: "embedded", events: "embedded", keys: "embedded" },
      vectors: {
        listCollections: async (_t, page) => {
          const names = [...this.collections.keys()].sort().filter((n) => n > (page.after ?? ""));
          const slice = names.slice(0, page.limit);
          return {
            collections: slice.map((name) => ({
              name,
              dimension: 2,
              distance: "cosine" as const,
              payloadIndexes: [],
              sensitiveFields: [],
            })),
            ...(names.length > page.limit ? { nextAfter: slice.at(-1) as string } : {}),
          };
        },
        delete: async (_t, collection, selector, signal) => {
          this.deleteCalls++;
          await this.beforeDelete(collection, signal);
          const points = this.collections.get(collection) ?? [];
          const s = "subject" in selector ? selector.subject : "";
          const kept = points.filter((point) => point.subject !== s);
          this.collections.set(collection, kept);
          return points.length - kept.length;
        },
      },
      graphs: {
        deleteSubject: async (_t, s, limit) => {
          this.graphCalls++;
          await this.beforeGraphs();
          const nodes = this.nodes.filter((n) => n.startsWith(`${s}:`)).slice(0, limit);
          const relationships = this.relationships
            .filter((r) => r.startsWith(`${s}:`))
            .slice(0, limit);
          this.nodes = this.nodes.filter((n) => !nodes.includes(n));
          this.relationships = this.relationships.filter((r) => !relationships.includes(r));
          return { nodes: nodes.length, relationships: relationships.length };
        },
      },
    };
  }
}

function seed(engines: FakeEngines): void {
  engines.collections.set("a", [
    { id: "1", subject },
    { id: "2", subject },
    { id: "3", subject: "other" },
  ]);
  engines.collections.set("b", [{ id: "4", subject: "other" }]);
  engines.collections.set("c", [{ id: "5", subject }]);
  engines.nodes = [`${subject}:n1`, `${subject}:n2`, `${subject}:n3`, "other:n4"];
  engines.relationships = [`${subject}:r1`, "other:r2"];
}

function memoryAudit(): AuditLog & { readonly entries: AuditEvent[] } {
  const entries: AuditEvent[] = [];
  return {
    entries,
    record: (event) => entries.push(event),
    query: async () => ({ events: [] }),
    close: async () => undefined,
  };
}

async function openEraser(
  events: EventLog,
  targets: ErasureTargets,
  options: Partial<EraserOptions> = {},
): Promise<{ eraser: Eraser; store: ErasureJobStore }> {
  const store = new ErasureJobStore({ events, logger, retryMinMs: 10 });
  const eraser = new Eraser({
    store,
    targets,
    logger,
    graphBatch: 2,
    collectionPage: 2,
    retryMinMs: 5,
    retryMaxMs: 20,
    ...options,
  });
  cleanups.push(async () => {
    await eraser.stop();
    await store.close();
  });
  await eraser.start();
  return { eraser, store };
}

async function finished(eraser: Eraser, job: ErasureJob): Promise<ErasureJob[]> {
  const seen: ErasureJob[] = [];
  for await (const state of eraser.watch(job.tenant, job.id, AbortSignal.timeout(10_000))) {
    seen.push(state);
  }
  return seen;
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(5);
  }
}

const receipt = [
  { store: "vectors", engine: "embedded", target: "a", count: 2 },
  { store: "vectors", engine: "embedded", target: "c", count: 1 },
  { store: "graphs", engine: "embedded", target: "nodes", count: 3 },
  { store: "graphs", engine: "embedded", target: "relationships", count: 1 },
  { store: "events", engine: "embedded", target: "subject data key", count: 1 },
  { store: "caches", engine: "embedded", target: "data key cache", count: 1 },
];

describe("erasure jobs", () => {
  it("runs vectors, graphs, events and caches in order, and audits a receipt without the subject", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    seed(engines);
    const keyring = new FakeKeyring(50);
    await keyring.sealingKey(tenant, subject);
    const audit = memoryAudit();
    const { eraser } = await openEraser(log.events, engines.targets(keyring), { audit });

    const started = Date.now();
    const job = await eraser.erase(tenant, subject, requester);
    expect(job.subjectDigest).toBe(subjectDigest(subject));
    const states = await finished(eraser, job);
    const last = states.at(-1) as ErasureJob;

    expect(states.map((state) => state.step).filter((s, i, all) => all[i - 1] !== s)).toEqual([
      "vectors",
      "graphs",
      "events",
      "caches",
      "done",
    ]);
    expect(last.removed).toEqual(receipt);
    expect(last.finishTime).toBeGreaterThanOrEqual(started + keyring.cacheMs);
    expect(last.resumed).toBe(0);
    expect(last.sealedSubject).toBeUndefined();
    expect(engines.collections.get("a")).toEqual([{ id: "3", subject: "other" }]);
    expect(engines.nodes).toEqual(["other:n4"]);
    expect(engines.relationships).toEqual(["other:r2"]);
    expect(keyring.keys.has(`${tenant}/${subject}`)).toBe(false);

    await until(() => audit.entries.length === 1);
    expect(audit.entries[0]).toMatchObject({
      type: "compliance.erasure",
      tenant,
      principal: "key:k1",
      details: {
        subject_digest: subjectDigest(subject),
        job: job.id,
        points: "3",
        nodes: "3",
        relationships: "1",
        subject_data_keys: "1",
      },
    });
    expect(JSON.stringify(audit.entries)).not.toContain(subject);

    const end = await log.events.endOffsets(systemTenant, erasureJobsTopic);
    const records: string[] = [];
    for await (const event of log.events.read(
      systemTenant,
      erasureJobsTopic,
      { start: { kind: "beginning" } },
      AbortSignal.timeout(5000),
    )) {
      records.push(Buffer.from(event.payload).toString("utf8"));
      if (event.offset + 1n >= (end[0] ?? 0n)) break;
    }
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) expect(record).not.toContain(subject);
  });

  it("joins a running job for the same subject, and runs a new one that finds nothing once done", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    seed(engines);
    const keyring = new FakeKeyring(100);
    await keyring.sealingKey(tenant, subject);
    const { eraser, store } = await openEraser(log.events, engines.targets(keyring));

    const [first, second] = await Promise.all([
      eraser.erase(tenant, subject, requester),
      eraser.erase(tenant, subject, requester),
    ]);
    expect(second.id).toBe(first.id);
    await until(() => store.get(tenant, first.id)?.step === "caches");
    const joined = await eraser.erase(tenant, subject, requester);
    expect(joined.id).toBe(first.id);
    const done = (await finished(eraser, joined)).at(-1) as ErasureJob;
    expect(done.removed).toEqual(receipt);

    const again = await eraser.erase(tenant, subject, requester);
    expect(again.id).not.toBe(first.id);
    const redone = (await finished(eraser, again)).at(-1) as ErasureJob;
    expect(redone.step).toBe("done");
    expect(redone.removed.filter((line) => line.store === "vectors")).toEqual([]);
    expect(redone.removed.filter((line) => line.store === "graphs")).toEqual([
      { store: "graphs", engine: "embedded", target: "nodes", count: 0 },
      { store: "graphs", engine: "embedded", target: "relationships", count: 0 },
    ]);
    expect(redone.removed.filter((line) => line.store === "events")).toEqual([
      { store: "events", engine: "embedded", target: "subject data key", count: 0 },
    ]);
    expect(store.page(tenant, 10).jobs.map((job) => job.id)).toEqual([again.id, first.id]);
    const firstPage = store.page(tenant, 1);
    expect(firstPage.jobs.map((job) => job.id)).toEqual([again.id]);
    expect(store.page(tenant, 1, firstPage.nextAfter).jobs.map((job) => job.id)).toEqual([
      first.id,
    ]);
    expect(store.page("other-tenant", 10).jobs).toEqual([]);
  });

  it("retries a failing step with a backoff, recording the error, and finishes with exact counts", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    seed(engines);
    let outages = 3;
    engines.beforeGraphs = async () => {
      if (outages-- > 0) throw new Error("neo4j unavailable");
    };
    const keyring = new FakeKeyring(10);
    await keyring.sealingKey(tenant, subject);
    const failedSteps: string[] = [];
    const finishedJobs: number[] = [];
    const recorder = {
      stepFailed: (step: string) => failedSteps.push(step),
      finished: (seconds: number) => finishedJobs.push(seconds),
    };
    const { eraser } = await openEraser(log.events, engines.targets(keyring), { recorder });

    const job = await eraser.erase(tenant, subject, requester);
    const states = await finished(eraser, job);
    const last = states.at(-1) as ErasureJob;
    expect(states.some((state) => state.lastError === "neo4j unavailable")).toBe(true);
    expect(last.step).toBe("done");
    expect(last.lastError).toBe("neo4j unavailable");
    expect(last.removed).toEqual(receipt);
    expect(engines.graphCalls).toBe(3 + 2);
    await until(() => finishedJobs.length === 1);
    expect(failedSteps).toEqual(["graphs", "graphs", "graphs"]);
    expect(finishedJobs[0]).toBeGreaterThanOrEqual(0);
  });

  it("resumes a job stopped between steps on the next start, counting it as resumed", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    seed(engines);
    const keyring = new FakeKeyring(60_000);
    await keyring.sealingKey(tenant, subject);
    const first = await openEraser(log.events, engines.targets(keyring));
    const job = await first.eraser.erase(tenant, subject, requester);
    await until(() => first.store.get(tenant, job.id)?.step === "caches");
    await first.eraser.stop();
    await first.store.close();
    expect(first.store.get(tenant, job.id)?.heartbeat).toBe(0);

    const shortCache = { ...engines.targets(keyring), keyring: Object.assign(keyring, {}) };
    Object.defineProperty(keyring, "cacheMs", { value: 20 });
    const second = await openEraser(log.events, shortCache);
    const done = (await finished(second.eraser, job)).at(-1) as ErasureJob;
    expect(done.step).toBe("done");
    expect(done.resumed).toBe(1);
    expect(done.owner).toBe(second.eraser.replica);
    expect(done.removed).toEqual(receipt);
    expect(keyring.destroyed).toEqual([subject]);
  });

  it("takes over a job whose owner stopped recording it midway, going on from the last collection done", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    seed(engines);
    const keyring = new FakeKeyring(10);
    await keyring.sealingKey(tenant, subject);
    const hung = new AbortController();
    engines.beforeDelete = async (collection, signal) => {
      if (collection !== "b" || hung.signal.aborted) return;
      await new Promise((_, reject) => signal?.addEventListener("abort", reject, { once: true }));
    };
    const crashed = await openEraser(log.events, engines.targets(keyring), {
      heartbeatMs: 3_600_000,
    });
    const job = await crashed.eraser.erase(tenant, subject, requester);
    await until(() => crashed.store.get(tenant, job.id)?.collectionsAfter === "a");
    hung.abort();

    const other = await openEraser(log.events, engines.targets(keyring), {
      staleMs: 100,
      heartbeatMs: 20,
    });
    const done = (await finished(other.eraser, job)).at(-1) as ErasureJob;
    expect(done.resumed).toBe(1);
    expect(done.owner).toBe(other.eraser.replica);
    expect(done.removed).toEqual(receipt);
    expect(engines.collections.get("c")).toEqual([]);
  });

  it("refuses a record that is not the next version of its job, so two replicas never both own it", async () => {
    const log = await openTemporaryLog("rp-erasure-");
    cleanups.push(() => log.remove());
    const engines = new FakeEngines();
    const { eraser, store } = await openEraser(
      log.events,
      engines.targets(new FakeKeyring(60_000)),
    );
    const job = await eraser.erase(tenant, subject, requester);
    await until(() => store.get(tenant, job.id)?.step === "caches");
    const current = store.get(tenant, job.id) as ErasureJob;
    const stale = await store.put({ ...current, owner: "intruder", version: current.version });
    expect(stale?.owner).toBe(eraser.replica);
    const next = await store.put({ ...current, owner: "intruder", version: current.version + 1 });
    expect(next?.owner).toBe("intruder");
  });
});
