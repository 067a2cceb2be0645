import type { EventLog } from "../../../clients/events/port.js";

/** One open Subscribe stream's position: the next offset it will deliver, per partition. */
export interface SubscriptionPosition {
  /** An event at `offset` of `partition` was delivered. */
  delivered(partition: number, offset: bigint): void;
  /** The stream ended. */
  close(): void;
}

/** Streams whose lag is computed, at most: beyond it, the first ones opened are measured. */
const maxMeasuredTopics = 100;

/**
 * The open Subscribe streams and where each one is, for the consumer-lag gauge: the lag of
 * a stream is how many events its topic holds past the stream's position, over the
 * partitions it has delivered from; the gauge is the largest lag of any stream, read
 * from the engine (one `endOffsets` per topic) when metrics are scraped.
 */
export class Subscriptions {
  private readonly open = new Set<{
    readonly tenant: string;
    readonly topic: string;
    readonly next: Map<number, bigint>;
  }>();

  constructor(
    private readonly log: EventLog,
    private readonly onDelivered: () => void,
  ) {}

  /** Starts tracking a stream of `tenant`'s `topic`. */
  track(tenant: string, topic: string): SubscriptionPosition {
    const entry = { tenant, topic, next: new Map<number, bigint>() };
    this.open.add(entry);
    return {
      delivered: (partition, offset) => {
        entry.next.set(partition, offset + 1n);
        this.onDelivered();
      },
      close: () => this.open.delete(entry),
    };
  }

  /** The largest lag, in events, of any open stream (0 with none). */
  async maxLag(signal?: AbortSignal): Promise<number> {
    const byTopic = new Map<string, { tenant: string; topic: string }>();
    for (const { tenant, topic } of this.open) {
      if (byTopic.size >= maxMeasuredTopics) break;
      byTopic.set(`${tenant}\n${topic}`, { tenant, topic });
    }
    const ends = new Map<string, bigint[]>();
    await Promise.all(
      [...byTopic].map(async ([key, { tenant, topic }]) => {
        const offsets = await this.log.endOffsets(tenant, topic, signal).catch(() => undefined);
        if (offsets !== undefined) ends.set(key, offsets);
      }),
    );
    let max = 0n;
    for (const { tenant, topic, next } of this.open) {
      const end = ends.get(`${tenant}\n${topic}`);
      if (end === undefined) continue;
      let lag = 0n;
      for (const [partition, position] of next) {
        const behind = (end[partition] ?? position) - position;
        if (behind > 0n) lag += behind;
      }
      if (lag > max) max = lag;
    }
    return Number(max);
  }
}
