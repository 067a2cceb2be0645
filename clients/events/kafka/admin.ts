import { setTimeout as sleep } from "node:timers/promises";
import type { Admin, ConfigResourceTypes } from "kafkajs";
import { AlreadyExistsError, NotFoundError } from "../../errors.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import type { Topic, TopicPage, TopicPageRequest, TopicSpec } from "../port.js";
import { toKafkaError } from "./errors.js";
import { isMetadataChurn } from "./policy.js";
import { alterTopicRetention } from "./retention-config.js";
import type { TopicNames } from "./topic-names.js";

/** Cluster-side settings of the topics the adapter creates. */
export interface TopicAdminOptions {
  /** Replicas per partition; -1 uses the broker's `default.replication.factor`. */
  readonly replicationFactor: number;
  /** The topics' `max.message.bytes`: the largest record batch one partition accepts. */
  readonly maxMessageBytes: number;
  /** How long a topic's partition count is cached for appends, in ms. */
  readonly metadataCacheMs: number;
  /** Longest wait for a new topic to show up in the brokers' metadata, in ms. */
  readonly requestTimeoutMs: number;
}

/** A topic as the adapter addresses it. */
export interface TopicTarget {
  /** The tenant's name for it. */
  readonly name: string;
  /** Its Kafka topic. */
  readonly physical: string;
  readonly partitions: number;
}

const topicResource = 2 as ConfigResourceTypes;
const retentionConfig = "retention.ms";
const dayMs = 86_400_000;

/**
 * Topic management over kafkajs's admin client. It only ever asks about named topics, so
 * it never accumulates kafkajs "target topics" (see `OffsetLookup` for the calls that do).
 */
export class TopicAdmin {
  readonly #admin: Admin;
  readonly #names: TopicNames;
  readonly #options: TopicAdminOptions;
  readonly #partitions = new Map<string, { count: number; expiresAt: number }>();
  readonly #policy: EnginePolicy;

  /** `admin` should not retry by itself: every request goes through `policy`. */
  constructor(admin: Admin, names: TopicNames, options: TopicAdminOptions, policy: EnginePolicy) {
    this.#admin = admin;
    this.#names = names;
    this.#options = options;
    this.#policy = policy;
  }

  /** Connects the admin client. */
  async connect(): Promise<void> {
    await this.#admin.connect();
  }

