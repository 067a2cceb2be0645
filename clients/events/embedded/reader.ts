import { throwIfAborted } from "../../errors.js";
import type { ReadOptions, ReadStart, StoredEvent } from "../port.js";
import type { AppendNotifier } from "./notifier.js";
import type { EventRow, Statements, TopicRow } from "./statements.js";

/** What a follower needs from the log that owns it. */
export interface FollowDeps {
  readonly statements: Statements;
  readonly notifier: AppendNotifier;
  /** Rows fetched per query. */
  readonly pageSize: number;
  /** Longest wait without a wake-up before querying again (appends by other processes). */
  readonly pollIntervalMs: number;
  /** Runs a statement, mapping SQLite failures (and a closed log) to domain errors. */
  run<T>(query: () => T): T;
}

/** A position in a topic that pages forward. */
interface Cursor {
  page(limit: number): EventRow[];
  advance(row: EventRow): void;
}

/**
 * Replays `topic` from `options.start`, then follows appends until `signal` aborts, at
 * which point it throws the domain error of `throwIfAborted`. Reads page by page from
 * SQLite; nothing beyond one page is held in memory.
 */
export async function* follow(
  deps: FollowDeps,
  topic: TopicRow,
  options: ReadOptions,
  signal: AbortSignal,
): AsyncGenerator<StoredEvent, never, undefined> {
  const cursor = deps.run(() =>
    options.partition === undefined
      ? allPartitions(deps.statements, topic, options.start)
      : onePartition(deps.statements, topic.topic_id, options.partition, options.start),
  );
  for (;;) {
    throwIfAborted(signal);
    const seen = deps.notifier.version(topic.topic_id);
    const rows = deps.run(() => cursor.page(deps.pageSize));
    for (const row of rows) {
      throwIfAborted(signal);
      cursor.advance(row);
      yield toStoredEvent(row);
    }
    if (rows.length < deps.pageSize) {
      await deps.notifier.wait(topic.topic_id, seen, signal, deps.pollIntervalMs);
    }
  }
}

function allPartitions(statements: Statements, topic: TopicRow, start: ReadStart): Cursor {
  const topicId = topic.topic_id;
  const latest = (): number => statements.lastSeq.get(topicId) ?? 0;
  let minOffset = 0n;
  let afterSeq = 0;
  if (start.kind === "latest") afterSeq = latest();
  if (start.kind === "time") {
    const first = statements.firstSeqAtTime.get(topicId, start.time.getTime());
    afterSeq = first === undefined ? latest() : first - 1;
  }
  if (start.kind === "offset") {
    minOffset = start.offset;
    afterSeq = seqBeforeOffset(statements, topic, start.offset) ?? latest();
  }
  return {
    page: (limit) => statements.pageAll.all(topicId, afterSeq, minOffset, limit),
    advance: (row) => {
      afterSeq = row.seq;
    },
  };
}

/** The seq just before the first event at or after `offset` in any partition, if one exists. */
function seqBeforeOffset(
  statements: Statements,
  topic: TopicRow,
  offset: bigint,
): number | undefined {
  let first: number | undefined;
  for (let partition = 0; partition < topic.partitions; partition++) {
    const seq = statements.firstSeqAtOffset.get(topic.topic_id, partition, offset);
    if (seq !== undefined && (first === undefined || seq < first)) first = seq;
  }
  return first === undefined ? undefined : first - 1;
}

function onePartition(
  statements: Statements,
  topicId: number,
  partition: number,
  start: ReadStart,
): Cursor {
  const end = (): bigint => BigInt(statements.nextOffset.get(topicId, partition) ?? 0) - 1n;
  let afterOffset = -1n;
  if (start.kind === "offset") afterOffset = start.offset - 1n;
  if (start.kind === "latest") afterOffset = end();
  if (start.kind === "time") {
    const first = statements.firstOffsetAtTime.get(topicId, partition, start.time.getTime());
    afterOffset = first === undefined ? end() : BigInt(first) - 1n;
  }
  return {
    page: (limit) => statements.pagePartition.all(topicId, partition, afterOffset, limit),
    advance: (row) => {
      afterOffset = BigInt(row.log_offset);
    },
  };
}

/** A stored row as the port's event. */
export function toStoredEvent(row: EventRow): StoredEvent {
  const payload = row.payload;
  return {
    id: row.id,
    key: row.key,
    payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
    contentType: row.content_type,
    headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
    subject: row.subject,
    time: new Date(row.time_ms),
    partition: row.partition_index,
    offset: BigInt(row.log_offset),
  };
}
