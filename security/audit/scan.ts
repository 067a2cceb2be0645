import { NotFoundError } from "../../clients/errors.js";
import type { EventLog, ReadStart, StoredEvent } from "../../clients/events/port.js";
import { decodeAuditEntry } from "./codec.js";
import { InvalidAuditPositionError } from "./errors.js";
import type { AuditEvent, AuditPage, AuditQuery, StoredAuditEvent } from "./port.js";

/** Where the trail is and how much one query may read. */
export interface AuditScanTarget {
  readonly events: EventLog;
  readonly tenant: string;
  readonly topic: string;
  /** Records read at most per query before it returns a `next` to continue from. */
  readonly maxScan: number;
}

/**
 * How far an event's own time and its append time may lie apart: the writer's buffering
 * and retries, plus clock differences between replicas and brokers. Reads by time start
 * this much early, and a scan for `until` stops only this much past it.
 */
export const appendSlackMs = 60_000;

/** Largest page a query may ask for. */
export const maxAuditPageSize = 1000;

const position = /^(0|[1-9][0-9]{0,18})$/;

/**
 * Answers an audit query from the trail's single partition, from where it starts (after
 * `after`; else the first append at `since` less {@link appendSlackMs}; else the
 * beginning) up to the end it has when the query begins: it never waits for new events.
 * Returns `next` when it stopped at `limit` matches or at `maxScan` records read; none
 * when it reached the end (or records appended too late to be before `until`). Should an
 * operator's retention have removed every event before that end, the read would wait for
 * the next append: `signal` (the call's deadline) bounds it.
 */
export async function scanAudit(
  target: AuditScanTarget,
  query: AuditQuery,
  signal?: AbortSignal,
): Promise<AuditPage> {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxAuditPageSize) {
    throw new RangeError(`limit must be an integer from 1 to ${maxAuditPageSize}, got ${limit}`);
  }
  if (query.after !== undefined && !position.test(query.after)) {
    throw new InvalidAuditPositionError(query.after);
  }
  const end = await endOf(target, signal);
  const start = await startOf(target, query, end, signal);
  if (start === undefined) return { events: [] };

  const matches = matcher(query);
  const stopAt = query.until === undefined ? undefined : query.until + appendSlackMs;
  const found: StoredAuditEvent[] = [];
  let scanned = 0;
  const reading = target.events.read(
    target.tenant,
    target.topic,
    { start, partition: 0 },
    signal ?? new AbortController().signal,
  );
  for await (const stored of reading) {
    if (stored.offset >= end) break;
    if (stopAt !== undefined && stored.time.getTime() >= stopAt) break;
    scanned++;
    const entry = decodeAuditEntry(stored);
    if (entry !== undefined && matches(entry.event)) {
      const position = stored.offset.toString();
      found.push({ ...entry.event, position, ...(entry.link ? { link: entry.link } : {}) });
    }
    if (stored.offset >= end - 1n) break;
    if (found.length >= limit || scanned >= target.maxScan) {
      return { events: found, next: stored.offset.toString() };
    }
  }
  return { events: found };
}

async function endOf(target: AuditScanTarget, signal: AbortSignal | undefined): Promise<bigint> {
  try {
    const [end = 0n] = await target.events.endOffsets(target.tenant, target.topic, signal);
    return end;
  } catch (error) {
    if (error instanceof NotFoundError) return 0n;
    throw error;
  }
}

/**
 * The read start of a query, or undefined when nothing before `end` can match. A read by
 * time delivers nothing until an event is appended at or after that time, so the last
 * event's append time is looked at first: a read by time starts only when that event
 * (and so an event before `end`) is late enough to be delivered.
 */
async function startOf(
  target: AuditScanTarget,
  query: AuditQuery,
  end: bigint,
  signal: AbortSignal | undefined,
): Promise<ReadStart | undefined> {
  if (query.after !== undefined) {
    const offset = BigInt(query.after) + 1n;
    return offset < end ? { kind: "offset", offset } : undefined;
  }
  if (end === 0n) return undefined;
  if (query.since === undefined) return { kind: "beginning" };
  const from = query.since - appendSlackMs;
  const last = await firstFrom(target, { kind: "offset", offset: end - 1n }, signal);
  return last.time.getTime() >= from ? { kind: "time", time: new Date(from) } : undefined;
}

async function firstFrom(
  target: AuditScanTarget,
  start: ReadStart,
  signal: AbortSignal | undefined,
): Promise<StoredEvent> {
  const reading = target.events.read(
    target.tenant,
    target.topic,
    { start, partition: 0 },
    signal ?? new AbortController().signal,
  );
  for await (const stored of reading) return stored;
  throw new Error("an event log read ended on its own");
}

function matcher(query: AuditQuery): (event: AuditEvent) => boolean {
  const { tenant, since, until } = query;
  const types = query.types?.length ? new Set<string>(query.types) : undefined;
  return (event) =>
    (tenant === undefined || event.tenant === tenant) &&
    (types === undefined || types.has(event.type)) &&
    (since === undefined || event.time >= since) &&
    (until === undefined || event.time < until);
}