  /**
   * Creates the tenant's topic: its partitions, `retention.ms` (-1 for 0, "forever"),
   * `LogAppendTime` timestamps and `max.message.bytes`. Kafka deletes whole closed
   * segments only, so a topic with a retention also gets `segment.ms` of that retention
   * (at least a minute, at most a day): expired events then go within about twice the
   * retention rather than after the broker's week-long default segments.
   */
  async create(physical: string, spec: TopicSpec): Promise<Topic> {
    const retentionMs = spec.retentionMs === 0 ? -1 : spec.retentionMs;
    const configEntries = [
      { name: retentionConfig, value: String(retentionMs) },
      { name: "message.timestamp.type", value: "LogAppendTime" },
      { name: "max.message.bytes", value: String(this.#options.maxMessageBytes) },
      { name: "cleanup.policy", value: "delete" },
    ];
    if (spec.retentionMs > 0) {
      const segmentMs = Math.min(Math.max(spec.retentionMs, 60_000), dayMs);
      configEntries.push({ name: "segment.ms", value: String(segmentMs) });
    }
    let created: boolean;
    try {
      created = await this.#request(() =>
        this.#admin.createTopics({
          topics: [
            {
              topic: physical,
              numPartitions: spec.partitions,
              replicationFactor: this.#options.replicationFactor,
              configEntries,
            },
          ],
          waitForLeaders: false,
        }),
      );
    } catch (error) {
      throw toKafkaError(error);
    }
    if (!created) throw new AlreadyExistsError("topic", spec.name);
    await this.#awaitLeaders(physical, spec.partitions);
    this.#cachePartitions(physical, spec.partitions);
    return { name: spec.name, partitions: spec.partitions, retentionMs: spec.retentionMs };
  }

  /** The topic's partitions and retention. Throws `NotFoundError` if it does not exist. */
  async describe(name: string, physical: string): Promise<Topic> {
    try {
      const count = (await this.#once(() => this.#fetchPartitions([physical]))).get(physical);
      if (count === undefined) throw new NotFoundError("topic", name);
      this.#cachePartitions(physical, count);
      const retentions = await this.#request(() => this.#fetchRetentions([physical]));
      return { name, partitions: count, retentionMs: retentions.get(physical) ?? 0 };
    } catch (error) {
      throw toKafkaError(error, name);
    }
  }

  /** Changes the topic's retention. Throws `NotFoundError` if it does not exist. */
  async setRetention(name: string, physical: string, retentionMs: number): Promise<Topic> {
    const topic = await this.describe(name, physical);
    try {
      await this.#request(() => alterTopicRetention(this.#admin, physical, retentionMs));
    } catch (error) {
      throw toKafkaError(error, name);
    }
    return { ...topic, retentionMs };
  }

  /** The topic to append to, its partition count cached for `metadataCacheMs`. */
  async target(name: string, physical: string): Promise<TopicTarget> {
    const cached = this.#partitions.get(physical);
    if (cached && cached.expiresAt > Date.now()) {
      return { name, physical, partitions: cached.count };
    }
    try {
      const count = (await this.#once(() => this.#fetchPartitions([physical]))).get(physical);
      if (count === undefined) throw new NotFoundError("topic", name);
      this.#cachePartitions(physical, count);
      return { name, physical, partitions: count };
    } catch (error) {
      throw toKafkaError(error, name);
    }
  }

  /** Forgets a cached partition count (after the topic turned out to be gone). */
  forget(physical: string): void {
    this.#partitions.delete(physical);
  }

  /** One page of the tenant's topics, in name order. */
  async list(tenant: string, page: TopicPageRequest): Promise<TopicPage> {
    try {
      const prefix = this.#names.tenantPrefix(tenant);
      const all = await this.#request(() => this.#admin.listTopics());
      const after = page.after ?? "";
      const names = all
        .filter((physical) => physical.startsWith(prefix))
        .map((physical) => ({ physical, name: this.#names.logical(tenant, physical) }))
        .filter((t): t is { physical: string; name: string } => t.name !== undefined)
        .filter((t) => t.name > after)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const selected = names.slice(0, page.limit);
      if (selected.length === 0) return { topics: [] };
      const physicals = selected.map((t) => t.physical);
      const [partitions, retentions] = await this.#request(() =>
        Promise.all([this.#fetchPartitions(physicals), this.#fetchRetentions(physicals)]),
      );
      const topics = selected.map((t) => ({
        name: t.name,
        partitions: partitions.get(t.physical) ?? 0,
        retentionMs: retentions.get(t.physical) ?? 0,
      }));
      const last = topics.at(-1);
      return names.length > page.limit && last ? { topics, nextAfter: last.name } : { topics };
    } catch (error) {
      throw toKafkaError(error);
    }
  }

  /** Asks the cluster for its brokers; resolves with how many it has. */
  async ping(signal?: AbortSignal): Promise<number> {
    const cluster = await this.#policy.run(() => this.#admin.describeCluster(), {
      idempotent: false,
      signal,
    });
    return cluster.brokers.length;
  }

  /** One admin request under the policy: retried on metadata churn and lost connections. */
  #request<T>(request: () => Promise<T>): Promise<T> {
    return this.#policy.run(request, { idempotent: true });
  }

  /**
   * One admin request under the policy, not retried: a topic's partitions, where an
   * unknown topic is an answer (`NotFoundError`), not churn to wait out.
   */
  #once<T>(request: () => Promise<T>): Promise<T> {
    return this.#policy.run(request, { idempotent: false });
  }

  /** Disconnects the admin client. */
  async close(): Promise<void> {
    await this.#admin.disconnect();
  }

  /**
   * Waits until every partition of a new topic has a leader in the metadata the broker
   * answers (KRaft brokers apply a creation a little after the controller confirms it;
   * kafkajs's own wait gives up when the topic is still unknown). After
   * `requestTimeoutMs` it returns anyway: the topic exists, it is just not visible yet.
   */
  async #awaitLeaders(physical: string, partitions: number): Promise<void> {
    const deadline = Date.now() + this.#options.requestTimeoutMs;
    for (let delayMs = 10; Date.now() < deadline; delayMs = Math.min(delayMs * 2, 200)) {
      try {
        const { topics } = await this.#admin.fetchTopicMetadata({ topics: [physical] });
        const known = topics[0]?.partitions ?? [];
        if (known.length === partitions && known.every((p) => p.leader >= 0)) return;
      } catch (error) {
        if (!isMetadataChurn(error)) throw toKafkaError(error);
      }
      await sleep(delayMs);
    }
  }

  async #fetchPartitions(physicals: readonly string[]): Promise<Map<string, number>> {
    const { topics } = await this.#admin.fetchTopicMetadata({ topics: [...physicals] });
    return new Map(topics.map((t) => [t.name, t.partitions.length]));
  }

  async #fetchRetentions(physicals: readonly string[]): Promise<Map<string, number>> {
    const { resources } = await this.#admin.describeConfigs({
      resources: physicals.map((name) => ({
        type: topicResource,
        name,
        configNames: [retentionConfig],
      })),
      includeSynonyms: false,
    });
    const retentions = new Map<string, number>();
    for (const resource of resources) {
      if (resource.errorCode !== 0) {
        throw new Error(`describeConfigs of ${resource.resourceName}: error ${resource.errorCode}`);
      }
      const entry = resource.configEntries.find((e) => e.configName === retentionConfig);
      const ms = Number(entry?.configValue ?? -1);
      retentions.set(resource.resourceName, Math.max(ms, 0));
    }
    return retentions;
  }

  #cachePartitions(physical: string, count: number): void {
    const now = Date.now();
    if (this.#partitions.size >= 10_000) {
      for (const [key, entry] of this.#partitions) {
        if (entry.expiresAt <= now) this.#partitions.delete(key);
      }
    }
    this.#partitions.set(physical, { count, expiresAt: now + this.#options.metadataCacheMs });
  }
}
