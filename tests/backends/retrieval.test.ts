import { randomUUID } from "node:crypto";
import { create, toJson } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { LineageSchema } from "../../gen/ragplane/v1/lineage_pb.js";
import { RetrievalService } from "../../gen/ragplane/v1/retrieval_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { toLineageInit } from "../../server/lineage/convert.js";
import { engineEnvFor } from "../support/engine-env.js";
import { rejection } from "../support/errors.js";
import {
  expectReferenceAnswer,
  type KnowledgeBase,
  type LineageItems,
  sampleLineage,
  seedKnowledgeBase,
  seedLineageItems,
} from "../support/retrieval.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";
import { plain } from "../support/values.js";

const qdrantUrl = process.env.QDRANT_URL;
const neo4jUrl = process.env.NEO4J_URL;
const configured = qdrantUrl !== undefined && neo4jUrl !== undefined;

/** Only Qdrant and Neo4j: events and the rest stay embedded. */
const env = (): Record<string, string> => engineEnvFor(["qdrant", "neo4j"]);

const lineageJson = (offset: bigint) =>
  toJson(LineageSchema, create(LineageSchema, toLineageInit(sampleLineage(offset))));

describe.skipIf(!configured)(
  "RetrievalService on Qdrant and Neo4j (needs QDRANT_URL and NEO4J_URL)",
  () => {
    const tenant = `retrieval-${randomUUID().slice(0, 8)}`;
    let server: TestServer;
    let clients: {
      vectors: ReturnType<typeof createClient<typeof VectorsService>>;
      graphs: ReturnType<typeof createClient<typeof GraphsService>>;
      retrieval: ReturnType<typeof createClient<typeof RetrievalService>>;
    };
    let base: KnowledgeBase;
    let ingested: LineageItems;

    beforeAll(async () => {
      server = await startTestServer(env());
      await waitUntilReady(server);
      expect(server.engines.kinds).toMatchObject({ vectors: "qdrant", graphs: "neo4j" });
      const transport = server.transport("grpc-js", { apiKey: await server.createKey(tenant) });
      clients = {
        vectors: createClient(VectorsService, transport),
        graphs: createClient(GraphsService, transport),
        retrieval: createClient(RetrievalService, transport),
      };
      base = await seedKnowledgeBase(clients.vectors, clients.graphs, "kb-");
      ingested = await seedLineageItems(server.engines, tenant, "in-");
    });

    afterAll(async () => {
      if (clients !== undefined) {
        await clients.vectors.deleteCollection({ name: base.collection, allowMissing: true });
        await clients.vectors.deleteCollection({ name: ingested.collection, allowMissing: true });
        const ids = [...Array.from({ length: 50 }, (_, i) => base.node(i)), ...ingested.nodes];
        await clients.graphs.deleteNodes({ ids, detach: true });
      }
      await server?.close();
    });

    const cases = [
      ["depth 1", { depth: 1 }],
      ["depth 2, 5 nodes per hit", { depth: 2, limit: 5 }],
      [
        "depth 3 outwards over two types",
        { depth: 3, limit: 7, types: ["KNOWS", "CITES"], direction: Direction.OUT },
      ],
      ["depth 2 inwards", { depth: 2, direction: Direction.IN }],
      ["depth 0", { depth: 0 }],
    ] as const;

    it.each(cases)(
      "answers as separate Search and Neighbors calls do: %s",
      async (_name, expand) => {
        const answer = await expectReferenceAnswer(clients, {
          collection: base.collection,
          vector: base.query,
          limit: 20,
          expand: { ...expand, types: "types" in expand ? [...expand.types] : [] },
        });
        expect(answer.hits).toHaveLength(20);
      },
    );

    it("returns lineage with hits, nodes and relationships, and never reserved keys", async () => {
      const answer = await clients.retrieval.retrieve({
        collection: ingested.collection,
        vector: base.query,
        expand: { depth: 1 },
        withLineage: true,
      });
      const [hit] = answer.hits;
      expect(toJson(LineageSchema, hit!.hit!.lineage!)).toEqual(lineageJson(7n));
      expect(hit!.hit!.payload).toEqual({
        text: "Ada designed it",
        entity_ids: [...ingested.nodes],
      });
      expect(hit!.nodes.map((n) => n.lineage?.offset)).toEqual([8n, 9n]);
      expect(hit!.nodes.map((n) => Object.keys(plain(n.properties)))).toEqual([["name"], ["name"]]);
      expect(hit!.relationships.map((r) => r.lineage?.offset)).toEqual([10n]);
      expect(plain(hit!.relationships[0]!.properties)).toEqual({ year: 1837 });
    });

    it("answers GetLineage for a point, a node and a relationship, NOT_FOUND for missing ones", async () => {
      const of = async (target: Parameters<typeof clients.retrieval.getLineage>[0]["target"]) => {
        const { lineage } = await clients.retrieval.getLineage({ target });
        return lineage === undefined ? undefined : toJson(LineageSchema, lineage);
      };
      expect(
        await of({ case: "point", value: { collection: ingested.collection, id: ingested.point } }),
      ).toEqual(lineageJson(7n));
      expect(await of({ case: "nodeId", value: ingested.nodes[0] })).toEqual(lineageJson(8n));
      expect(await of({ case: "relationshipId", value: ingested.relationship })).toEqual(
        lineageJson(10n),
      );
      expect(await of({ case: "relationshipId", value: "kb-r0" })).toBeUndefined();
      for (const target of [
        { case: "nodeId", value: "nope" },
        { case: "relationshipId", value: "nope" },
        { case: "point", value: { collection: base.collection, id: "nope" } },
      ] as const) {
        expect((await rejection(clients.retrieval.getLineage({ target }))).code).toBe(
          Code.NotFound,
        );
      }
    });
  },
);
