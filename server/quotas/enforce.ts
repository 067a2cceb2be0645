import type { EventLog } from "../../clients/events/port.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import { relationshipIdOf } from "../../clients/graphs/relationship-id.js";
import type { PointInput, VectorStore } from "../../clients/vectors/port.js";
import { decorateEngine } from "../engine-decorator.js";
import type { QuotaLedger, Reservation } from "./ledger.js";
import { bytesPerDimension, type MeteredEngines } from "./meter.js";
import type { Demand } from "./resources.js";

/**
 * The engines, with every write that grows a tenant checked against its quotas first:
 * CreateCollection, CreateTopic, Upsert (points and their vector bytes), UpsertNodes and
 * UpsertRelationships. A write past a quota is refused before it reaches the engine, so
 * it writes nothing. Reads and deletes pass straight through.
 */
export function enforceQuotas<E extends MeteredEngines>(engines: E, ledger: QuotaLedger): E {
  const { events, vectors, graphs } = engines;
  return {
    ...engines,
    events: withOverrides<EventLog>(events, {
      createTopic: (tenant, spec, signal) =>
        claimed(ledger.reserve(tenant, { topics: 1, partitions: spec.partitions }, signal), () =>
          events.createTopic(tenant, spec, signal),
        ),
    }),
    vectors: withOverrides<VectorStore>(vectors, {
      createCollection: (tenant, spec, signal) =>
        claimed(ledger.reserve(tenant, { collections: 1 }, signal), () =>
          vectors.createCollection(tenant, spec, signal),
        ),
      upsert: (tenant, collection, points, signal) => {
        const batch = lastById(points, (point) => point.id);
        const existing = async (): Promise<Demand> => {
          const found = await vectors.get(
            tenant,
            collection,
            [...batch.keys()],
            {
              withVector: false,
            },
            signal,
          );
          const replaced = new Set(found.map((point) => point.id));
          return pointDemand([...batch.values()].filter((point) => !replaced.has(point.id)));
        };
        return claimed(
          ledger.reserve(tenant, pointDemand([...batch.values()]), signal, existing),
          () => vectors.upsert(tenant, collection, points, signal),
        );
      },
    }),
    graphs: withOverrides<GraphStore>(graphs, {
      upsertNodes: (tenant, nodes, signal) => {
        const ids = [...new Set(nodes.map((node) => node.id))];
        const added = async (): Promise<Demand> => {
          const found = await graphs.countExisting(
            tenant,
            { nodeIds: ids, relationshipIds: [] },
            signal,
          );
          return { nodes: ids.length - found.nodes };
        };
        return claimed(ledger.reserve(tenant, { nodes: ids.length }, signal, added), () =>
          graphs.upsertNodes(tenant, nodes, signal),
        );
      },
      upsertRelationships: (tenant, relationships, signal) => {
        const ids = [...new Set(relationships.map(relationshipIdOf))];
        const added = async (): Promise<Demand> => {
          const found = await graphs.countExisting(
            tenant,
            { nodeIds: [], relationshipIds: ids },
            signal,
          );
          return { relationships: ids.length - found.relationships };
        };
        return claimed(ledger.reserve(tenant, { relationships: ids.length }, signal, added), () =>
          graphs.upsertRelationships(tenant, relationships, signal),
        );
      },
    }),
  };
}

/** Runs `write` under a reservation, committing it on success and releasing it on failure. */
async function claimed<T>(reservation: Promise<Reservation>, write: () => Promise<T>): Promise<T> {
  const claim = await reservation;
  try {
    const result = await write();
    claim.commit();
    return result;
  } catch (error) {
    claim.release();
    throw error;
  }
}

/** What writing `points` adds: the points, and their vectors' bytes. */
function pointDemand(points: readonly PointInput[]): Demand {
  let bytes = 0;
  for (const point of points) bytes += point.vector.length * bytesPerDimension;
  return { points: points.length, stored_bytes: bytes };
}

/** The last item of each id, as an upsert keeps it. */
function lastById<T>(items: readonly T[], idOf: (item: T) => string): Map<string, T> {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(idOf(item), item);
  return byId;
}

/** `engine` with some of its methods replaced; every other member is the engine's own. */
function withOverrides<T extends object>(engine: T, overrides: Partial<T>): T {
  return decorateEngine(engine, (property) =>
    Object.hasOwn(overrides, property) ? overrides[property as keyof T] : undefined,
  );
}
