import { toJson } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { RetrievalService, RetrievedHitSchema } from "../../gen/ragplane/v1/retrieval_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { plain, values } from "../support/values.js";
import { expectHidden, type Tenants } from "./tenancy.support.js";

/**
 * RetrievalService: tenant B, naming tenant A's collection, points, nodes and
 * relationships, neither retrieves nor expands into A's data nor reads its lineage; B's
 * own collection and node of the same names are B's alone.
 */
export function describeRetrievalIsolation(tenants: Tenants): void {
  describe("RetrievalService", () => {
    const prefix = `retrieval-${tenants.transportName}-`;
    const id = (name: string) => `${prefix}${name}`;
    const collection = id("docs");
    const vector = [1, 0, 0, 0];
    const retrieveRequest = { collection, vector, expand: { depth: 2 } };
    let relationshipId = "";
    let aBefore: unknown[] = [];

    beforeAll(async () => {
      const aVectors = tenants.a(VectorsService);
      const aGraphs = tenants.a(GraphsService);
      await aGraphs.upsertNodes({
        nodes: ["ada", "babbage", "engine"].map((name) => ({
          id: id(name),
          labels: ["Entity"],
          properties: values({ side: "a" }),
        })),
      });
      const { ids } = await aGraphs.upsertRelationships({
        relationships: [
          { fromId: id("ada"), toId: id("engine"), type: "DESIGNED" },
          { fromId: id("babbage"), toId: id("engine"), type: "BUILT" },
        ],
      });
      relationshipId = ids[0] ?? "";
      await aVectors.createCollection({
        name: collection,
        dimension: 4,
        distance: Distance.COSINE,
      });
      await aVectors.upsert({
        collection,
        points: [{ id: "p1", vector, payload: { entity_ids: [id("ada")] } }],
      });
      const answer = await tenants.a(RetrievalService).retrieve(retrieveRequest);
      aBefore = answer.hits.map((hit) => toJson(RetrievedHitSchema, hit));
    });

    it("A retrieves its own neighbourhood (the baseline)", () => {
      expect(aBefore).toHaveLength(1);
      expect(aBefore[0]).toMatchObject({
        entityIds: [id("ada")],
        nodes: [{ id: id("ada") }, { id: id("engine") }, { id: id("babbage") }],
      });
    });

    it("B cannot retrieve from A's collection: NOT_FOUND, as for a name nobody uses", async () => {
      await expectHidden(
        (name) => tenants.b(RetrievalService).retrieve({ ...retrieveRequest, collection: name }),
        collection,
        `${prefix}nobody`,
      );
    });

    it("B's same-named collection names A's entities, yet expands only into B's graph", async () => {
      const bVectors = tenants.b(VectorsService);
      await bVectors.createCollection({
        name: collection,
        dimension: 4,
        distance: Distance.COSINE,
      });
      await bVectors.upsert({
        collection,
        points: [{ id: "p1", vector, payload: { entity_ids: [id("ada"), id("babbage")] } }],
      });
      await tenants.b(GraphsService).upsertNodes({
        nodes: [{ id: id("babbage"), labels: ["Entity"], properties: values({ side: "b" }) }],
      });
      const answer = await tenants
        .b(RetrievalService)
        .retrieve({ ...retrieveRequest, withLineage: true });
      expect(answer.hits).toHaveLength(1);
      const [hit] = answer.hits;
      expect(hit?.entityIds).toEqual([id("ada"), id("babbage")]);
      expect(hit?.nodes.map((n) => [n.id, plain(n.properties)])).toEqual([
        [id("babbage"), { side: "b" }],
      ]);
      expect(hit?.relationships).toEqual([]);
      const again = await tenants.a(RetrievalService).retrieve(retrieveRequest);
      expect(again.hits.map((h) => toJson(RetrievedHitSchema, h))).toEqual(aBefore);
    });

    it("B cannot read the lineage of A's point, node or relationship: NOT_FOUND, as for unused names", async () => {
      const lineage = tenants.b(RetrievalService);
      await expectHidden(
        (name) => lineage.getLineage({ target: { case: "nodeId", value: name } }),
        id("engine"),
        `${prefix}nobody`,
      );
      await expectHidden(
        (name) => lineage.getLineage({ target: { case: "relationshipId", value: name } }),
        relationshipId,
        `${prefix}nobody`,
      );
      const point = await rejection(
        lineage.getLineage({ target: { case: "point", value: { collection, id: "p-a-only" } } }),
      );
      expect(point.code).toBe(Code.NotFound);
      await tenants.a(VectorsService).upsert({
        collection,
        points: [{ id: "p-a-only", vector, payload: {} }],
      });
      const stillHidden = await rejection(
        lineage.getLineage({ target: { case: "point", value: { collection, id: "p-a-only" } } }),
      );
      expect(stillHidden.code).toBe(Code.NotFound);
      const own = await tenants.a(RetrievalService).getLineage({
        target: { case: "point", value: { collection, id: "p-a-only" } },
      });
      expect(own.lineage).toBeUndefined();
    });
  });
}
