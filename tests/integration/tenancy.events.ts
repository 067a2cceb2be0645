import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { rejection } from "../support/errors.js";
import {
  allPages,
  drain,
  expectHidden,
  expectNoTenantName,
  type Tenants,
} from "./tenancy.support.js";

/** How long a subscription that should see nothing more stays open. */
const quietMs = 600;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** [id, offset, payload text] of each event, for exact comparisons. */
function contents(responses: readonly SubscribeResponse[]): [string, bigint, string][] {
  return responses.map((r) => [r.event?.id ?? "", r.offset, decoder.decode(r.event?.payload)]);
}

/**
 * EventsService: tenant B, using tenant A's topic name and event ids, can neither see,
 * publish to nor read A's topic, and its own topic of the same name is separate.
 */
export function describeEventsIsolation(tenants: Tenants): void {
  describe("EventsService", () => {
    const topic = `shared-topic-${tenants.transportName}`;
    const unused = `unused-topic-${tenants.transportName}`;
    const a = () => tenants.a(EventsService);
    const b = () => tenants.b(EventsService);
    const aWritten: [string, bigint, string][] = [
      ["e1", 0n, "a-one"],
      ["e2", 1n, "a-two"],
    ];

    /** Everything in A's topic, read by A from the beginning until the stream goes quiet. */
    async function aTopic(): Promise<[string, bigint, string][]> {
      const read = await drain(a().subscribe({ topic }, { timeoutMs: quietMs }));
      expect(read.error?.code).toBe(Code.DeadlineExceeded);
      return contents(read.items);
    }

    async function listedBy(client: ReturnType<typeof a>) {
      return allPages(async (pageToken) => {
        const page = await client.listTopics({ pageSize: 10, pageToken });
        return { items: page.topics, nextPageToken: page.nextPageToken };
      });
    }

    beforeAll(async () => {
      await a().createTopic({ name: topic, partitions: 1 });
      await a().publish({
        topic,
        events: aWritten.map(([id, , text]) => ({ id, payload: encoder.encode(text) })),
      });
    });

    it("ListTopics of B omits A's topic, which A lists", async () => {
      expect((await listedBy(a())).map((t) => t.name)).toContain(topic);
      expect((await listedBy(b())).map((t) => t.name)).not.toContain(topic);
    });

    it("Publish by B to A's topic name is NOT_FOUND, like an unused name, and adds nothing to A's topic", async () => {
      await expectHidden(
        (name) =>
          b().publish({
            topic: name,
            events: [{ id: "e1", payload: encoder.encode("b-one") }, { id: "e9" }],
          }),
        topic,
        unused,
      );
      expect(await aTopic()).toEqual(aWritten);
    });

    it("Subscribe by B to A's topic name is NOT_FOUND, like an unused name, and delivers nothing", async () => {
      const delivered: SubscribeResponse[] = [];
      await expectHidden(
        async (name) => {
          for await (const response of b().subscribe({ topic: name }, { timeoutMs: 5_000 }))
            delivered.push(response);
        },
        topic,
        unused,
      );
      expect(delivered).toEqual([]);
    });

    it("B's topic of the same name is its own: A's event ids are new there, each tenant reads only its events", async () => {
      const aListingBefore = (await listedBy(a())).find((t) => t.name === topic);
      const created = await b().createTopic({ name: topic, partitions: 1 });
      expect(created.topic?.name).toBe(topic);
      const published = await b().publish({
        topic,
        events: [
          { id: "e1", payload: encoder.encode("b-one") },
          { id: "e3", payload: encoder.encode("b-three") },
        ],
      });
      expect(published.acks.map((ack) => [ack.id, ack.offset, ack.duplicate])).toEqual([
        ["e1", 0n, false],
        ["e3", 1n, false],
      ]);

      const bRead = await drain(b().subscribe({ topic }, { timeoutMs: quietMs }));
      expect(bRead.error?.code).toBe(Code.DeadlineExceeded);
      expect(contents(bRead.items)).toEqual([
        ["e1", 0n, "b-one"],
        ["e3", 1n, "b-three"],
      ]);
      expect(await aTopic()).toEqual(aWritten);
      expect((await listedBy(a())).find((t) => t.name === topic)).toEqual(aListingBefore);
      expect((await listedBy(b())).filter((t) => t.name === topic)).toHaveLength(1);

      const again = await rejection(b().createTopic({ name: topic }));
      expect(again.code).toBe(Code.AlreadyExists);
      expectNoTenantName(again);
    });

    it("a live subscription of B to its same-named topic is not woken by A's new events", async () => {
      const bLive = drain(
        b().subscribe({ topic, start: { case: "fromLatest", value: true } }, { timeoutMs: 1_000 }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const published = await a().publish({
        topic,
        events: [{ id: "e3", payload: encoder.encode("a-three") }],
      });
      expect(published.acks.map((ack) => [ack.id, ack.offset, ack.duplicate])).toEqual([
        ["e3", 2n, false],
      ]);
      const read = await bLive;
      expect(read.error?.code).toBe(Code.DeadlineExceeded);
      expect(read.items).toEqual([]);
      expect(await aTopic()).toEqual([...aWritten, ["e3", 2n, "a-three"]]);
    });

    it("the system tenant's API-key log is NOT_FOUND to a tenant that guesses its topic name", async () => {
      const delivered: SubscribeResponse[] = [];
      const error = await rejection(
        (async () => {
          for await (const response of b().subscribe({ topic: "api-keys" }, { timeoutMs: 5_000 }))
            delivered.push(response);
        })(),
      );
      expect(error.code).toBe(Code.NotFound);
      expect(delivered).toEqual([]);
      const publish = await rejection(b().publish({ topic: "api-keys", events: [{ id: "k" }] }));
      expect(publish.code).toBe(Code.NotFound);
    });
  });
}
