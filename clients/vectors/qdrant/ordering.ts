/**
 * Paging through points in id order on an engine that can only order by numbers.
 *
 * Ids are ordered by their UTF-8 bytes (as SQLite's BINARY collation orders the embedded
 * store's ids). Qdrant orders only by numeric payload keys (`order_by` needs a range
 * index: integer, float or datetime; keywords cannot be ordered), so each point carries
 * {@link orderKeyLevels} integers: its id's bytes 0–5, 6–11 and 12–17, each read as a
 * big-endian 48-bit number (exact in a double), missing bytes as 0. A key never
 * decreases as ids increase, so ordering by key 0, then key 1 among equal key 0, and so
 * on, orders ids up to their first 18 bytes; ids equal that far are ordered in memory.
 */

/** How many order keys each point carries. */
export const orderKeyLevels = 3;

const bytesPerLevel = 6;

/** The order key of an id at a level (0-based). */
export function orderKey(id: string, level: number): number {
  return keyOf(Buffer.from(id, "utf8"), level);
}

/** Every order key of an id, level 0 first. */
export function orderKeys(id: string): number[] {
  const bytes = Buffer.from(id, "utf8");
  return Array.from({ length: orderKeyLevels }, (_, level) => keyOf(bytes, level));
}

function keyOf(bytes: Uint8Array, level: number): number {
  let key = 0;
  const start = level * bytesPerLevel;
  for (let i = start; i < start + bytesPerLevel; i++) key = key * 256 + (bytes[i] ?? 0);
  return key;
}

/** Compares two ids by their UTF-8 bytes. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** One fixed order key: the points whose key at `level` equals `key`. */
export interface KeyEquality {
  readonly level: number;
  readonly key: number;
}

/** What the paging needs from an engine, over the points matching a fixed base filter. */
export interface IdSource {
  /**
   * Ids of the points that also match every equality in `scope`, in any order: all of
   * them when `limit` is undefined, else at most `limit`, telling whether that was all.
   */
  scan(
    scope: readonly KeyEquality[],
    limit: number | undefined,
  ): Promise<{ ids: string[]; complete: boolean }>;
  /**
   * At most `limit` ids of the points that match `scope` and whose key at `level` is at
   * least `from` (any when undefined), in ascending order of that key, ties in any order.
   */
  ordered(
    scope: readonly KeyEquality[],
    level: number,
    from: number | undefined,
    limit: number,
  ): Promise<string[]>;
}

/** Below this many points a group is read whole and sorted in memory. */
export const defaultProbeSize = 256;

/**
 * The first `count` ids greater than `after` (all ids when undefined), in id order.
 * Costs a few requests per call while ids differ within their first 18 bytes; a run of
 * ids that share those bytes is read whole whenever a page starts or ends inside it.
 */
export async function idsAfter(
  source: IdSource,
  after: string | undefined,
  count: number,
  probeSize = defaultProbeSize,
): Promise<string[]> {
  if (count <= 0) return [];
  const cursor = after === undefined ? undefined : Buffer.from(after, "utf8");
  return collect(source, probeSize, [], 0, cursor, count);
}

async function collect(
  source: IdSource,
  probeSize: number,
  scope: readonly KeyEquality[],
  level: number,
  after: Buffer | undefined,
  count: number,
): Promise<string[]> {
  const bottom = level === orderKeyLevels;
  const probe = await source.scan(scope, bottom ? undefined : probeSize);
  if (probe.complete) return smallestAfter(probe.ids, after, count);
  const out: string[] = [];
  let from: number | undefined;
  if (after !== undefined) {
    const key = keyOf(after, level);
    const inner = [...scope, { level, key }];
    out.push(...(await collect(source, probeSize, inner, level + 1, after, count)));
    if (out.length >= count) return out;
    from = key + 1;
  }
  const wanted = count - out.length;
  const window = await source.ordered(scope, level, from, wanted);
  if (window.length < wanted) return [...out, ...sortIds(window)];
  const last = orderKey(window.at(-1) as string, level);
  out.push(...sortIds(window.filter((id) => orderKey(id, level) < last)));
  const tail = [...scope, { level, key: last }];
  out.push(...(await collect(source, probeSize, tail, level + 1, undefined, count - out.length)));
  return out;
}

function smallestAfter(ids: readonly string[], after: Buffer | undefined, count: number) {
  const keep =
    after === undefined ? ids : ids.filter((id) => Buffer.compare(Buffer.from(id), after) > 0);
  return sortIds(keep).slice(0, count);
}

/** Ids in id order (by UTF-8 bytes), each once. */
export function sortIds(ids: readonly string[]): string[] {
  return [...new Set(ids)]
    .map((id) => ({ id, bytes: Buffer.from(id, "utf8") }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((entry) => entry.id);
}
