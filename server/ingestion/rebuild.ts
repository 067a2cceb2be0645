import type { MessageInitShape } from "@bufbuild/protobuf";
import { NotFoundError, PreconditionError } from "../../clients/errors.js";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import type { PointInput, VectorStore } from "../../clients/vectors/port.js";
import type {
  RebuildCollectionRequest,
  RebuildCollectionResponseSchema,
} from "../../gen/ragplane/v1/ingestion_pb.js";
import { Distance } from "../../gen/ragplane/v1/vectors_pb.js";
import { toDistance, toIndexSettings, toPayloadIndex } from "../services/vectors/convert.js";
import { decodeEvent } from "./chunk.js";
import { checkChunk } from "./chunk-checks.js";
import { isRefusal } from "./project-batch.js";
import { type ChunkEvent, writesOf } from "./writes.js";

type Report = MessageInitShape<typeof RebuildCollectionResponseSchema>;

/** What a rebuild reads and writes. */
export interface RebuildStores {
  readonly events: EventLog;
  readonly vectors: VectorStore;
}

/** How often a rebuild reports. */
export interface RebuildPacing {
  /** Least time between two progress reports, in ms. Default 200. */
  readonly reportEveryMs?: number;
  /** Events read between two reports at the most (a report is due then however soon). Default 10 000. */
  readonly reportEveryEvents?: number;
  /** Chunks written in one upsert. Default 256. */
  readonly batchEvents?: number;
}

/** The running counts of a rebuild. */
interface Counts {
  read: bigint;
  projected: bigint;
  skipped: bigint;
  readonly total: bigint;
}

/**
 * Re-projects `request.topic` into `request.target`: reads every partition from
 * `from_offset` (or its first retained event, when retention removed the ones before) up
 * to its end as the call started, writes the chunks' vectors (with
 * their payload and lineage, as ingestion writes them) in batches, skipping events that
 * are not valid chunks, have no vector or one of another length than the target's. The
 * target is created when missing, with the request's dimension (0: the first vector's
 * length), distance, payload indexes and index settings. Yields a report at most every
 * `reportEveryMs` (or `reportEveryEvents` events), and a last one with `done` once
 * `request.alias` points at the target. Cancelled, it stops with the alias untouched;
 * called again it writes the same points again.
 */
export async function* rebuildCollection(
  stores: RebuildStores,
  tenant: string,
  request: RebuildCollectionRequest,
  signal: AbortSignal,
  pacing: RebuildPacing = {},
): AsyncGenerator<Report> {
  const { events, vectors } = stores;
  const reportEveryMs = pacing.reportEveryMs ?? 200;
  const reportEveryEvents = BigInt(pacing.reportEveryEvents ?? 10_000);
  const batchEvents = pacing.batchEvents ?? 256;
  const [starts, ends] = await Promise.all([
    events.startOffsets(tenant, request.topic, signal),
    events.endOffsets(tenant, request.topic, signal),
  ]);
  const firsts = ends.map((_, partition) => {
    const retained = starts[partition] ?? 0n;
    return retained > request.fromOffset ? retained : request.fromOffset;
  });
  const total = ends.reduce((sum, end, p) => sum + span(firsts[p] ?? end, end), 0n);
  const counts: Counts = { read: 0n, projected: 0n, skipped: 0n, total };
  let dimension = await targetDimension(vectors, tenant, request, signal);
  let pending: ChunkEvent[] = [];
  let reportedAt = Date.now();
  let reportedRead = 0n;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    if (dimension === undefined) throw new Error("the target's dimension is not known yet");
    const { points } = writesOf(
      request.topic,
      batch,
      { collection: request.target, graph: false },
      new Date(),
    );
    counts.projected += BigInt(
      await upsertSkippingRefusals(vectors, tenant, request.target, points, counts, signal),
    );
  };

  for (const [partition, end] of ends.entries()) {
    const first = firsts[partition] ?? end;
    if (end <= first) continue;
    const range = { partition, from: first, end };
    for await (const event of readUntil(events, tenant, request.topic, range, signal)) {
      counts.read++;
      const chunk = chunkWithVector(event);
      if (chunk !== undefined && dimension === undefined) {
        dimension = await createTarget(vectors, tenant, request, chunk.chunk.vector.length, signal);
      }
      if (chunk === undefined || chunk.chunk.vector.length !== dimension) counts.skipped++;
      else pending.push(chunk);
      if (pending.length >= batchEvents) await flush();
      const now = Date.now();
      if (now - reportedAt >= reportEveryMs || counts.read - reportedRead >= reportEveryEvents) {
        await flush();
        reportedAt = now;
        reportedRead = counts.read;
        yield report(counts);
      }
    }
  }
  await flush();
  if (dimension === undefined) {
    throw new PreconditionError(
      `topic "${request.topic}" holds no chunk with a vector to take the dimension from: set dimension`,
      "dimension",
    );
  }
  if (request.alias === "") {
    yield { ...report(counts), done: true };
    return;
  }
  await vectors.putAlias(tenant, request.alias, request.target, signal);
  yield {
    ...report(counts),
    done: true,
    alias: { name: request.alias, collection: request.target },
  };
}

