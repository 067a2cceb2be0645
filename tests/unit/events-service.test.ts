import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EngineTimeoutError, EngineUnavailableError, NotFoundError } from "../../clients/errors.js";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import {
  CreateTopicRequestSchema,
  ListTopicsRequestSchema,
  PublishRequestSchema,
  SubscribeRequestSchema,
} from "../../gen/ragplane/v1/events_pb.js";
import type { ServiceContext } from "../../server/services/context.js";
import { encodePageToken } from "../../server/services/events/page-token.js";
import { createEventsService } from "../../server/services/events/service.js";

let dataDir: string;
let log: EmbeddedEventLog;
let service: ReturnType<typeof createEventsService>;

const contextOf = (tenant: string, signal = new AbortController().signal): ServiceContext => ({
  tenant,
  signal,
  deadline: undefined,
  requestId: "test-request",
  peer: "127.0.0.1:1",
  principal: undefined,
});
const acme = contextOf("acme");

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-events-service-"));
  log = await EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 });
  service = createEventsService(log);
});

afterEach(async () => {
  await log.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createTopic(name: string, partitions = 0) {
  return service.createTopic(create(CreateTopicRequestSchema, { name, partitions }), acme);
}

/** Runs Subscribe until `count` responses arrived, then aborts with `reason`. */
async function subscribeThenAbort(count: number, reason?: unknown) {
  const controller = new AbortController();
  const request = create(SubscribeRequestSchema, { topic: "t" });
  const responses = [];
  let failure: unknown;
  if (count === 0) setTimeout(() => controller.abort(reason), 10);
  try {
    for await (const response of service.subscribe(request, contextOf("acme", controller.signal))) {
      responses.push(response);
      if (responses.length === count) setTimeout(() => controller.abort(reason), 10);
    }
  } catch (error) {
    failure = error;
  }
  return { responses, failure };
}

describe("createEventsService", () => {
  it("creates a topic with 1 partition by default and the retention as a Duration", async () => {
    expect(await createTopic("plain")).toEqual({
      topic: {
        name: "plain",
        partitions: 1,
        retention: expect.objectContaining({ seconds: 0n, nanos: 0 }),
      },
    });
    const request = create(CreateTopicRequestSchema, {
      name: "kept",
      partitions: 4,
      retention: { seconds: 90n, nanos: 500_000_000 },
    });
    const { topic } = await service.createTopic(request, acme);
    expect(topic).toMatchObject({ partitions: 4, retention: { seconds: 90n, nanos: 500_000_000 } });
    expect(await log.getTopic("acme", "kept")).toEqual({
      name: "kept",
      partitions: 4,
      retentionMs: 90_500,
    });
  });

  it("publishes and streams events back with every field converted", async () => {
    await createTopic("t");
    const time = new Date("2024-01-02T03:04:05.678Z");
    const published = await service.publish(
      create(PublishRequestSchema, {
        topic: "t",
        events: [
          {
            id: "a",
            payload: new Uint8Array([1, 2]),
            headers: { h: "v" },
            subject: "s",
            time: timestampFromDate(time),
          },
          { id: "b", key: "k", contentType: "text/plain" },
          { id: "a" },
        ],
      }),
      acme,
    );
    expect(published.acks).toEqual([
      { id: "a", partition: 0, offset: 0n, duplicate: false },
      { id: "b", partition: 0, offset: 1n, duplicate: false },
      { id: "a", partition: 0, offset: 0n, duplicate: true },
    ]);
    const { responses, failure } = await subscribeThenAbort(2);
    expect(failure).toBeUndefined();
    expect(responses[0]).toEqual({
      event: {
        id: "a",
        key: "a",
        payload: new Uint8Array([1, 2]),
        contentType: "",
        headers: { h: "v" },
        subject: "s",
        time: expect.objectContaining({
          seconds: BigInt(Math.floor(time.getTime() / 1000)),
          nanos: 678_000_000,
        }),
      },
      partition: 0,
      offset: 0n,
    });
    expect(responses[1]).toMatchObject({
      event: { id: "b", key: "k", contentType: "text/plain" },
      offset: 1n,
    });
  });

  it("ends Subscribe quietly when the client cancels", async () => {
    await createTopic("t");
    const { responses, failure } = await subscribeThenAbort(0);
    expect(responses).toEqual([]);
    expect(failure).toBeUndefined();
  });

  it("ends Subscribe with EngineTimeoutError on a deadline and EngineUnavailableError at shutdown", async () => {
    await createTopic("t");
    await service.publish(
      create(PublishRequestSchema, { topic: "t", events: [{ id: "a" }] }),
      acme,
    );
    const deadline = await subscribeThenAbort(1, new EngineTimeoutError("request"));
    expect(deadline.responses).toHaveLength(1);
    expect(deadline.failure).toBeInstanceOf(EngineTimeoutError);
    const shutdown = await subscribeThenAbort(
      1,
      new EngineUnavailableError("ragplane (shutting down)"),
    );
    expect(shutdown.failure).toBeInstanceOf(EngineUnavailableError);
  });

  it("pages ListTopics with opaque tokens, 100 topics by default", async () => {
    for (const name of ["c", "a", "b"]) await createTopic(name);
    const first = await service.listTopics(create(ListTopicsRequestSchema, { pageSize: 2 }), acme);
    expect(first.topics?.map((t) => t.name)).toEqual(["a", "b"]);
    expect(first.nextPageToken).toBe(encodePageToken("b"));
    const next = create(ListTopicsRequestSchema, { pageSize: 2, pageToken: first.nextPageToken });
    const second = await service.listTopics(next, acme);
    expect(second.topics?.map((t) => t.name)).toEqual(["c"]);
    expect(second.nextPageToken).toBe("");
    const all = await service.listTopics(create(ListTopicsRequestSchema, {}), acme);
    expect(all.topics).toHaveLength(3);
  });

  it("scopes every call to the context's tenant", async () => {
    await createTopic("t");
    const other = contextOf("globex");
    const request = create(PublishRequestSchema, { topic: "t", events: [{ id: "a" }] });
    await expect(service.publish(request, other)).rejects.toBeInstanceOf(NotFoundError);
    const listed = await service.listTopics(create(ListTopicsRequestSchema, {}), other);
    expect(listed.topics).toEqual([]);
  });
});
