import { NotFoundError } from "../../clients/errors.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import type { DataKeyring } from "../../security/encryption/keyring.js";
import { addRemoved, type ErasedItems, type ErasureJob } from "./job.js";

/** The engine of each store, as a receipt names it (`openEngines` kinds, `redis`/`embedded` for keys). */
export interface EngineKinds {
  readonly vectors: string;
  readonly graphs: string;
  readonly events: string;
  /** Where data keys are stored and cached: `redis` or `embedded`. */
  readonly keys: string;
}

/** What the steps of an erasure act on. */
export interface ErasureTargets {
  readonly vectors: Pick<VectorStore, "listCollections" | "delete">;
  readonly graphs: Pick<GraphStore, "deleteSubject">;
  readonly keyring: DataKeyring;
  readonly kinds: EngineKinds;
}

/**
 * Records a change of the job (after each batch): `change` gets the job as last recorded
 * and returns it changed. Resolves with the job as recorded.
 */
export type SaveJob = (change: (job: ErasureJob) => ErasureJob) => Promise<ErasureJob>;

/** How the steps batch their work. */
export interface StepSizes {
  /** Collections listed per page. */
  readonly collectionPage: number;
  /** Nodes (and relationships) deleted per graph call. */
  readonly graphBatch: number;
}

/**
 * The `vectors` step: every collection of the tenant, in name order from where the job
 * stands, loses the subject's points; each collection is recorded as done once its
 * delete returned, so a resumed job goes on with the next one (deleting again is
 * harmless: a subject's points are deleted by selector).
 */
export async function eraseVectors(
  targets: ErasureTargets,
  job: ErasureJob,
  subject: string,
  save: SaveJob,
  sizes: StepSizes,
  signal: AbortSignal,
): Promise<void> {
  let after = job.collectionsAfter;
  for (;;) {
    const page = await targets.vectors.listCollections(
      job.tenant,
      { limit: sizes.collectionPage, ...(after === undefined ? {} : { after }) },
      signal,
    );
    for (const collection of page.collections) {
      const count = await deleteOf(targets, job.tenant, collection.name, subject, signal);
      const line = { store: "vectors", engine: targets.kinds.vectors, target: collection.name };
      await save((current) => ({
        ...current,
        collectionsAfter: collection.name,
        ...(count > 0 ? { removed: addRemoved(current.removed, { ...line, count }) } : {}),
      }));
    }
    if (page.nextAfter === undefined) break;
    after = page.nextAfter;
  }
  await save((current) => ({ ...current, step: "graphs" }));
}

async function deleteOf(
  targets: ErasureTargets,
  tenant: string,
  collection: string,
  subject: string,
  signal: AbortSignal,
): Promise<number> {
  try {
    return await targets.vectors.delete(tenant, collection, { subject }, signal);
  } catch (error) {
    if (error instanceof NotFoundError) return 0;
    throw error;
  }
}

/**
 * The `graphs` step: the subject's nodes (with every relationship touching them) and
 * relationships go, `graphBatch` at a time, each batch recorded, until a batch comes
 * back short of both.
 */
export async function eraseGraphs(
  targets: ErasureTargets,
  job: ErasureJob,
  subject: string,
  save: SaveJob,
  sizes: StepSizes,
  signal: AbortSignal,
): Promise<void> {
  const engine = targets.kinds.graphs;
  for (;;) {
    const batch = await targets.graphs.deleteSubject(job.tenant, subject, sizes.graphBatch, signal);
    const nodes: ErasedItems = { store: "graphs", engine, target: "nodes", count: batch.nodes };
    const relationships: ErasedItems = {
      store: "graphs",
      engine,
      target: "relationships",
      count: batch.relationships,
    };
    const finished = batch.nodes < sizes.graphBatch && batch.relationships < sizes.graphBatch;
    await save((current) => ({
      ...current,
      removed: addRemoved(addRemoved(current.removed, nodes), relationships),
      ...(finished ? { step: "events" } : {}),
    }));
    if (finished) return;
  }
}

/**
 * The `events` step: the subject's data key is destroyed, so every event sealed under it
 * is a tombstone from now on, here and, once their caches expire, on every replica.
 * `subject` is undefined when a previous run already destroyed the key (it could not be
 * opened again): the key existed, since the job sealed the subject under it. The receipt
 * counts the key only when it existed before the job (it held the subject's data).
 */
export async function eraseEventKey(
  targets: ErasureTargets,
  job: ErasureJob,
  subject: string | undefined,
  save: SaveJob,
  now: () => number,
  signal: AbortSignal,
): Promise<void> {
  const existed =
    subject === undefined
      ? true
      : await targets.keyring.destroySubjectKey(job.tenant, subject, signal);
  const line: ErasedItems = {
    store: "events",
    engine: targets.kinds.events,
    target: "subject data key",
    count: existed && job.subjectKeyExisted !== false ? 1 : 0,
  };
  await save(({ sealedSubject: _, ...current }) => ({
    ...current,
    removed: addRemoved(current.removed, line),
    step: "caches",
    keyDestroyedAt: now(),
  }));
}

/**
 * The `caches` step: waits until every replica's key cache has let the destroyed key go
 * (`keyring.cacheMs` after it was destroyed), then the job is done.
 */
export async function expireKeyCaches(
  targets: ErasureTargets,
  job: ErasureJob,
  save: SaveJob,
  now: () => number,
  wait: (ms: number, signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const destroyedAt = job.keyDestroyedAt ?? now();
  const remaining = destroyedAt + targets.keyring.cacheMs - now();
  if (remaining > 0) await wait(remaining, signal);
  const keys = job.removed.find((line) => line.target === "subject data key")?.count ?? 0;
  const line: ErasedItems = {
    store: "caches",
    engine: targets.kinds.keys,
    target: "data key cache",
    count: keys,
  };
  await save((current) => ({
    ...current,
    removed: addRemoved(current.removed, line),
    step: "done",
    finishTime: now(),
  }));
}
