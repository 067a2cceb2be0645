import { createHash } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { AlreadyExistsError } from "../../errors.js";
import type { Distance, PayloadIndexSpec, PointInput } from "../port.js";
import { distanceOf, isPayloadIndexType } from "./catalog.js";
import { callerKeyPath, callerPayload, storedId, tenantField } from "./payload.js";
import type { QdrantVectorStore } from "./store.js";

/**
 * A Qdrant collection of the former layout: one per tenant and logical collection, named
 * `<prefix>_<tenant key>_<name>`, the tenant key being the first 32 hex digits of the
 * SHA-256 of the tenant.
 */
export interface LegacyCollection {
  readonly qdrantName: string;
  readonly tenantKey: string;
  readonly name: string;
}

/** What happened to one legacy collection. */
export type MigrationOutcome =
  | { readonly kind: "migrated"; readonly tenant: string; readonly points: number }
  | { readonly kind: "skipped"; readonly reason: string };

/** Told each legacy collection's progress. */
export type MigrationProgress = (collection: LegacyCollection, copiedPoints: number) => void;

/** The former layout's tenant key. */
export function legacyTenantKey(tenant: string): string {
  return createHash("sha256").update(tenant, "utf8").digest("hex").slice(0, 32);
}

/** The legacy collections of `prefix` in Qdrant, by name. */
export async function findLegacyCollections(
  client: QdrantClient,
  prefix: string,
): Promise<LegacyCollection[]> {
  const pattern = new RegExp(`^${prefix}_([0-9a-f]{32})_([A-Za-z0-9._-]{1,200})$`);
  const { collections } = await client.getCollections();
  return collections
    .flatMap(({ name }) => {
      const match = pattern.exec(name);
      return match === null
        ? []
        : [{ qdrantName: name, tenantKey: match[1] as string, name: match[2] as string }];
    })
    .sort((a, b) => (a.qdrantName < b.qdrantName ? -1 : 1));
}

/**
 * Copies one legacy collection into the shared layout through `store`: the collection
 * (same shape and payload indexes) and every point (same id, vector and payload), then
 * checks the counts. Safe to run again after an interruption (writes are upserts). The
 * tenant is read from the points; an empty collection's tenant is found among
 * `knownTenants` by its key, else the collection is skipped. The legacy collection is
 * left in place: delete it once the migration is verified.
 */
export async function migrateLegacyCollection(
  client: QdrantClient,
  store: QdrantVectorStore,
  legacy: LegacyCollection,
  knownTenants: readonly string[],
  progress?: MigrationProgress,
): Promise<MigrationOutcome> {
  const info = await client.getCollection(legacy.qdrantName);
  const shape = shapeOf(info);
  if (shape === undefined) return { kind: "skipped", reason: "not one vector of a known distance" };
  const first = await client.scroll(legacy.qdrantName, { limit: 1, with_payload: [tenantField] });
  const stored = first.points[0]?.payload?.[tenantField];
  const tenant =
    typeof stored === "string"
      ? stored
      : knownTenants.find((candidate) => legacyTenantKey(candidate) === legacy.tenantKey);
  if (tenant === undefined)
    return { kind: "skipped", reason: "empty, and its tenant is not among the known tenants" };
  if (legacyTenantKey(tenant) !== legacy.tenantKey)
    return { kind: "skipped", reason: "its points name a tenant that does not match its name" };
  try {
    await store.createCollection(tenant, { name: legacy.name, ...shape });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
  }
  let copied = 0;
  let offset: Schemas["ExtendedPointId"] | undefined;
  for (;;) {
    const page = await client.scroll(legacy.qdrantName, {
      limit: 256,
      with_payload: true,
      with_vector: true,
      filter: { must: [{ key: tenantField, match: { value: tenant } }] },
      ...(offset === undefined ? {} : { offset }),
    });
    const points = page.points.flatMap((record) => pointOf(record));
    if (points.length > 0) copied += await store.upsert(tenant, legacy.name, points);
    progress?.(legacy, copied);
    const next = page.next_page_offset;
    if (next === undefined || next === null) break;
    offset = next as Schemas["ExtendedPointId"];
  }
  const expected = (await client.count(legacy.qdrantName, { exact: true })).count;
  const actual = (await store.getCollection(tenant, legacy.name)).pointCount;
  if (actual < expected)
    throw new Error(
      `${legacy.qdrantName}: ${expected} points, but ${actual} in the shared layout after copying`,
    );
  return { kind: "migrated", tenant, points: copied };
}

function shapeOf(
  info: Schemas["CollectionInfo"],
): { dimension: number; distance: Distance; payloadIndexes: PayloadIndexSpec[] } | undefined {
  const vectors = info.config.params.vectors as Partial<Schemas["VectorParams"]> | undefined;
  const distance = vectors?.distance === undefined ? undefined : distanceOf(vectors.distance);
  if (typeof vectors?.size !== "number" || distance === undefined) return undefined;
  const payloadIndexes: PayloadIndexSpec[] = [];
  for (const [key, index] of Object.entries(info.payload_schema)) {
    const callerKey = callerKeyPath(key);
    if (callerKey !== undefined && index !== undefined && isPayloadIndexType(index.data_type))
      payloadIndexes.push({ key: callerKey, type: index.data_type });
  }
  return { dimension: vectors.size, distance, payloadIndexes };
}

function pointOf(record: Schemas["Record"]): PointInput[] {
  const id = storedId(record.payload);
  if (id === undefined || !Array.isArray(record.vector)) return [];
  const payload: JsonObject = callerPayload(record.payload);
  return [{ id, vector: record.vector as number[], payload }];
}
