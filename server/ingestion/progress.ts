import type { EventLog } from "../../clients/events/port.js";
import { type IngestionSettings, ingestionGroup } from "./settings.js";

/** How far one partition has been projected. */
export interface PartitionProgress {
  readonly partition: number;
  /** The next offset to project: everything before it is written (or dead-lettered). */
  readonly projectedOffset: bigint;
  /** The offset of the next event to be published. */
  readonly endOffset: bigint;
  /** `endOffset - projectedOffset`. */
  readonly lag: bigint;
}

/** An ingestion's progress over all partitions of its topic. */
export interface IngestionProgress {
  readonly partitions: readonly PartitionProgress[];
  /** Events still to project, over all partitions. */
  readonly lag: bigint;
}

/**
 * An ingestion's progress, read from the log: its consumer group's committed offsets
 * against the topic's end offsets. The same answer on every replica.
 */
export async function progressOf(
  events: EventLog,
  settings: IngestionSettings,
  signal?: AbortSignal,
): Promise<IngestionProgress> {
  const { tenant, topic } = settings;
  const [ends, committed] = await Promise.all([
    events.endOffsets(tenant, topic, signal),
    events.committedOffsets(tenant, topic, ingestionGroup(settings), signal),
  ]);
  let total = 0n;
  const partitions = ends.map((endOffset, partition): PartitionProgress => {
    const projectedOffset = committed[partition] ?? 0n;
    const lag = endOffset > projectedOffset ? endOffset - projectedOffset : 0n;
    total += lag;
    return { partition, projectedOffset, endOffset, lag };
  });
  return { partitions, lag: total };
}

/**
 * Events still to project over every ingestion of `all`, for the lag gauge. An
 * ingestion whose progress cannot be read now (its topic gone, an engine down) counts 0.
 */
export async function totalLag(
  events: EventLog,
  all: readonly IngestionSettings[],
): Promise<number> {
  const lags = await Promise.all(
    all.map((settings) =>
      progressOf(events, settings).then(
        (progress) => progress.lag,
        () => 0n,
      ),
    ),
  );
  return Number(lags.reduce((sum, lag) => sum + lag, 0n));
}
