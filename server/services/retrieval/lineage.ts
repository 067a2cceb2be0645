import type { MessageInitShape } from "@bufbuild/protobuf";
import { NotFoundError } from "../../../clients/errors.js";
import type {
  GetLineageRequest,
  GetLineageResponseSchema,
} from "../../../gen/ragplane/v1/retrieval_pb.js";
import { toLineageInit } from "../../lineage/convert.js";
import { lineageOf } from "../../lineage/fields.js";
import type { ServiceContext } from "../context.js";
import type { RetrievalStores } from "./service.js";

/**
 * GetLineage: reads the item named (a point through the vector port, a node or a
 * relationship through the graph port) and answers the lineage its reserved keys hold,
 * unset for an item written directly. NOT_FOUND when the item does not exist.
 */
export async function getLineage(
  stores: RetrievalStores,
  request: GetLineageRequest,
  { tenant, signal }: ServiceContext,
): Promise<MessageInitShape<typeof GetLineageResponseSchema>> {
  const fields = await fieldsOf(stores, request.target, tenant, signal);
  const lineage = lineageOf(fields);
  return lineage === undefined ? {} : { lineage: toLineageInit(lineage) };
}

async function fieldsOf(
  { vectors, graphs }: RetrievalStores,
  target: GetLineageRequest["target"],
  tenant: string,
  signal: AbortSignal,
): Promise<Readonly<Record<string, unknown>>> {
  switch (target.case) {
    case "point": {
      const { collection, id } = target.value;
      const [point] = await vectors.get(tenant, collection, [id], { withVector: false }, signal);
      if (point === undefined) throw new NotFoundError("point", id);
      return point.payload ?? {};
    }
    case "nodeId":
      return (await graphs.getNode(tenant, target.value, signal)).properties;
    case "relationshipId": {
      const [relationship] = await graphs.getRelationships(tenant, [target.value], signal);
      if (relationship === undefined) throw new NotFoundError("relationship", target.value);
      return relationship.properties;
    }
    default:
      throw new RangeError("GetLineage target was not validated");
  }
}
