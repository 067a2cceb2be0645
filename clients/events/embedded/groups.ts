import { abortable } from "../../signals.js";
import { RedeliveryBackoff, type ResolvedConsumeOptions } from "../consume-options.js";
import type { BatchHandler, ConsumedBatch } from "../port.js";
import type { AppendNotifier } from "./notifier.js";
import { toStoredEvent } from "./reader.js";
import type { Statements, TopicRow } from "./statements.js";

/** What a group member needs from the log that owns it. */
export interface GroupDeps {
  readonly statements: Statements;
  readonly notifier: AppendNotifier;
  /** Longest wait without a wake-up before querying again (appends by other processes). */
  readonly pollIntervalMs: number;
  /** Runs a statement, mapping SQLite failures (and a closed log) to domain errors. */
  run<T>(query: () => T): T;
}

/** The group's committed positions, one per partition (0 where it committed nothing). */
export function committedPositions(deps: GroupDeps, topic: TopicRow, group: string): bigint[] {
  const positions = Array.from({ length: topic.partitions }, () => 0n);
  for (const row of deps.run(() => deps.statements.groupOffsets.all(topic.topic_id, group))) {
    if (row.partition_index < positions.length) {
      positions[row.partition_index] = BigInt(row.next_offset);
    }
  }
  return positions;
}

/**
 * Runs one member of a consumer group until `signal` aborts: visits the partitions in
 * turn, hands each one's next events (up to `maxBatchEvents`) after the committed position
 * to `handler`, and commits the position after them once it resolved. A failed batch is
 * left uncommitted and delivered again on a later turn, after a backoff. With nothing
 * new anywhere it waits for an append (or `pollIntervalMs`).
 */
export async function consumeGroup(
  deps: GroupDeps,
  topic: TopicRow,
  group: string,
  handler: BatchHandler,
  options: ResolvedConsumeOptions,
  signal: AbortSignal,
): Promise<void> {
  const positions = committedPositions(deps, topic, group);
  const backoff = new RedeliveryBackoff(options);
  const { statements } = deps;
  while (!signal.aborted) {
    const seen = deps.notifier.version(topic.topic_id);
    let delivered = false;
    for (let partition = 0; partition < topic.partitions && !signal.aborted; partition++) {
      const after = (positions[partition] ?? 0n) - 1n;
      const rows = deps.run(() =>
        statements.pagePartition.all(topic.topic_id, partition, after, options.maxBatchEvents),
      );
      if (rows.length === 0) continue;
      delivered = true;
      const batch: ConsumedBatch = { partition, events: rows.map(toStoredEvent) };
      try {
        await handler(batch, signal);
      } catch (error) {
        if (signal.aborted) return;
        options.onHandlerError?.(error, batch);
        await backoff.pause(signal);
        continue;
      }
      backoff.reset();
      const next = (batch.events.at(-1)?.offset ?? after) + 1n;
      deps.run(() => statements.commitGroupOffset.run(topic.topic_id, group, partition, next));
      positions[partition] = next;
    }
    if (!delivered) {
      await deps.notifier.wait(topic.topic_id, seen, signal, deps.pollIntervalMs);
    }
  }
}

/**
 * The members of this process's consumer groups: one at a time per group and topic. A
 * second member waits, as a standby, until the first has stopped.
 */
export class GroupMembers {
  readonly #active = new Map<string, Promise<void>>();

  /**
   * Runs `member` once no other member of the same group and topic runs. Resolves
   * without running it if `signal` aborts first.
   */
  async run(key: string, signal: AbortSignal, member: () => Promise<void>): Promise<void> {
    for (let current = this.#active.get(key); current; current = this.#active.get(key)) {
      try {
        await abortable(
          current.catch(() => undefined),
          signal,
        );
      } catch {
        return;
      }
    }
    const running = member();
    this.#active.set(key, running);
    try {
      await running;
    } finally {
      if (this.#active.get(key) === running) this.#active.delete(key);
    }
  }
}
