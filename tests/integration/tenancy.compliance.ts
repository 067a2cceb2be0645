import { beforeAll, describe, expect, it } from "vitest";
import {
  ComplianceService,
  type ExportSubjectResponse,
} from "../../gen/ragplane/v1/compliance_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { consume, expectHidden, type Tenants } from "./tenancy.support.js";

const utf8 = new TextEncoder();

/**
 * ComplianceService: both tenants hold data of the same subject under the same names; B's
 * export shows only B's, B's erasure removes only B's, and A's erasure jobs are hidden
 * from B.
 */
export function describeComplianceIsolation(tenants: Tenants): void {
  describe("ComplianceService", () => {
    const prefix = `compliance-${tenants.transportName}-`;
    const subject = `${prefix}person`;
    const topic = `${prefix}events`;
    const collection = `${prefix}docs`;

    const seed = async (side: "a" | "b"): Promise<void> => {
      const client = side === "a" ? tenants.a : tenants.b;
      const events = client(EventsService);
      await events.createTopic({ name: topic, partitions: 1 });
      await events.publish({
        topic,
        events: [{ id: "e1", subject, payload: utf8.encode(`${side}-secret`) }],
      });
      const vectors = client(VectorsService);
      await vectors.createCollection({ name: collection, dimension: 2, distance: Distance.COSINE });
      await vectors.upsert({
        collection,
        points: [{ id: "p1", vector: [1, 0], subject, payload: { side } }],
      });
      await client(GraphsService).upsertNodes({
        nodes: [{ id: `${prefix}n1`, labels: ["Person"], subject }],
      });
    };

    const exported = (side: "a" | "b"): Promise<ExportSubjectResponse[]> =>
      consume((side === "a" ? tenants.a : tenants.b)(ComplianceService).exportSubject({ subject }));

    beforeAll(async () => {
      await seed("a");
      await seed("b");
    });

    it("B's export of the subject holds B's items only", async () => {
      const items = await exported("b");
      const payloads = items.flatMap((m) =>
        m.item.case === "event" ? [new TextDecoder().decode(m.item.value.event?.payload)] : [],
      );
      expect(payloads).toEqual(["b-secret"]);
      const points = items.flatMap((m) => (m.item.case === "point" ? [m.item.value] : []));
      expect(points.map((p) => p.point?.payload)).toEqual([{ side: "b" }]);
      const summary = items.at(-1)?.item;
      expect(summary?.case === "summary" && summary.value).toMatchObject({
        events: 1n,
        points: 1n,
        nodes: 1n,
      });
    });

    it("B's erasure of the subject removes B's items and leaves A's readable", async () => {
      const erasure = await consume(tenants.b(ComplianceService).eraseSubject({ subject }));
      const removed = erasure.at(-1)?.erasure?.removed ?? [];
      expect(removed.find((line) => line.target === collection)?.count).toBe(1n);
      expect((await exported("b")).at(-1)?.item).toMatchObject({
        case: "summary",
        value: { events: 0n, points: 0n, nodes: 0n },
      });
      const kept = await exported("a");
      expect(kept.at(-1)?.item).toMatchObject({
        case: "summary",
        value: { events: 1n, points: 1n, nodes: 1n },
      });
      const { node } = await tenants.a(GraphsService).getNode({ id: `${prefix}n1` });
      expect(node?.subject).toBe(subject);
    });

    it("B cannot read A's erasure jobs: NOT_FOUND, as for an id nobody uses, and none listed", async () => {
      const erasure = await consume(tenants.a(ComplianceService).eraseSubject({ subject }));
      const id = erasure.at(-1)?.erasure?.id ?? "";
      expect(id).not.toBe("");
      await expectHidden(
        (name) => tenants.b(ComplianceService).getErasure({ id: name }),
        id,
        `${prefix}nobody`,
      );
      const { erasures } = await tenants.b(ComplianceService).listErasures({});
      expect(erasures.map((job) => job.id)).not.toContain(id);
    });
  });
}
