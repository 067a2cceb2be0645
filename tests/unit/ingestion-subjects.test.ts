import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../clients/events/port.js";
import { ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { writesOf } from "../../server/ingestion/writes.js";
import { sampleChunk } from "../support/chunks.js";

function event(subject: string): StoredEvent {
  return {
    id: `e-${subject}`,
    key: "k",
    payload: new Uint8Array(),
    contentType: "application/json",
    headers: {},
    subject,
    time: new Date(1_700_000_000_000),
    partition: 0,
    offset: 3n,
  };
}

const chunk = create(ChunkSchema, sampleChunk("doc", "c1", [1, 0], ["alice", "bob"]));
const targets = { collection: "docs", graph: true };

describe("ingestion writes and data subjects", () => {
  it("gives every point, node and relationship written from an event that event's subject", () => {
    const writes = writesOf("t", [{ event: event("person-7"), chunk }], targets, new Date());
    expect(writes.points.map((point) => point.subject)).toEqual(["person-7"]);
    expect(writes.nodes.map((node) => node.subject)).toEqual(["person-7", "person-7"]);
    expect(writes.relationships.map((relationship) => relationship.subject)).toEqual(["person-7"]);
  });

  it("writes items of an event without a subject without one", () => {
    const writes = writesOf("t", [{ event: event(""), chunk }], targets, new Date());
    expect(writes.points[0]?.subject).toBeUndefined();
    expect(writes.nodes.every((node) => node.subject === undefined)).toBe(true);
    expect(writes.relationships[0]?.subject).toBeUndefined();
  });
});
