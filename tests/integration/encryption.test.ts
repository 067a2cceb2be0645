import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const secret = "Katherine Johnson's tax id 078-05-1120";
const subject = "person-katherine";

async function take(
  stream: AsyncIterable<SubscribeResponse>,
  count: number,
  abort: AbortController,
) {
  const received: SubscribeResponse[] = [];
  for await (const response of stream) {
    received.push(response);
    if (received.length === count) break;
  }
  abort.abort();
  return received.sort((a, b) => (a.event?.id ?? "").localeCompare(b.event?.id ?? ""));
}

describe("encryption at rest on a running server", () => {
  it("makes the local key file under DATA_DIR with mode 0600 on the first start", async () => {
    const keyFile = join(server.config.dataDir, "keys", "kek.json");
    const contents = JSON.parse(await readFile(keyFile, "utf8")) as { active: string };
    expect(server.engines.keyring?.activeKeyId).toBe(contents.active);
    if (process.platform !== "win32") expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  describe.each(transportNames)("over %s", (transportName) => {
    const client = () => createClient(EventsService, server.transport(transportName));
    const topic = `sealed-${transportName}`;

    it("stores events sealed, Subscribe opens them, and tombstones them once the subject is erased", async () => {
      await client().createTopic({ name: topic, partitions: 2 });
      await client().publish({
        topic,
        events: [
          {
            id: "a",
            key: "k1",
            payload: utf8.encode(secret),
            contentType: "text/plain",
            headers: { h: "v" },
            subject,
          },
          { id: "b", key: "k2", payload: utf8.encode("kept") },
        ],
      });
      const events = await readFile(join(server.config.dataDir, "events", "events.sqlite"));
      const wal = await readFile(join(server.config.dataDir, "events", "events.sqlite-wal")).catch(
        () => Buffer.alloc(0),
      );
      for (const clear of [secret, subject]) {
        expect(Buffer.concat([events, wal]).includes(Buffer.from(clear))).toBe(false);
      }
      const first = new AbortController();
      const opened = await take(client().subscribe({ topic }, { signal: first.signal }), 2, first);
      expect(text(opened[0]?.event?.payload)).toBe(secret);
      expect(opened[0]?.event).toMatchObject({
        id: "a",
        contentType: "text/plain",
        headers: { h: "v" },
        subject,
        erased: false,
      });

      expect(await server.engines.keyring?.destroySubjectKey("default", subject)).toBe(true);
      const abort = new AbortController();
      const after = await take(client().subscribe({ topic }, { signal: abort.signal }), 2, abort);
      expect(after.map((response) => [response.partition, response.offset])).toEqual(
        opened.map((response) => [response.partition, response.offset]),
      );
      expect(after[0]?.event).toMatchObject({
        id: "a",
        key: "k1",
        contentType: "",
        headers: {},
        subject: "",
        erased: true,
      });
      expect(text(after[0]?.event?.payload)).toBe("");
      expect(after[1]?.event).toMatchObject({ id: "b", erased: false });
      expect(text(after[1]?.event?.payload)).toBe("kept");
    });

    it("refuses reserved header names on Publish with a field violation", async () => {
      const error = await rejection(
        client().publish({ topic, events: [{ id: "x", headers: { _rp_sealed: "forged" } }] }),
      );
      expect(error.code).toBe(Code.InvalidArgument);
      const fields = error
        .findDetails(BadRequestSchema)
        .flatMap((detail) => detail.fieldViolations);
      expect(fields).toEqual([expect.objectContaining({ field: "events[0].headers" })]);
    });
  });
});