/** Events from `first` up to `end`, none when `end` is not past it. */
function span(first: bigint, end: bigint): bigint {
  return end > first ? end - first : 0n;
}

function report(counts: Counts): {
  read: bigint;
  projected: bigint;
  skipped: bigint;
  total: bigint;
} {
  return {
    read: counts.read,
    projected: counts.projected,
    skipped: counts.skipped,
    total: counts.total,
  };
}

/** The target's dimension when it exists (checked against the request's), else the request's (0: not known yet). */
async function targetDimension(
  vectors: VectorStore,
  tenant: string,
  request: RebuildCollectionRequest,
  signal: AbortSignal,
): Promise<number | undefined> {
  try {
    const existing = await vectors.getCollection(tenant, request.target, signal);
    if (request.dimension !== 0 && request.dimension !== existing.dimension) {
      throw new PreconditionError(
        `collection "${request.target}" exists with dimension ${existing.dimension}, not ${request.dimension}`,
        "dimension",
      );
    }
    return existing.dimension;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  if (request.dimension === 0) return undefined;
  return createTarget(vectors, tenant, request, request.dimension, signal);
}

async function createTarget(
  vectors: VectorStore,
  tenant: string,
  request: RebuildCollectionRequest,
  dimension: number,
  signal: AbortSignal,
): Promise<number> {
  await vectors.createCollection(
    tenant,
    {
      name: request.target,
      dimension,
      distance: toDistance(request.distance === 0 ? Distance.COSINE : request.distance),
      payloadIndexes: request.payloadIndexes.map(toPayloadIndex),
      index: toIndexSettings(request.index),
    },
    signal,
  );
  return dimension;
}

/** The event as a valid chunk with a vector, or undefined when it is none. */
function chunkWithVector(event: StoredEvent): ChunkEvent | undefined {
  const decoded = decodeEvent(event);
  if (decoded.kind !== "chunk" || decoded.chunk.vector.length === 0) return undefined;
  if (checkChunk(decoded.chunk).length > 0) return undefined;
  return { event, chunk: decoded.chunk };
}

/** Upserts `points`; when the store refuses the batch, one at a time, counting refused ones as skipped. */
async function upsertSkippingRefusals(
  vectors: VectorStore,
  tenant: string,
  collection: string,
  points: readonly PointInput[],
  counts: Counts,
  signal: AbortSignal,
): Promise<number> {
  try {
    await vectors.upsert(tenant, collection, points, signal);
    return points.length;
  } catch (error) {
    if (!isRefusal(error)) throw error;
  }
  let written = 0;
  for (const point of points) {
    try {
      await vectors.upsert(tenant, collection, [point], signal);
      written++;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      counts.skipped++;
    }
  }
  return written;
}

/** The events of one partition from `range.from` up to (not including) `range.end`. */
async function* readUntil(
  events: EventLog,
  tenant: string,
  topic: string,
  range: { readonly partition: number; readonly from: bigint; readonly end: bigint },
  signal: AbortSignal,
): AsyncGenerator<StoredEvent> {
  const start = { kind: "offset", offset: range.from } as const;
  for await (const event of events.read(
    tenant,
    topic,
    { start, partition: range.partition },
    signal,
  )) {
    if (event.offset >= range.end) return;
    yield event;
    if (event.offset + 1n >= range.end) return;
  }
}
