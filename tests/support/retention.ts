import { setTimeout as sleep } from "node:timers/promises";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, type VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";

/**
 * Calls `probe` until `done` holds of its answer or `timeoutMs` has passed (then answers
 * the last value, for the test to assert on), pausing `pollMs` between calls.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(pollMs);
  }
}

/**
 * Writes what a retention test expects the sweeper to remove, then what it must keep: a
 * collection `expiring` with a maximum age of 1 s holding `oldPoints` (ids `old-<i>`, from
 * 1), a `Session` node `s-old` linked from a `Person` node `person` (`OPENED`) with the
 * `Session` label's maximum age set to 1 s; then, once those are older than 1 s, the point
 * `new` and the node `s-new`.
 */
export async function seedExpiringItems(
  vectors: Client<typeof VectorsService>,
  graphs: Client<typeof GraphsService>,
  oldPoints: number,
): Promise<void> {
  await vectors.createCollection({
    name: "expiring",
    dimension: 2,
    distance: Distance.DOT,
    maxAge: durationFromMs(1_000),
  });
  await vectors.upsert({
    collection: "expiring",
    points: Array.from({ length: oldPoints }, (_, i) => ({ id: `old-${i + 1}`, vector: [1, i] })),
  });
  await graphs.upsertNodes({
    nodes: [
      { id: "s-old", labels: ["Session"] },
      { id: "person", labels: ["Person"] },
    ],
  });
  await graphs.upsertRelationships({
    relationships: [{ fromId: "person", toId: "s-old", type: "OPENED" }],
  });
  await graphs.setLabelRetention({ label: "Session", maxAge: durationFromMs(1_000) });
  await sleep(1_100);
  await vectors.upsert({ collection: "expiring", points: [{ id: "new", vector: [1, 1] }] });
  await graphs.upsertNodes({ nodes: [{ id: "s-new", labels: ["Session"] }] });
}
