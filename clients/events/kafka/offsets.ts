import type { Admin, Kafka } from "kafkajs";
import { EngineUnavailableError, NotFoundError, PreconditionError } from "../../errors.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import type { ReadStart } from "../port.js";
import type { TopicTarget } from "./admin.js";
import { hasErrorType, kafkaEngine, toKafkaError } from "./errors.js";

const groupMissing: ReadonlySet<string> = new Set(["GROUP_ID_NOT_FOUND"]);
const groupBusy: ReadonlySet<string> = new Set(["NON_EMPTY_GROUP"]);

/** Where a read begins in each partition. */
export interface StartPositions {
  /** The offset to fetch from: always within the partition's current log. */
  readonly seek: Map<number, bigint>;
  /** The first offset to deliver (beyond `seek` when asked for an offset not written yet). */
  readonly deliverFrom: Map<number, bigint>;
}

/** Distinct topics the lookup client may have asked about before it is rebuilt. */
const maxTopicsPerClient = 1000;

/**
 * Finds where reads start, with kafkajs's admin offset lookups (ListOffsets: earliest,
 * latest, by timestamp). kafkajs adds every topic these calls name to its client's
 * "target topics" and asks for all of them on each metadata refresh, and once one of them
 * is deleted every refresh fails. So the lookups get an admin client of their own, rebuilt
 * when a lookup reports an unknown topic (then tried once more) and after every 1000
 * distinct topics. Every lookup runs under Kafka's policy, which retries metadata churn
 * (a leader not serving yet, typically right after the topic was created) briefly.
 */
export class OffsetLookup {
  readonly #kafka: Kafka;
  #admin: Promise<Admin> | undefined;
  readonly #topics = new Set<string>();
  readonly #policy: EnginePolicy;

  constructor(kafka: Kafka, policy: EnginePolicy) {
    this.#kafka = kafka;
    this.#policy = policy;
  }

  /** Connects the lookup client now, so that the first read does not wait for it. */
  async connect(): Promise<void> {
    await this.#client();
  }

