import type { PropertyScalar } from "../../clients/graphs/port.js";

/**
 * Payload and property keys starting with this are ragplane's own: clients may not write
 * them (INVALID_ARGUMENT) and never see them unless they ask for what they carry.
 */
export const reservedKeyPrefix = "_rp_";

/** Where an item written by ingestion came from: the event it was projected from. */
export interface LineageRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly eventId: string;
  readonly eventTime: Date;
  readonly projectedTime: Date;
}

/** The flat keys lineage is stored under, in point payloads and node or relationship properties alike. */
export const lineageKeys = {
  topic: "_rp_lineage_topic",
  partition: "_rp_lineage_partition",
  offset: "_rp_lineage_offset",
  eventId: "_rp_lineage_event_id",
  eventTime: "_rp_lineage_event_time",
  projectedTime: "_rp_lineage_projected_time",
} as const;

/** True for a key clients may not write (see {@link reservedKeyPrefix}). */
export function isReservedKey(key: string): boolean {
  return key.startsWith(reservedKeyPrefix);
}

/**
 * Lineage as flat scalar fields, storable as point payload keys and as Neo4j properties
 * (which hold no maps). Times are milliseconds since the epoch; the offset is a decimal
 * string, exact at any size.
 */
export function lineageFields(lineage: LineageRecord): Record<string, PropertyScalar> {
  return {
    [lineageKeys.topic]: lineage.topic,
    [lineageKeys.partition]: lineage.partition,
    [lineageKeys.offset]: lineage.offset.toString(),
    [lineageKeys.eventId]: lineage.eventId,
    [lineageKeys.eventTime]: lineage.eventTime.getTime(),
    [lineageKeys.projectedTime]: lineage.projectedTime.getTime(),
  };
}

/**
 * The lineage stored in `fields` by {@link lineageFields}, or `undefined` when the item
 * carries none (written directly) or only part of it.
 */
export function lineageOf(fields: Readonly<Record<string, unknown>>): LineageRecord | undefined {
  const topic = fields[lineageKeys.topic];
  const partition = fields[lineageKeys.partition];
  const offset = fields[lineageKeys.offset];
  const eventId = fields[lineageKeys.eventId];
  const eventTime = fields[lineageKeys.eventTime];
  const projectedTime = fields[lineageKeys.projectedTime];
  if (
    typeof topic !== "string" ||
    typeof partition !== "number" ||
    typeof offset !== "string" ||
    !/^\d+$/.test(offset) ||
    typeof eventId !== "string" ||
    typeof eventTime !== "number" ||
    typeof projectedTime !== "number"
  ) {
    return undefined;
  }
  return {
    topic,
    partition,
    offset: BigInt(offset),
    eventId,
    eventTime: new Date(eventTime),
    projectedTime: new Date(projectedTime),
  };
}

/** `fields` without ragplane's reserved keys: what clients see. The same object when it has none. */
export function withoutReservedKeys<T>(
  fields: Readonly<Record<string, T>>,
): Readonly<Record<string, T>> {
  let reserved = false;
  for (const key in fields) {
    if (isReservedKey(key)) {
      reserved = true;
      break;
    }
  }
  if (!reserved) return fields;
  const visible: Record<string, T> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!isReservedKey(key)) visible[key] = value;
  }
  return visible;
}
