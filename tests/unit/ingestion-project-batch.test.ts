import { create, toJsonString } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EngineUnavailableError, PreconditionError } from "../../clients/errors.js";
import type { EventLog, NewEvent, StoredEvent } from "../../clients/events/port.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import type { PointInput, VectorStore } from "../../clients/vectors/port.js";
import { ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { chunkContentTypes } from "../../server/ingestion/chunk.js";
import { projectBatch } from "../../server/ingestion/project-batch.js";
import type { IngestionSettings } from "../../server/ingestion/settings.js";
import { type ChunkInit, sampleChunk } from "../support/chunks.js";

const settings: IngestionSettings = {
  tenant: "acme",
  topic: "docs",
  collection: "c",
  graph: true,
  deadLetterTopic: "docs.dead-letter",
  generation: "g",
};
const utf8 = new TextEncoder();

function event(offset: number, chunk: ChunkInit): StoredEvent {
  return {
    id: `e${offset}`,
    key: `e${offset}`,
    payload: utf8.encode(toJsonString(ChunkSchema, create(ChunkSchema, chunk))),
    contentType: chunkContentTypes.json,
    headers: {},
    subject: "",
    time: new Date(0),
    partition: 0,
    offset: BigInt(offset),
  };
}

/** Stores that record writes; `upsert` refuses points of another length than 3, or fails as `outage` says. */
function fakeStores(outage?: () => Error | undefined) {
  const upserts: PointInput[][] = [];
  const letters: NewEvent[] = [];
  const nodes: string[] = [];
  const vectors = {
    async upsert(_tenant: string, _collection: string, points: readonly PointInput[]) {
      const failure = outage?.();
      if (failure) throw failure;
      const wrong = points.findIndex((p) => p.vector.length !== 3);
      if (wrong >= 0) throw new PreconditionError("wrong dimension", `points[${wrong}].vector`);
      upserts.push([...points]);
      return points.length;
    },
  } as unknown as VectorStore;
  const graphs = {
    async upsertNodes(_tenant: string, batch: readonly { id: string }[]) {
      nodes.push(...batch.map((n) => n.id));
      return batch.length;
    },
    async upsertRelationships(_tenant: string, batch: readonly unknown[]) {
      return batch.map((_, i) => `r${i}`);
    },
    async countExisting(_tenant: string, ids: { nodeIds: readonly string[] }) {
      return { nodes: ids.nodeIds.filter((id) => nodes.includes(id)).length, relationships: 0 };
    },
  } as unknown as GraphStore;
  const events = {
    async append(_tenant: string, _topic: string, batch: readonly NewEvent[]) {
      letters.push(...batch);
      return [];
    },
  } as unknown as EventLog;
  return { stores: { events, vectors, graphs }, upserts, letters, nodes };
}

const signal = new AbortController().signal;

describe("projectBatch", () => {
  it("writes a batch's chunks in one upsert when every chunk is valid", async () => {
    const fake = fakeStores();
    const batch = {
      partition: 0,
      events: [0, 1, 2].map((i) => event(i, sampleChunk("d", `${i}`, [1, i, 0], [`n${i}`]))),
    };
    const outcome = await projectBatch(fake.stores, settings, batch, signal);
    expect(outcome).toMatchObject({ projected: 3, skipped: 0, poisons: [] });
    expect(fake.upserts.map((points) => points.map((p) => p.id))).toEqual([["d/0", "d/1", "d/2"]]);
    expect(fake.letters).toEqual([]);
  });

  it("falls back to one chunk at a time when a store refuses the batch, dead-lettering only the refused one", async () => {
    const fake = fakeStores();
    const batch = {
      partition: 0,
      events: [
        event(0, sampleChunk("d", "0", [1, 0, 0])),
        event(1, sampleChunk("d", "1", [1, 0])),
        event(2, {
          ...sampleChunk("d", "2", [], ["x"]),
          relations: [{ fromId: "x", toId: "ghost", type: "R" }],
        }),
        event(3, sampleChunk("d", "3", [0, 0, 1])),
      ],
    };
    const outcome = await projectBatch(fake.stores, settings, batch, signal);
    expect(outcome.projected).toBe(2);
    expect(outcome.poisons.map((p) => [p.event.offset, p.kind])).toEqual([
      [1n, "refused"],
      [2n, "refused"],
    ]);
    expect(fake.letters.map((l) => l.id)).toEqual(["docs:0:1", "docs:0:2"]);
    expect(fake.upserts.flat().map((p) => p.id)).toEqual(["d/0", "d/3"]);
  });

  it("throws on an engine outage without dead-lettering anything, so the batch is delivered again", async () => {
    const fake = fakeStores(() => new EngineUnavailableError("qdrant"));
    const batch = { partition: 0, events: [event(0, sampleChunk("d", "0", [1, 0, 0]))] };
    await expect(projectBatch(fake.stores, settings, batch, signal)).rejects.toBeInstanceOf(
      EngineUnavailableError,
    );
    expect(fake.letters).toEqual([]);
  });
});
