import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Sqlite, { type Database } from "better-sqlite3";
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionError,
  throwIfAborted,
} from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import { positiveNumber } from "../../options.js";
import { backupDatabase, type Snapshottable } from "../../snapshot.js";
import { resolveConsumeOptions } from "../consume-options.js";
import type {
  AppendAck,
  BatchHandler,
  ConsumeOptions,
  EventLog,
  NewEvent,
  ReadOptions,
  StoredEvent,
  Topic,
  TopicPage,
  TopicPageRequest,
  TopicSpec,
} from "../port.js";
import { type Append, prepareAppend } from "./append.js";
import { closedError, toDomainError } from "./errors.js";
import { committedPositions, consumeGroup, type GroupDeps, GroupMembers } from "./groups.js";
import { AppendNotifier } from "./notifier.js";
import { follow } from "./reader.js";
import { scheduleSweeps, sweepExpired } from "./retention.js";
import { migrate } from "./schema.js";
import { prepareStatements, type Statements, type TopicRow } from "./statements.js";

/** Where the embedded log keeps its data, and how it behaves. */
export type EmbeddedEventLogOptions = (
  | {
      /** Directory for `events.sqlite` (plus its WAL files); created if missing. */
      readonly dataDir: string;
    }
  | {
      /** An open database to share (e.g. with other embedded stores); `close()` leaves it open. */
      readonly database: Database;
    }
) & {
  /** How often expired events are deleted, in ms. Default 60 000; 0 disables the sweep. */
  readonly retentionSweepMs?: number;
  /** Longest a follower waits for an in-process wake-up before it queries anyway. Default 1000. */
  readonly pollIntervalMs?: number;
  /** Events fetched per query by a reader. Default 256. */
  readonly pageSize?: number;
  /** Receives failures of background sweeps. Default: ignored (the next sweep retries). */
  readonly onBackgroundError?: (error: unknown) => void;
};

/** File name of the log's database inside `dataDir`. */
export const eventsDatabaseFile = "events.sqlite";

/**
 * The events port on SQLite (better-sqlite3, WAL): the embedded engine for laptops and
 * tests. One process owns the file; followers are woken in-process by appends, and fall
 * back to querying every `pollIntervalMs` for writers in other processes.
 */
export class EmbeddedEventLog implements EventLog, Snapshottable {
  readonly #db: Database;
  readonly #ownsDb: boolean;
  readonly #statements: Statements;
  readonly #append: Append;
  readonly #insertTopic: (tenant: string, spec: TopicSpec) => void;
  readonly #notifier = new AppendNotifier();
  readonly #pollIntervalMs: number;
  readonly #pageSize: number;
  readonly #stopSweeps: () => void;
  readonly #members = new GroupMembers();
  #closed = false;

