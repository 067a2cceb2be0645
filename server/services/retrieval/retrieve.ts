import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  RetrieveRequest,
  RetrieveResponseSchema,
} from "../../../gen/ragplane/v1/retrieval_pb.js";
import type { ServiceContext } from "../context.js";
import { graphItemConverters, toTraversalDirection } from "../graphs/convert.js";
import { toHitInit, toPointFilter } from "../vectors/convert.js";
import { expansionBudget } from "./budget.js";
import { entityIdsOf } from "./entities.js";
import { expandHits } from "./expansion.js";
import type { ExpansionPlan, Neighbourhood } from "./neighbourhood.js";
import type { RetrievalStores } from "./service.js";

/** Hits when the request leaves `limit` at 0. */
export const defaultRetrieveLimit = 10;
/** Nodes per hit besides its entities when `expand.limit` is 0. */
export const defaultExpansionLimit = 20;

type RetrieveResponseInit = MessageInitShape<typeof RetrieveResponseSchema>;

/**
 * Retrieve: one search (payloads included, since they name each hit's entities), then,
 * when `expand` is set, the graph around those entities (`expandHits`), under a budget
 * that ends a little before the call's deadline so that the hits are answered, marked
 * partial, rather than lost to DEADLINE_EXCEEDED.
 */
export async function retrieve(
  { vectors, graphs }: RetrievalStores,
  request: RetrieveRequest,
  { tenant, signal, deadline }: ServiceContext,
): Promise<RetrieveResponseInit> {
  const filter = toPointFilter(request.filter);
  const hits = await vectors.search(
    tenant,
    request.collection,
    {
      vector: request.vector,
      limit: request.limit || defaultRetrieveLimit,
      withPayload: true,
      withVector: false,
      exact: false,
      ...(filter === undefined ? {} : { filter }),
      ...(request.minScore === undefined ? {} : { scoreThreshold: request.minScore }),
    },
    signal,
  );
  const entityIds = hits.map((hit) => entityIdsOf(hit.payload));
  const wanted = { withPayload: true, withLineage: request.withLineage };
  const plan = expansionPlanOf(request);
  if (plan === undefined || hits.length === 0) {
    return {
      hits: hits.map((hit, i) => ({ hit: toHitInit(hit, wanted), entityIds: entityIds[i] })),
      partial: false,
    };
  }
  const budget = expansionBudget(signal, deadline);
  const expansion = await expandHits(graphs, tenant, entityIds, plan, budget).finally(() =>
    budget.release(),
  );
  const convert = graphItemConverters(request.withLineage);
  return {
    hits: hits.map((hit, i) => {
      const around: Neighbourhood | undefined = expansion.neighbourhoods[i];
      return {
        hit: toHitInit(hit, wanted),
        entityIds: entityIds[i],
        nodes: around?.nodes.map(convert.node) ?? [],
        relationships: around?.relationships.map(convert.relationship) ?? [],
      };
    }),
    partial: expansion.partial,
  };
}

/** The request's expansion with its defaults applied, or undefined when none is asked for. */
export function expansionPlanOf(request: RetrieveRequest): ExpansionPlan | undefined {
  const { expand } = request;
  if (expand === undefined) return undefined;
  return {
    depth: expand.depth,
    limit: expand.limit || defaultExpansionLimit,
    direction: toTraversalDirection(expand.direction),
    types: [...new Set(expand.types)],
  };
}
