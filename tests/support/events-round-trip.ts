import type { Client } from "@connectrpc/connect";
import { expect } from "vitest";
import type { EventsService } from "../../gen/ragplane/v1/events_pb.js";

/**
 * Creates `topic` with two partitions, publishes two events, checks that publishing the
 * first again is acknowledged as a duplicate of the original record, and that a
 * Subscribe from the beginning replays both: the events round trip every deployment's
 * tests prove.
 */
export async function expectPublishDuplicateReplay(
  events: Client<typeof EventsService>,
  topic: string,
): Promise<void> {
  await events.createTopic({ name: topic, partitions: 2 });
  const first = await events.publish({ topic, events: [{ id: "a" }, { id: "b" }] });
  expect(first.acks.map((ack) => ack.duplicate)).toEqual([false, false]);
  const again = await events.publish({ topic, events: [{ id: "a" }] });
  expect(again.acks[0]).toMatchObject({
    duplicate: true,
    partition: first.acks[0]?.partition,
    offset: first.acks[0]?.offset,
  });
  const abort = new AbortController();
  const seen: string[] = [];
  for await (const response of events.subscribe(
    { topic },
    { signal: abort.signal, timeoutMs: 20_000 },
  )) {
    seen.push(response.event?.id ?? "");
    if (seen.length === 2) break;
  }
  abort.abort();
  expect(seen.sort()).toEqual(["a", "b"]);
}
