/**
 * The idempotency index of an event log that cannot look an event up by id (Kafka):
 * for a while after an event is stored, its id maps to where it was stored, so a
 * re-published id is acknowledged as a duplicate instead of being written again.
 *
 * Publishers follow one protocol per batch:
 * 1. `claim` every id. A claimed id belongs to the caller until it records or releases
 *    it, or the claim expires; an id already recorded comes back with its position; an
 *    id another publisher holds comes back `pending` (release yours and try again later:
 *    never wait while holding claims, so two publishers cannot wait for each other).
 * 2. Write the claimed ids' events.
 * 3. `record` their positions (kept for the idempotency window), or `release` the claims
 *    if the write failed.
 *
 * Claims and records are atomic per id, so of two concurrent publishers of one id only
 * one writes it. Implementations: `MemoryIdempotencyIndex` (one process) and
 * `RedisIdempotencyIndex` (shared by every replica, survives restarts).
 */
export interface IdempotencyIndex {
  /**
   * Claims `ids` in `scope` for `owner` for `ttlMs`, one outcome per id in order. Ids
   * must be unique within the call.
   */
  claim(scope: string, ids: readonly string[], owner: string, ttlMs: number): Promise<Claim[]>;

  /**
   * Records where claimed ids were stored, for `ttlMs`. An entry whose claim is no longer
   * `owner`'s (it expired and another publisher claimed the id) is left alone.
   */
  record(
    scope: string,
    entries: readonly RecordedEntry[],
    owner: string,
    ttlMs: number,
  ): Promise<void>;

  /** Drops `owner`'s claims on `ids`; other publishers' claims and records stay. */
  release(scope: string, ids: readonly string[], owner: string): Promise<void>;
}

/** Where an event was stored. */
export interface StoredPosition {
  readonly partition: number;
  readonly offset: bigint;
}

/** One id and where its event was stored. */
export interface RecordedEntry {
  readonly id: string;
  readonly position: StoredPosition;
}

/** What `claim` found for one id. */
export type Claim =
  /** The caller now holds the id and must record or release it. */
  | { readonly kind: "claimed" }
  /** The id was stored within the window, here. */
  | { readonly kind: "recorded"; readonly position: StoredPosition }
  /** Another publisher holds the id and has not recorded it yet. */
  | { readonly kind: "pending" };

/** The stored form of a claim held by `owner`. */
export function claimValue(owner: string): string {
  return `c:${owner}`;
}

/** The stored form of a recorded position. */
export function positionValue(position: StoredPosition): string {
  return `r:${position.partition}:${position.offset}`;
}

/** Reads a stored value back: a position, or `pending` for a claim or anything unknown. */
export function parseStoredValue(value: string): Claim {
  const match = /^r:(\d+):(\d+)$/.exec(value);
  if (!match) return { kind: "pending" };
  return {
    kind: "recorded",
    position: { partition: Number(match[1]), offset: BigInt(match[2] ?? 0) },
  };
}
