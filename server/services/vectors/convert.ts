import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import {
  type CollectionInfo,
  type Condition,
  type Distance,
  defaultIndexSettings,
  type FilterScalar,
  type IndexSettings,
  type PayloadIndexSpec,
  type PayloadIndexType,
  type PointFilter,
  type PointInput,
  type RangeBounds,
  type ScoredPoint,
  type StoredPoint,
} from "../../../clients/vectors/port.js";
import {
  type CollectionSchema,
  type Condition as ConditionMessage,
  Distance as DistanceEnum,
  type Filter,
  type HitSchema,
  type IndexSettings as IndexSettingsMessage,
  type PayloadIndex,
  PayloadIndexType as PayloadIndexTypeEnum,
  type Point,
  type PointSchema,
} from "../../../gen/ragplane/v1/vectors_pb.js";
import { toLineageInit } from "../../lineage/convert.js";
import { lineageOf, withoutReservedKeys } from "../../lineage/fields.js";
import { toMaxAgeDuration } from "../../retention/max-age.js";

const distances = new Map<DistanceEnum, Distance>([
  [DistanceEnum.COSINE, "cosine"],
  [DistanceEnum.DOT, "dot"],
  [DistanceEnum.EUCLID, "euclid"],
]);
const distanceEnums = new Map([...distances].map(([e, d]) => [d, e]));

const indexTypes = new Map<PayloadIndexTypeEnum, PayloadIndexType>([
  [PayloadIndexTypeEnum.KEYWORD, "keyword"],
  [PayloadIndexTypeEnum.INTEGER, "integer"],
  [PayloadIndexTypeEnum.FLOAT, "float"],
  [PayloadIndexTypeEnum.BOOL, "bool"],
]);
const indexTypeEnums = new Map([...indexTypes].map(([e, t]) => [t, e]));

/** The known `Distance` enum values (validation accepts only these). */
export const knownDistances: readonly number[] = [...distances.keys()];
/** The known `PayloadIndexType` enum values (validation accepts only these). */
export const knownPayloadIndexTypes: readonly number[] = [...indexTypes.keys()];

/** The port's distance for a validated enum value. */
export function toDistance(value: DistanceEnum): Distance {
  const distance = distances.get(value);
  if (distance === undefined) throw new RangeError(`distance ${value} was not validated`);
  return distance;
}

/** The port's payload index for a validated message. */
export function toPayloadIndex(index: PayloadIndex): PayloadIndexSpec {
  const type = indexTypes.get(index.type);
  if (type === undefined)
    throw new RangeError(`payload index type ${index.type} was not validated`);
  return { key: index.key, type };
}

/** The accepted ranges of the HNSW settings (0 in a request means the default). */
export const indexSettingLimits = {
  m: { min: 4, max: 64 },
  efConstruct: { min: 8, max: 1024 },
  searchEf: { max: 4096 },
} as const;

/** A request's index settings with the defaults filled in. */
export function toIndexSettings(settings: IndexSettingsMessage | undefined): IndexSettings {
  return {
    m: settings?.hnswM || defaultIndexSettings.m,
    efConstruct: settings?.hnswEfConstruct || defaultIndexSettings.efConstruct,
  };
}

/** A collection as the `Collection` message; `pointCount` is 0 when not known. */
export function toCollectionInit(
  collection: CollectionInfo & { readonly pointCount?: number },
): MessageInitShape<typeof CollectionSchema> {
  const index = collection.index ?? defaultIndexSettings;
  return {
    index: { hnswM: index.m, hnswEfConstruct: index.efConstruct },
    name: collection.name,
    dimension: collection.dimension,
    distance: distanceEnums.get(collection.distance) ?? DistanceEnum.UNSPECIFIED,
    payloadIndexes: collection.payloadIndexes.map((index) => ({
      key: index.key,
      type: indexTypeEnums.get(index.type) ?? PayloadIndexTypeEnum.UNSPECIFIED,
    })),
    pointCount: BigInt(collection.pointCount ?? 0),
    sensitiveFields: [...collection.sensitiveFields],
    ...(collection.maxAgeMs === undefined ? {} : { maxAge: toMaxAgeDuration(collection.maxAgeMs) }),
  };
}

/** A `Point` message as the port's input; an empty subject is none. */
export function toPointInput(point: Point): PointInput {
  return {
    id: point.id,
    vector: point.vector,
    ...(point.payload === undefined ? {} : { payload: point.payload }),
    ...(point.subject === "" ? {} : { subject: point.subject }),
  };
}

/** A stored point as the `Point` message, its payload without reserved keys. */
export function toPointInit(point: StoredPoint): MessageInitShape<typeof PointSchema> {
  return {
    id: point.id,
    vector: point.vector ?? [],
    ...(point.payload === undefined
      ? {}
      : { payload: withoutReservedKeys(point.payload) as JsonObject }),
    ...(point.subject === undefined ? {} : { subject: point.subject }),
  };
}

/** A search hit as the `Hit` message; its subject only with its payload. */
export function toHitInit(
  hit: ScoredPoint,
  wanted: { readonly withPayload: boolean; readonly withLineage: boolean },
): MessageInitShape<typeof HitSchema> {
  const lineage =
    wanted.withLineage && hit.payload !== undefined ? lineageOf(hit.payload) : undefined;
  return {
    id: hit.id,
    score: hit.score,
    vector: hit.vector ?? [],
    ...(wanted.withPayload && hit.payload !== undefined
      ? { payload: withoutReservedKeys(hit.payload) as JsonObject }
      : {}),
    ...(wanted.withPayload && hit.subject !== undefined ? { subject: hit.subject } : {}),
    ...(lineage === undefined ? {} : { lineage: toLineageInit(lineage) }),
  };
}

/** A validated `Filter` message as the port's filter; undefined stays undefined. */
export function toPointFilter(filter: Filter | undefined): PointFilter | undefined {
  if (filter === undefined) return undefined;
  return {
    must: filter.must.map(toCondition),
    should: filter.should.map(toCondition),
    mustNot: filter.mustNot.map(toCondition),
  };
}

function toCondition(condition: ConditionMessage): Condition {
  const { key, test } = condition;
  switch (test.case) {
    case "match":
      return { key, match: toScalar(test.value.value) };
    case "any":
      return { key, any: test.value.values.map(toScalar) };
    case "range": {
      const range: { -readonly [K in keyof RangeBounds]: RangeBounds[K] } = {};
      if (test.value.gt !== undefined) range.gt = test.value.gt;
      if (test.value.gte !== undefined) range.gte = test.value.gte;
      if (test.value.lt !== undefined) range.lt = test.value.lt;
      if (test.value.lte !== undefined) range.lte = test.value.lte;
      return { key, range };
    }
    default:
      throw new RangeError(`condition on "${key}" was not validated`);
  }
}

/**
 * The scalar a `google.protobuf.Value` holds, or undefined when it holds anything else
 * (null, a struct, a list, nothing).
 */
export function scalarOf(value: Value | undefined): FilterScalar | undefined {
  switch (value?.kind.case) {
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return value.kind.value;
    default:
      return undefined;
  }
}

function toScalar(value: Value | undefined): FilterScalar {
  const scalar = scalarOf(value);
  if (scalar === undefined) throw new RangeError("filter value was not validated");
  return scalar;
}
