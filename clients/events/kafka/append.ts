import { randomUUID } from "node:crypto";
import { EngineUnavailableError, throwIfAborted } from "../../errors.js";
import { pause } from "../../signals.js";
import type { Claim, IdempotencyIndex, StoredPosition } from "../idempotency/index.js";
import { partitionForKey } from "../partitioner.js";
import type { AppendAck, NewEvent } from "../port.js";
import type { TopicTarget } from "./admin.js";
import { kafkaEngine } from "./errors.js";
import { encodeHeaders } from "./headers.js";
import type { EventProducer, OutgoingRecord } from "./producer.js";

/** What the append path needs from the log that owns it. */
export interface AppendDeps {
  readonly index: IdempotencyIndex;
  readonly producer: EventProducer;
  /** How long a stored id is remembered, in ms. */
  readonly windowMs: number;
  /** How long a claim blocks other publishers of the same id if its owner never finishes, in ms. */
  readonly claimTtlMs: number;
  /** Longest wait for ids that other publishers are writing, in ms. */
  readonly claimWaitMs: number;
  /** Receives failures to record positions after a successful write. */
  readonly onBackgroundError: (error: unknown) => void;
}

/**
 * Appends a batch once per id: claims every id in the idempotency index, produces the
 * claimed ones in one produce request, then records where they landed (or releases the
 * claims if the produce failed). Ids recorded earlier are acked as duplicates of the
 * original record; a repeat within the batch as a duplicate of its first occurrence.
 *
 * While another publisher holds a claim on one of the ids, this publisher releases its
 * own claims, backs off and tries again, for at most `claimWaitMs`; then it fails with
 * `EngineUnavailableError` (retryable). The signal is honoured until the produce starts;
 * a produce that has started is finished and recorded even if the caller gave up.
 */
export async function appendOnce(
  deps: AppendDeps,
  target: TopicTarget,
  events: readonly NewEvent[],
  signal: AbortSignal | undefined,
): Promise<AppendAck[]> {
  const firstIndex = new Map<string, number>();
  events.forEach((event, index) => {
    if (event.id.length === 0) throw new RangeError(`events[${index}].id must not be empty`);
    if (!firstIndex.has(event.id)) firstIndex.set(event.id, index);
  });
  const ids = [...firstIndex.keys()];
  const owner = randomUUID();
  const claims = await claimAll(deps, target.physical, ids, owner, signal);

  const positions = new Map<string, StoredPosition>();
  const toWrite: { id: string; record: OutgoingRecord }[] = [];
  claims.forEach((claim, i) => {
    const id = ids[i] ?? "";
    if (claim.kind === "recorded") positions.set(id, claim.position);
    else toWrite.push({ id, record: toRecord(events[firstIndex.get(id) ?? 0], target) });
  });
  if (toWrite.length > 0) {
    const written = toWrite.map((w) => w.id);
    let offsets: bigint[];
    try {
      throwIfAborted(signal);
      offsets = await deps.producer.send(
        target,
        toWrite.map((w) => w.record),
      );
    } catch (error) {
      await deps.index.release(target.physical, written, owner).catch(deps.onBackgroundError);
      throw error;
    }
    const entries = toWrite.map((w, i) => ({
      id: w.id,
      position: { partition: w.record.partition, offset: offsets[i] ?? -1n },
    }));
    for (const entry of entries) positions.set(entry.id, entry.position);
    await deps.index
      .record(target.physical, entries, owner, deps.windowMs)
      .catch(deps.onBackgroundError);
  }

  const fresh = new Set(toWrite.map((w) => w.id));
  return events.map((event, index) => {
    const position = positions.get(event.id) ?? { partition: -1, offset: -1n };
    const duplicate = !fresh.has(event.id) || firstIndex.get(event.id) !== index;
    return { id: event.id, partition: position.partition, offset: position.offset, duplicate };
  });
}

/** Claims all ids, or none: retries while other publishers hold some of them. */
async function claimAll(
  deps: AppendDeps,
  scope: string,
  ids: readonly string[],
  owner: string,
  signal: AbortSignal | undefined,
): Promise<Claim[]> {
  const deadline = Date.now() + deps.claimWaitMs;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    const claims = await deps.index.claim(scope, ids, owner, deps.claimTtlMs);
    const pending = claims.filter((claim) => claim.kind === "pending").length;
    if (pending === 0) return claims;
    const mine = ids.filter((_, i) => claims[i]?.kind === "claimed");
    await deps.index.release(scope, mine, owner);
    if (Date.now() >= deadline) {
      throw new EngineUnavailableError(kafkaEngine, {
        cause: new Error(`${pending} of the ids are being written by another publisher`),
      });
    }
    const backoffMs = Math.min(5 * 2 ** attempt, 200) * (0.5 + Math.random() / 2);
    await pause(backoffMs, signal);
  }
}

function toRecord(event: NewEvent | undefined, target: TopicTarget): OutgoingRecord {
  if (!event) throw new Error("no event for a claimed id");
  const key = event.key || event.id;
  const payload = event.payload;
  return {
    key,
    partition: partitionForKey(key, target.partitions),
    value: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    headers: encodeHeaders(event),
  };
}