  /**
   * Where a read of `partitions` of `target` that starts at `start` begins: for
   * `beginning` the earliest retained offset, for `latest` the end of the log now, for
   * `time` the first offset whose append time is at or after it (the end if none), for
   * `offset` that offset (fetching from the earliest retained one if it is older, and from
   * the end, delivering nothing before it, if it is not written yet).
   */
  async startPositions(
    target: TopicTarget,
    partitions: readonly number[],
    start: ReadStart,
  ): Promise<StartPositions> {
    const seek = new Map<number, bigint>();
    const deliverFrom = new Map<number, bigint>();
    if (start.kind === "time") {
      const found = await this.#lookup(target, (admin) =>
        admin.fetchTopicOffsetsByTimestamp(target.physical, start.time.getTime()),
      );
      for (const { partition, offset } of found) seek.set(partition, BigInt(offset));
    } else {
      const offsets = await this.#lookup(target, (admin) =>
        admin.fetchTopicOffsets(target.physical),
      );
      for (const { partition, low, high } of offsets) {
        const [first, end] = [BigInt(low), BigInt(high)];
        if (start.kind === "beginning") seek.set(partition, first);
        if (start.kind === "latest") seek.set(partition, end);
        if (start.kind === "offset") {
          seek.set(partition, clamp(start.offset, first, end));
          deliverFrom.set(partition, start.offset > first ? start.offset : first);
        }
      }
    }
    const selected = new Map<number, bigint>();
    for (const partition of partitions) {
      const offset = seek.get(partition);
      if (offset === undefined) {
        throw new EngineUnavailableError(kafkaEngine, {
          cause: new Error(`no offsets for partition ${partition} of ${target.physical}`),
        });
      }
      selected.set(partition, offset);
      if (!deliverFrom.has(partition)) deliverFrom.set(partition, offset);
    }
    return { seek: selected, deliverFrom };
  }

  /**
   * The high watermark of every partition of `target`, by partition number. Throws
   * `EngineUnavailableError` if the cluster leaves a partition out.
   */
  async endOffsets(target: TopicTarget): Promise<bigint[]> {
    return this.#watermarks(target, "high");
  }

  /**
   * The low watermark (first retained offset) of every partition of `target`, by
   * partition number. Throws `EngineUnavailableError` if the cluster leaves a partition out.
   */
  async startOffsets(target: TopicTarget): Promise<bigint[]> {
    return this.#watermarks(target, "low");
  }

  async #watermarks(target: TopicTarget, mark: "low" | "high"): Promise<bigint[]> {
    const offsets = await this.#lookup(target, (admin) => admin.fetchTopicOffsets(target.physical));
    const ends = new Map(offsets.map((offset) => [offset.partition, BigInt(offset[mark])]));
    return Array.from({ length: ends.size }, (_, partition) => {
      const end = ends.get(partition);
      if (end === undefined) {
        throw new EngineUnavailableError(kafkaEngine, {
          cause: new Error(`no offsets for partition ${partition} of ${target.physical}`),
        });
      }
      return end;
    });
  }

  /**
   * The committed offset of consumer group `groupId` in every partition of `target`, by
   * partition number; 0 where the group has committed nothing.
   */
  async committedOffsets(target: TopicTarget, groupId: string): Promise<bigint[]> {
    const [topic] = await this.#lookup(target, (admin) =>
      admin.fetchOffsets({ groupId, topics: [target.physical] }),
    );
    const offsets = Array.from({ length: target.partitions }, () => 0n);
    for (const { partition, offset } of topic?.partitions ?? []) {
      const committed = BigInt(offset);
      if (partition < offsets.length && committed > 0n) offsets[partition] = committed;
    }
    return offsets;
  }

  /**
   * Deletes consumer group `groupId` with its committed offsets. A group that does not
   * exist is no error; one that still has members is a `PreconditionError`.
   */
  async deleteGroup(target: TopicTarget, groupId: string): Promise<void> {
    try {
      await this.#lookup(target, (admin) => admin.deleteGroups([groupId]));
    } catch (error) {
      if (groupErrorIs(error, groupMissing)) return;
      if (groupErrorIs(error, groupBusy)) {
        throw new PreconditionError(`consumer group "${groupId}" still has members`);
      }
      throw error;
    }
  }

  /** Disconnects the lookup client. */
  async close(): Promise<void> {
    await this.#reset();
  }

  async #lookup<T>(target: TopicTarget, run: (admin: Admin) => Promise<T>): Promise<T> {
    if (!this.#topics.has(target.physical)) {
      if (this.#topics.size >= maxTopicsPerClient) await this.#reset();
      this.#topics.add(target.physical);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#policy.run(async () => run(await this.#client()), { idempotent: true });
      } catch (error) {
        const mapped = toKafkaError(error, target.name);
        if (!(mapped instanceof NotFoundError)) throw mapped;
        await this.#reset();
        if (attempt === 2) throw mapped;
      }
    }
  }

  #client(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin({ retry: { retries: 0 } });
      const connected = admin.connect().then(() => admin);
      connected.catch(() => {
        if (this.#admin === connected) this.#admin = undefined;
      });
      this.#admin = connected;
    }
    return this.#admin;
  }

  async #reset(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    this.#topics.clear();
    await admin?.then((client) => client.disconnect()).catch(() => {});
  }
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  return value < low ? low : value > high ? high : value;
}

/** Whether a DeleteGroups failure (`KafkaJSDeleteGroupsError`) is, for a group, one of `types`. */
function groupErrorIs(error: unknown, types: ReadonlySet<string>): boolean {
  const groups = (error as { groups?: unknown } | null)?.groups;
  return (
    hasErrorType(error, types) ||
    (Array.isArray(groups) &&
      groups.some((group: { error?: unknown }) => hasErrorType(group.error, types)))
  );
}
