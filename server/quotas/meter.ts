import { NotFoundError } from "../../clients/errors.js";
import type { EventLog } from "../../clients/events/port.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import type { CollectionDetails, VectorStore } from "../../clients/vectors/port.js";
import type { Demand, ResourceGroup } from "./resources.js";

/** The stores a tenant's usage is measured in. */
export interface MeteredEngines {
  readonly events: EventLog;
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
}

/** Measures what one tenant holds now in one store: the resources of that group. */
export type UsageMeter = (tenant: string, group: ResourceGroup) => Promise<Demand>;

/** Bytes of one stored vector component (32-bit float). */
export const bytesPerDimension = 4;

const page = 1_000;
/** Collections described at once while measuring. */
const describedAtOnce = 32;

/**
 * A meter that asks the engines themselves, so every replica sees the same usage: the
 * tenant's topics (and their partitions), its collections with their point counts (vector
 * data is `points × dimension × 4` bytes) or its graph's size. Each store is asked only
 * about its own resources, so an engine that is down holds up no write to the others.
 */
export function engineMeter(engines: MeteredEngines): UsageMeter {
  return async (tenant, group) => {
    if (group === "events") return topicUsage(engines.events, tenant);
    if (group === "vectors") return vectorUsage(engines.vectors, tenant);
    return engines.graphs.usage(tenant);
  };
}

async function topicUsage(events: EventLog, tenant: string, signal?: AbortSignal) {
  let topics = 0;
  let partitions = 0;
  let after: string | undefined;
  do {
    const listed = await events.listTopics(
      tenant,
      after === undefined ? { limit: page } : { limit: page, after },
      signal,
    );
    topics += listed.topics.length;
    for (const topic of listed.topics) partitions += topic.partitions;
    after = listed.nextAfter;
  } while (after !== undefined);
  return { topics, partitions };
}

async function vectorUsage(vectors: VectorStore, tenant: string, signal?: AbortSignal) {
  let collections = 0;
  let points = 0;
  let storedBytes = 0;
  let after: string | undefined;
  do {
    const listed = await vectors.listCollections(
      tenant,
      after === undefined ? { limit: page } : { limit: page, after },
      signal,
    );
    collections += listed.collections.length;
    const names = listed.collections.map((collection) => collection.name);
    for (let start = 0; start < names.length; start += describedAtOnce) {
      const details = await Promise.all(
        names
          .slice(start, start + describedAtOnce)
          .map((name) => describe(vectors, tenant, name, signal)),
      );
      for (const detail of details) {
        if (detail === undefined) continue;
        points += detail.pointCount;
        storedBytes += detail.pointCount * detail.dimension * bytesPerDimension;
      }
    }
    after = listed.nextAfter;
  } while (after !== undefined);
  return { collections, points, stored_bytes: storedBytes };
}

/** A collection's details; undefined when it was deleted since it was listed. */
async function describe(
  vectors: VectorStore,
  tenant: string,
  name: string,
  signal?: AbortSignal,
): Promise<CollectionDetails | undefined> {
  try {
    return await vectors.getCollection(tenant, name, signal);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
