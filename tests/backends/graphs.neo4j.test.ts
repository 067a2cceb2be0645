import { auth, driver as createDriver, type Driver } from "neo4j-driver";
import { afterAll, describe, expect, it } from "vitest";
import { EngineUnavailableError, PreconditionError } from "../../clients/errors.js";
import { nodeLabel } from "../../clients/graphs/neo4j/cypher.js";
import { migrations } from "../../clients/graphs/neo4j/migrations.js";
import { Neo4jGraphStore } from "../../clients/graphs/neo4j/store.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import { describeGraphStoreContract } from "../contract/graphs.contract.js";

const url = process.env.NEO4J_URL;
const user = process.env.NEO4J_USER || undefined;
const password = process.env.NEO4J_PASSWORD || undefined;

const connect = () => Neo4jGraphStore.connect({ url: url!, user, password, maxPoolSize: 8 });

/**
 * A store that notes every tenant it is called with, so that a test's data can be removed
 * afterwards from the shared database (the contract picks its tenants itself).
 */
function noteTenants(store: GraphStore, tenants: Set<string>): GraphStore {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === "string") tenants.add(args[0]);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

if (!url) {
  describe.skip("GraphStore contract: neo4j — skipped: set NEO4J_URL (and NEO4J_USER, NEO4J_PASSWORD), e.g. from scripts/engines/start.sh neo4j", () => {
    it("runs against a real Neo4j only", () => {});
  });
} else {
  let admin: Driver | undefined;
  const adminDriver = () => {
    admin ??= createDriver(url, user ? auth.basic(user, password ?? "") : undefined);
    return admin;
  };
  const removeTenants = async (tenants: ReadonlySet<string>) => {
    if (tenants.size === 0) return;
    await adminDriver().executeQuery(
      `MATCH (n:${nodeLabel}) WHERE n.tenant IN $tenants DETACH DELETE n`,
      { tenants: [...tenants] },
      { database: "neo4j" },
    );
  };
  afterAll(async () => {
    await admin?.close();
  });

  describeGraphStoreContract("neo4j", async () => {
    const tenants = new Set<string>();
    let store = await connect();
    return {
      store: noteTenants(store, tenants),
      async reopen() {
        await store.close();
        store = await connect();
        return noteTenants(store, tenants);
      },
      async cleanup() {
        await store.close();
        await removeTenants(tenants);
      },
    };
  });

  describe("Neo4jGraphStore specifics", () => {
    const tenant = `tenant-${crypto.randomUUID()}`;
    afterAll(async () => {
      await removeTenants(new Set([tenant]));
    });

    it("records the schema version and connects again without changing it", async () => {
      const first = await connect();
      await first.close();
      const second = await connect();
      await second.close();
      const { records } = await adminDriver().executeQuery(
        "MATCH (m:_RpMigration) RETURN m.version AS version ORDER BY version",
        {},
        { database: "neo4j" },
      );
      expect(records.map((r) => Number(r.get("version")))).toEqual(
        migrations.map((m) => m.version),
      );
      const constraints = await adminDriver().executeQuery(
        "SHOW CONSTRAINTS YIELD name, type, properties WHERE name = 'ragplane_node_key' RETURN *",
        {},
        { database: "neo4j" },
      );
      expect(constraints.records[0]?.toObject()).toEqual({
        name: "ragplane_node_key",
        type: "UNIQUENESS",
        properties: ["tenant", "id"],
      });
    });

    it("gives a relationship type written before subjects its subject index on connect, and finds its relationships by subject", async () => {
      const store = await connect();
      try {
        await store.upsertNodes(tenant, [
          { id: "sx1", labels: [], properties: {}, subject: "sx" },
          { id: "sx2", labels: [], properties: {} },
        ]);
        await store.upsertRelationships(tenant, [
          { id: "sxr", fromId: "sx1", toId: "sx2", type: "SUBJECT_BACKFILL", properties: {} },
        ]);
      } finally {
        await store.close();
      }
      const index = "ragplane_relsubject_SUBJECT_BACKFILL";
      await adminDriver().executeQuery(`DROP INDEX ${index} IF EXISTS`, {}, { database: "neo4j" });
      await adminDriver().executeQuery(
        "MATCH ()-[r:SUBJECT_BACKFILL {tenant: $tenant}]->() SET r._rp_subject = 'sx'",
        { tenant },
        { database: "neo4j" },
      );
      const again = await connect();
      try {
        const { records } = await adminDriver().executeQuery(
          "SHOW INDEXES YIELD name, type, properties WHERE name = $index RETURN type, properties",
          { index },
          { database: "neo4j" },
        );
        expect(records.map((r) => r.toObject())).toEqual([
          { type: "RANGE", properties: ["tenant", "_rp_subject", "id"] },
        ]);
        const page = await again.subjectRelationships(tenant, "sx", { limit: 10 });
        expect(page.relationships.map((r) => [r.id, r.subject])).toEqual([["sxr", "sx"]]);
        expect(await again.deleteSubject(tenant, "sx", 10)).toEqual({
          nodes: 1,
          relationships: 1,
        });
      } finally {
        await again.close();
      }
    });

    it("fails to connect to a port without Neo4j with EngineUnavailableError, promptly", async () => {
      const started = performance.now();
      const error = await Neo4jGraphStore.connect({ url: "bolt://127.0.0.1:1" }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(performance.now() - started).toBeLessThan(2500);
    });

    it("keeps user properties named id, tenant or ~… apart from the stored tenant and id", async () => {
      const store = await connect();
      try {
        const properties = { id: "user id", tenant: "user tenant", "~x": 1, "~": true };
        await store.upsertNodes(tenant, [{ id: "p1", labels: ["L"], properties }]);
        expect(await store.getNode(tenant, "p1")).toEqual({ id: "p1", labels: ["L"], properties });
        const sub = await store.neighbors(tenant, {
          nodeId: "p1",
          direction: "both",
          types: [],
          labels: [],
          maxDepth: 1,
          limit: 10,
        });
        expect(sub.nodes.map((n) => n.id)).toEqual(["p1"]);
      } finally {
        await store.close();
      }
    });

    it("refuses a relationship type that cannot be written into Cypher, writing nothing", async () => {
      const store = await connect();
      try {
        await store.upsertNodes(tenant, [{ id: "q1", labels: [], properties: {} }]);
        const error = await store
          .upsertRelationships(tenant, [
            { id: "ok", fromId: "q1", toId: "q1", type: "LOOP", properties: {} },
            { fromId: "q1", toId: "q1", type: "X]->() DETACH DELETE n //", properties: {} },
          ])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PreconditionError);
        expect(error).toMatchObject({ field: "relationships[1].type" });
        expect(await store.deleteRelationships(tenant, ["ok"])).toBe(0);
        expect((await store.getNode(tenant, "q1")).id).toBe("q1");
      } finally {
        await store.close();
      }
    });
  });
}
