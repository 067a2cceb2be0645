import type { Database } from "better-sqlite3";

/**
 * The embedded log's tables. A topic is a row of `topics`, unique by (tenant, name);
 * its surrogate `topic_id` stands for (tenant, topic) everywhere else, so the events'
 * unique indexes (topic_id, id) and (topic_id, partition_index, log_offset) are the
 * (tenant, topic, id) and (tenant, topic, partition, offset) keys in fewer bytes.
 *
 * - `partitions` holds each partition's next offset, so offsets never restart after
 *   retention has emptied a partition.
 * - `events.seq` is AUTOINCREMENT: it orders a topic's events by append across
 *   partitions and is never reused after deletes, so a follower's cursor stays valid.
 * - `appended_at` is non-decreasing in `seq` (the adapter guarantees it); reads by time
 *   and the retention sweep use its index.
 * - `group_offsets` holds each consumer group's committed position per partition: the
 *   next offset it will consume.
 */
const ddl = `
CREATE TABLE IF NOT EXISTS topics (
  topic_id     INTEGER PRIMARY KEY,
  tenant       TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  partitions   INTEGER NOT NULL,
  retention_ms INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  UNIQUE (tenant, name)
);
CREATE TABLE IF NOT EXISTS partitions (
  topic_id        INTEGER NOT NULL,
  partition_index INTEGER NOT NULL,
  next_offset     INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  topic_id        INTEGER NOT NULL,
  partition_index INTEGER NOT NULL,
  log_offset      INTEGER NOT NULL,
  id              TEXT    NOT NULL,
  key             TEXT    NOT NULL,
  payload         BLOB    NOT NULL,
  content_type    TEXT    NOT NULL,
  headers         TEXT,
  subject         TEXT    NOT NULL,
  time_ms         INTEGER NOT NULL,
  appended_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (topic_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_position ON events (topic_id, partition_index, log_offset);
CREATE INDEX IF NOT EXISTS events_by_seq ON events (topic_id, seq);
CREATE INDEX IF NOT EXISTS events_by_append_time ON events (topic_id, appended_at);
CREATE TABLE IF NOT EXISTS group_offsets (
  topic_id        INTEGER NOT NULL,
  group_name      TEXT    NOT NULL,
  partition_index INTEGER NOT NULL,
  next_offset     INTEGER NOT NULL,
  PRIMARY KEY (topic_id, group_name, partition_index)
) WITHOUT ROWID;
`;

/** Schema version written to `PRAGMA user_version`. */
export const schemaVersion = 2;

/**
 * Puts a database into the mode the log needs (WAL, NORMAL sync, a busy timeout) and
 * creates the tables if missing. Throws if the file holds a newer schema.
 */
export function migrate(db: Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  const version = db.pragma("user_version", { simple: true });
  if (typeof version === "number" && version > schemaVersion) {
    throw new Error(`events database has schema ${version}; this build knows ${schemaVersion}`);
  }
  db.transaction(() => {
    db.exec(ddl);
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
}
