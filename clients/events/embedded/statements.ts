import type { Database } from "better-sqlite3";

/** A `topics` row as the adapter reads it. */
export interface TopicRow {
  readonly topic_id: number;
  readonly name: string;
  readonly partitions: number;
  readonly retention_ms: number;
}

/** An `events` row as reads return it. */
export interface EventRow {
  readonly seq: number;
  readonly partition_index: number;
  readonly log_offset: number;
  readonly id: string;
  readonly key: string;
  readonly payload: Uint8Array;
  readonly content_type: string;
  readonly headers: string | null;
  readonly subject: string;
  readonly time_ms: number;
}

/** A stored event's position. */
export interface PositionRow {
  readonly partition_index: number;
  readonly log_offset: number;
}

/** A consumer group's committed position in one partition. */
export interface GroupOffsetRow {
  readonly partition_index: number;
  readonly next_offset: number;
}

type Offset = number | bigint;

const eventColumns =
  "seq, partition_index, log_offset, id, key, payload, content_type, headers, subject, time_ms";

/**
 * Every statement the embedded log runs, prepared once per database. Parameters are
 * positional and documented by the SQL next to them.
 */
export function prepareStatements(db: Database) {
  return {
    insertTopic: db.prepare<[string, string, number, number, number]>(
      `INSERT INTO topics (tenant, name, partitions, retention_ms, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, name) DO NOTHING`,
    ),
    insertPartition: db.prepare<[number | bigint, number]>(
      "INSERT INTO partitions (topic_id, partition_index, next_offset) VALUES (?, ?, 0)",
    ),
    topicByName: db.prepare<[string, string], TopicRow>(
      `SELECT topic_id, name, partitions, retention_ms FROM topics
       WHERE tenant = ? AND name = ?`,
    ),
    topicsPage: db.prepare<[string, string, number], TopicRow>(
      `SELECT topic_id, name, partitions, retention_ms FROM topics
       WHERE tenant = ? AND name > ? ORDER BY name LIMIT ?`,
    ),
    setRetention: db.prepare<[number, string, string]>(
      "UPDATE topics SET retention_ms = ? WHERE tenant = ? AND name = ?",
    ),
    topicsWithRetention: db.prepare<[], TopicRow>(
      `SELECT topic_id, name, partitions, retention_ms FROM topics WHERE retention_ms > 0`,
    ),
    positionById: db.prepare<[number, string], PositionRow>(
      "SELECT partition_index, log_offset FROM events WHERE topic_id = ? AND id = ?",
    ),
    nextOffset: db
      .prepare<[number, number], number>(
        "SELECT next_offset FROM partitions WHERE topic_id = ? AND partition_index = ?",
      )
      .pluck(),
    nextOffsets: db
      .prepare<[number], number>(
        "SELECT next_offset FROM partitions WHERE topic_id = ? ORDER BY partition_index",
      )
      .pluck(),
    firstOffset: db
      .prepare<[number, number], number>(
        `SELECT log_offset FROM events WHERE topic_id = ? AND partition_index = ?
         ORDER BY log_offset LIMIT 1`,
      )
      .pluck(),
    setNextOffset: db.prepare<[number, number, number]>(
      "UPDATE partitions SET next_offset = ? WHERE topic_id = ? AND partition_index = ?",
    ),
    insertEvent: db.prepare<
      [
        number,
        number,
        number,
        string,
        string,
        Uint8Array,
        string,
        string | null,
        string,
        number,
        number,
      ]
    >(
      `INSERT INTO events (topic_id, partition_index, log_offset, id, key, payload,
         content_type, headers, subject, time_ms, appended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    lastAppendTime: db
      .prepare<[], number>("SELECT appended_at FROM events ORDER BY seq DESC LIMIT 1")
      .pluck(),
    pageAll: db.prepare<[number, number, Offset, number], EventRow>(
      `SELECT ${eventColumns} FROM events
       WHERE topic_id = ? AND seq > ? AND log_offset >= ? ORDER BY seq LIMIT ?`,
    ),
    pagePartition: db.prepare<[number, number, Offset, number], EventRow>(
      `SELECT ${eventColumns} FROM events
       WHERE topic_id = ? AND partition_index = ? AND log_offset > ? ORDER BY log_offset LIMIT ?`,
    ),
    lastSeq: db
      .prepare<[number], number>(
        "SELECT seq FROM events WHERE topic_id = ? ORDER BY seq DESC LIMIT 1",
      )
      .pluck(),
    firstSeqAtOffset: db
      .prepare<[number, number, Offset], number>(
        `SELECT seq FROM events WHERE topic_id = ? AND partition_index = ? AND log_offset >= ?
         ORDER BY log_offset LIMIT 1`,
      )
      .pluck(),
    firstSeqAtTime: db
      .prepare<[number, number], number>(
        `SELECT seq FROM events WHERE topic_id = ? AND appended_at >= ?
         ORDER BY appended_at, seq LIMIT 1`,
      )
      .pluck(),
    firstOffsetAtTime: db
      .prepare<[number, number, number], number>(
        `SELECT log_offset FROM events WHERE topic_id = ? AND partition_index = ? AND appended_at >= ?
         ORDER BY log_offset LIMIT 1`,
      )
      .pluck(),
    deleteExpired: db.prepare<[number, number, number]>(
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events WHERE topic_id = ? AND appended_at < ? ORDER BY appended_at LIMIT ?)`,
    ),
    groupOffsets: db.prepare<[number, string], GroupOffsetRow>(
      `SELECT partition_index, next_offset FROM group_offsets
       WHERE topic_id = ? AND group_name = ?`,
    ),
    commitGroupOffset: db.prepare<[number, string, number, Offset]>(
      `INSERT INTO group_offsets (topic_id, group_name, partition_index, next_offset)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (topic_id, group_name, partition_index) DO UPDATE SET next_offset = excluded.next_offset`,
    ),
    deleteGroup: db.prepare<[number, string]>(
      "DELETE FROM group_offsets WHERE topic_id = ? AND group_name = ?",
    ),
    ping: db.prepare<[], number>("SELECT 1").pluck(),
  };
}

/** The prepared statements of one database. */
export type Statements = ReturnType<typeof prepareStatements>;