  private constructor(db: Database, ownsDb: boolean, options: EmbeddedEventLogOptions) {
    this.#db = db;
    this.#ownsDb = ownsDb;
    migrate(db);
    this.#statements = prepareStatements(db);
    this.#append = prepareAppend(db, this.#statements);
    this.#insertTopic = prepareInsertTopic(db, this.#statements);
    this.#pollIntervalMs = positiveNumber(options.pollIntervalMs ?? 1000, "pollIntervalMs");
    this.#pageSize = positiveNumber(options.pageSize ?? 256, "pageSize");
    const sweepMs = options.retentionSweepMs ?? 60_000;
    this.#stopSweeps =
      sweepMs === 0
        ? () => {}
        : scheduleSweeps(
            positiveNumber(sweepMs, "retentionSweepMs"),
            () => (this.#closed ? Promise.resolve(0) : this.sweepRetention()),
            (error) => {
              if (!this.#closed) options.onBackgroundError?.(error);
            },
          );
  }

  /** Opens (creating if needed) the log in `dataDir`, or on a shared database. */
  static async open(options: EmbeddedEventLogOptions): Promise<EmbeddedEventLog> {
    const shared = "database" in options;
    let db: Database;
    try {
      if (shared) {
        db = options.database;
      } else {
        mkdirSync(options.dataDir, { recursive: true });
        db = new Sqlite(join(options.dataDir, eventsDatabaseFile));
      }
    } catch (error) {
      throw toDomainError(error);
    }
    try {
      return new EmbeddedEventLog(db, !shared, options);
    } catch (error) {
      if (!shared) db.close();
      throw toDomainError(error);
    }
  }

  async createTopic(tenant: string, spec: TopicSpec, signal?: AbortSignal): Promise<Topic> {
    throwIfAborted(signal);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${spec.partitions}`);
    }
    if (!Number.isInteger(spec.retentionMs) || spec.retentionMs < 0) {
      throw new RangeError(`retentionMs must be a non-negative integer, got ${spec.retentionMs}`);
    }
    this.#run(() => this.#insertTopic(tenant, spec));
    return { name: spec.name, partitions: spec.partitions, retentionMs: spec.retentionMs };
  }

  async getTopic(tenant: string, name: string, signal?: AbortSignal): Promise<Topic> {
    throwIfAborted(signal);
    return toTopic(this.#topic(tenant, name));
  }

  async setTopicRetention(
    tenant: string,
    name: string,
    retentionMs: number,
    signal?: AbortSignal,
  ): Promise<Topic> {
    throwIfAborted(signal);
    if (!Number.isInteger(retentionMs) || retentionMs < 0) {
      throw new RangeError(`retentionMs must be a non-negative integer, got ${retentionMs}`);
    }
    const { changes } = this.#run(() =>
      this.#statements.setRetention.run(retentionMs, tenant, name),
    );
    if (changes === 0) throw new NotFoundError("topic", name);
    return toTopic(this.#topic(tenant, name));
  }

  async listTopics(
    tenant: string,
    page: TopicPageRequest,
    signal?: AbortSignal,
  ): Promise<TopicPage> {
    throwIfAborted(signal);
    const rows = this.#run(() =>
      this.#statements.topicsPage.all(tenant, page.after ?? "", page.limit + 1),
    );
    const topics = rows.slice(0, page.limit).map(toTopic);
    const last = topics.at(-1);
    return rows.length > page.limit && last ? { topics, nextAfter: last.name } : { topics };
  }

  async append(
    tenant: string,
    topic: string,
    events: readonly NewEvent[],
    signal?: AbortSignal,
  ): Promise<AppendAck[]> {
    throwIfAborted(signal);
    const row = this.#topic(tenant, topic);
    const acks = this.#run(() => this.#append(row, events));
    if (acks.some((ack) => !ack.duplicate)) this.#notifier.notify(row.topic_id);
    return acks;
  }

  async *read(
    tenant: string,
    topic: string,
    options: ReadOptions,
    signal: AbortSignal,
  ): AsyncGenerator<StoredEvent, never, undefined> {
    throwIfAborted(signal);
    const row = this.#topic(tenant, topic);
    const { partition } = options;
    if (
      partition !== undefined &&
      !(Number.isInteger(partition) && partition >= 0 && partition < row.partitions)
    ) {
      throw new PreconditionError(
        `topic "${topic}" has partitions 0 to ${row.partitions - 1}, not ${partition}`,
        "partition",
      );
    }
    const deps = {
      statements: this.#statements,
      notifier: this.#notifier,
      pageSize: this.#pageSize,
      pollIntervalMs: this.#pollIntervalMs,
      run: <T>(query: () => T): T => this.#run(query),
    };
    return yield* follow(deps, row, options, signal);
  }

  async endOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]> {
    throwIfAborted(signal);
    const row = this.#topic(tenant, topic);
    return this.#run(() => this.#statements.nextOffsets.all(row.topic_id)).map((offset) =>
      BigInt(offset),
    );
  }

  async startOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]> {
    throwIfAborted(signal);
    const row = this.#topic(tenant, topic);
    return this.#run(() => {
      const ends = this.#statements.nextOffsets.all(row.topic_id);
      return ends.map((end, partition) =>
        BigInt(this.#statements.firstOffset.get(row.topic_id, partition) ?? end),
      );
    });
  }

  /**
   * Consumes as the process's one member of `group` (see `GroupMembers`: a second
   * `consume` of the same group and topic waits until the first has stopped).
   */
  async consume(
    tenant: string,
    topic: string,
    group: string,
    handler: BatchHandler,
    options: ConsumeOptions,
    signal: AbortSignal,
  ): Promise<void> {
    const resolved = resolveConsumeOptions(options);
    if (signal.aborted) return;
    const row = this.#topic(tenant, topic);
    const key = `${row.topic_id}\u0000${group}`;
    await this.#members.run(key, signal, () =>
      consumeGroup(this.#groupDeps(), row, group, handler, resolved, signal),
    );
  }

  async committedOffsets(
    tenant: string,
    topic: string,
    group: string,
    signal?: AbortSignal,
  ): Promise<bigint[]> {
    throwIfAborted(signal);
    return committedPositions(this.#groupDeps(), this.#topic(tenant, topic), group);
  }

  async deleteGroup(
    tenant: string,
    topic: string,
    group: string,
    signal?: AbortSignal,
  ): Promise<void> {
    throwIfAborted(signal);
    const row = this.#topic(tenant, topic);
    this.#run(() => this.#statements.deleteGroup.run(row.topic_id, group));
  }

  /** Deletes events older than their topic's retention now; returns how many. */
  sweepRetention(): Promise<number> {
    return sweepExpired(this.#statements, (query) => this.#run(query), Date.now());
  }

  /** Copies the database to `targetDir/events.sqlite` while the log keeps serving. */
  async snapshot(targetDir: string, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw closedError();
    await backupDatabase(this.#db, join(targetDir, eventsDatabaseFile), signal);
  }

  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      this.#statements.ping.get();
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : "sqlite failed" };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopSweeps();
    this.#notifier.close();
    if (this.#ownsDb) this.#db.close();
  }

  #groupDeps(): GroupDeps {
    return {
      statements: this.#statements,
      notifier: this.#notifier,
      pollIntervalMs: this.#pollIntervalMs,
      run: <T>(query: () => T): T => this.#run(query),
    };
  }

  #topic(tenant: string, name: string): TopicRow {
    const row = this.#run(() => this.#statements.topicByName.get(tenant, name));
    if (!row) throw new NotFoundError("topic", name);
    return row;
  }

  #run<T>(query: () => T): T {
    if (this.#closed) throw closedError();
    try {
      return query();
    } catch (error) {
      throw toDomainError(error);
    }
  }
}

function prepareInsertTopic(
  db: Database,
  statements: Statements,
): (tenant: string, spec: TopicSpec) => void {
  const transaction = db.transaction((tenant: string, spec: TopicSpec) => {
    const inserted = statements.insertTopic.run(
      tenant,
      spec.name,
      spec.partitions,
      spec.retentionMs,
      Date.now(),
    );
    if (inserted.changes === 0) throw new AlreadyExistsError("topic", spec.name);
    for (let partition = 0; partition < spec.partitions; partition++) {
      statements.insertPartition.run(inserted.lastInsertRowid, partition);
    }
  });
  return (tenant, spec) => transaction.immediate(tenant, spec);
}

function toTopic(row: TopicRow): Topic {
  return { name: row.name, partitions: row.partitions, retentionMs: row.retention_ms };
}
