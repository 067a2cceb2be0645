import { NotFoundError, PreconditionError } from "../../clients/errors.js";
import type { ConsumedBatch, EventLog } from "../../clients/events/port.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { limits } from "../limits.js";
import { decodeEvent } from "./chunk.js";
import { checkChunk, describeViolations } from "./chunk-checks.js";
import { type Poison, publishDeadLetters } from "./dead-letters.js";
import type { IngestionSettings } from "./settings.js";
import { type ChunkEvent, type ChunkWrites, outsideEndpoints, writesOf } from "./writes.js";

/** The stores ingestion writes to. */
export interface ProjectionStores {
  readonly events: EventLog;
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
}

/** What became of a batch's events. */
export interface BatchOutcome {
  /** Chunks written. */
  readonly projected: number;
  /** Events of other content types, left alone. */
  readonly skipped: number;
  /** Events sent to the dead-letter topic. */
  readonly poisons: readonly Poison[];
}

/**
 * Whether a store refused a write for something in the data (a vector of the wrong
 * dimension, a relationship to a missing node, a value it cannot hold): the event is at
 * fault, and goes to the dead-letter topic. Anything else (an engine down or slow, a
 * quota, a collection that is gone, a bug) is retried and never dead-lettered.
 */
export function isRefusal(error: unknown): boolean {
  return (
    error instanceof PreconditionError ||
    error instanceof RangeError ||
    (error instanceof NotFoundError && error.kind === "node")
  );
}

/**
 * Projects one batch of a partition: decodes and checks every event, writes the valid
 * chunks together (one upsert of points, one of nodes, one of relationships, each in
 * slices of the API's batch limit), and publishes the dead letters of the rest. When a
 * store refuses the batch's writes, the chunks are written one at a time so only the
 * ones at fault are dead-lettered. Throws (so the batch is delivered again) on anything
 * but a refusal; every write is idempotent, so a repeat gives the same state.
 */
export async function projectBatch(
  stores: ProjectionStores,
  settings: IngestionSettings,
  batch: ConsumedBatch,
  signal: AbortSignal,
  now: () => Date = () => new Date(),
): Promise<BatchOutcome> {
  const poisons: Poison[] = [];
  const valid: ChunkEvent[] = [];
  let skipped = 0;
  for (const event of batch.events) {
    const decoded = decodeEvent(event);
    if (decoded.kind === "skipped") skipped++;
    else if (decoded.kind === "undecodable") {
      poisons.push({ event, kind: "undecodable", reason: decoded.reason });
    } else {
      const violations = checkChunk(decoded.chunk);
      if (violations.length === 0) valid.push({ event, chunk: decoded.chunk });
      else poisons.push({ event, kind: "invalid", reason: describeViolations(violations) });
    }
  }
  let projected = valid.length;
  try {
    await write(stores, settings, writesOf(settings.topic, valid, settings, now()), signal);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    projected = 0;
    for (const item of valid) {
      const refusal = await writeOne(stores, settings, item, now(), signal);
      if (refusal === undefined) projected++;
      else poisons.push({ event: item.event, kind: "refused", reason: refusal });
    }
  }
  poisons.sort((a, b) => Number(a.event.offset - b.event.offset));
  await publishDeadLetters(stores.events, settings, poisons, signal);
  return { projected, skipped, poisons };
}

/** Writes one chunk; resolves with the reason a store refused it, if one did. */
async function writeOne(
  stores: ProjectionStores,
  settings: IngestionSettings,
  item: ChunkEvent,
  now: Date,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (settings.graph) {
    const outside = outsideEndpoints(item.chunk);
    if (outside.length > 0) {
      const { nodes } = await stores.graphs.countExisting(
        settings.tenant,
        { nodeIds: outside, relationshipIds: [] },
        signal,
      );
      if (nodes < outside.length) {
        return "a relation's endpoint is neither an entity of the chunk nor an existing node";
      }
    }
  }
  try {
    await write(stores, settings, writesOf(settings.topic, [item], settings, now), signal);
    return undefined;
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return error instanceof Error ? error.message : String(error);
  }
}

async function write(
  stores: ProjectionStores,
  settings: IngestionSettings,
  writes: ChunkWrites,
  signal: AbortSignal,
): Promise<void> {
  const { tenant, collection } = settings;
  for (const points of slices(writes.points)) {
    await stores.vectors.upsert(tenant, collection, points, signal);
  }
  for (const nodes of slices(writes.nodes)) {
    await stores.graphs.upsertNodes(tenant, nodes, signal);
  }
  for (const relationships of slices(writes.relationships)) {
    await stores.graphs.upsertRelationships(tenant, relationships, signal);
  }
}

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += limits.maxBatchItems) {
    out.push(items.slice(start, start + limits.maxBatchItems));
  }
  return out;
}
