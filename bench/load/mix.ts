import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";

/** The call types of the load mix. */
export const callTypes = [
  "Search",
  "GetCollection",
  "Neighbors",
  "Publish",
  "Upsert",
  "UpsertNodes",
] as const;

/** One of {@link callTypes}. */
export type CallType = (typeof callTypes)[number];

/** A number per call type. */
export type PerCallType<T> = Readonly<Record<CallType, T>>;

/**
 * The share of the calls each type gets, summing to 1: a retrieval workload, where reads
 * (Search, the collection's metadata, a graph neighbourhood) outnumber writes (events
 * published, small batches of points and nodes upserted).
 */
export const mixWeights: PerCallType<number> = {
  Search: 0.35,
  GetCollection: 0.15,
  Neighbors: 0.15,
  Publish: 0.15,
  Upsert: 0.1,
  UpsertNodes: 0.1,
};

/** Each call type's method, as ghz names it (`package.Service/Method`). */
export const methodNames: PerCallType<string> = {
  Search: `${VectorsService.typeName}/${VectorsService.method.search.name}`,
  GetCollection: `${VectorsService.typeName}/${VectorsService.method.getCollection.name}`,
  Neighbors: `${GraphsService.typeName}/${GraphsService.method.neighbors.name}`,
  Publish: `${EventsService.typeName}/${EventsService.method.publish.name}`,
  Upsert: `${VectorsService.typeName}/${VectorsService.method.upsert.name}`,
  UpsertNodes: `${GraphsService.typeName}/${GraphsService.method.upsertNodes.name}`,
};

/**
 * Splits `total` over the call types by {@link mixWeights} (largest remainders), then
 * raises any part below `least` at the expense of the largest, so the parts always add
 * up to `total`.
 */
export function splitByWeight(total: number, least = 1): PerCallType<number> {
  if (total < least * callTypes.length) {
    throw new Error(`${total} cannot give each of ${callTypes.length} call types ${least}`);
  }
  const exact = callTypes.map((type) => total * mixWeights[type]);
  const parts = exact.map((value) => Math.floor(value));
  let left = total - parts.reduce((sum, part) => sum + part, 0);
  const byRemainder = exact
    .map((value, i) => ({ i, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    parts[i]!++;
  }
  for (let i = 0; i < parts.length; i++) {
    while (parts[i]! < least) {
      const largest = parts.indexOf(Math.max(...parts));
      parts[largest]!--;
      parts[i]!++;
    }
  }
  return Object.fromEntries(callTypes.map((type, i) => [type, parts[i]!])) as PerCallType<number>;
}

/**
 * An endless sequence of call types in the proportions of {@link mixWeights}, spread evenly
 * (smooth weighted round robin: no type comes in bursts).
 */
export function weightedSequence(): () => CallType {
  const current = new Map<CallType, number>(callTypes.map((type) => [type, 0]));
  return () => {
    let best: CallType = callTypes[0];
    for (const type of callTypes) {
      const value = current.get(type)! + mixWeights[type];
      current.set(type, value);
      if (value > current.get(best)!) best = type;
    }
    current.set(best, current.get(best)! - 1);
    return best;
  };
}
