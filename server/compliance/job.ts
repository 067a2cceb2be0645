import type { NewEvent, StoredEvent } from "../../clients/events/port.js";

/** The steps of an erasure, in order; `done` once every one has finished. */
export const erasureSteps = ["vectors", "graphs", "events", "caches", "done"] as const;

/** One step of an erasure job. */
export type ErasureStep = (typeof erasureSteps)[number];

/** What one step removed from one place: a line of the receipt. */
export interface ErasedItems {
  /** `vectors`, `graphs`, `events` or `caches`. */
  readonly store: string;
  /** The engine that held it (`qdrant`, `neo4j`, `kafka`, `redis`, `embedded`). */
  readonly engine: string;
  /** A collection's name, `nodes`, `relationships`, `subject data key`, `data key cache`. */
  readonly target: string;
  readonly count: number;
}

/** The subject, sealed under its own data key (AES-256-GCM, see `subject.ts`). */
export interface SealedSubject {
  /** The id of the subject's data key. */
  readonly keyId: string;
  /** The sealed subject, base64. */
  readonly sealed: string;
}

/** Who asked for an erasure, for its audit entry (never a secret). */
export interface ErasureRequester {
  readonly principal: string;
  readonly requestId: string;
  readonly peer: string;
}

/**
 * An erasure job as its records keep it. The subject itself is never stored in the
 * clear: `subjectDigest` names it, and `sealedSubject` holds it under the subject's own
 * data key until that key is destroyed (the `events` step), after which nothing in the
 * records can be read back to the person.
 */
export interface ErasureJob {
  readonly id: string;
  readonly tenant: string;
  /** SHA-256 (lowercase hex) of the subject's UTF-8 bytes. */
  readonly subjectDigest: string;
  /** Present until the job is done. */
  readonly sealedSubject?: SealedSubject;
  /** The step in progress, or `done`. */
  readonly step: ErasureStep;
  /** The receipt so far. */
  readonly removed: readonly ErasedItems[];
  /** Epoch ms. */
  readonly startTime: number;
  /** Epoch ms; once done. */
  readonly finishTime?: number;
  /** How many times another run took the job over after an interruption. */
  readonly resumed: number;
  /** The last error that interrupted a step; "" when none. */
  readonly lastError: string;
  /** The replica running the job. */
  readonly owner: string;
  /** When the owner last recorded the job (epoch ms); 0 once released by a clean stop. */
  readonly heartbeat: number;
  /** One more with every record of the job; a record that is not the next is ignored. */
  readonly version: number;
  /** Where the `vectors` step stands: the last collection done. */
  readonly collectionsAfter?: string;
  /**
   * Whether the subject had a data key (so, sealed data) before the job began: the job
   * seals the subject under that key, creating it when there was none, and the receipt
   * counts a destroyed key only when it held the subject's data. Absent in older records.
   */
  readonly subjectKeyExisted?: boolean;
  /** When the `events` step destroyed the key (epoch ms): `caches` waits from then. */
  readonly keyDestroyedAt?: number;
  readonly requester: ErasureRequester;
}

/** Whether the job still has steps to run. */
export function isRunning(job: ErasureJob): boolean {
  return job.step !== "done";
}

/**
 * The receipt with `count` more of (`store`, `engine`, `target`): added to its line, or a
 * new line (also for a count of 0: the line says the place was looked at).
 */
export function addRemoved(
  removed: readonly ErasedItems[],
  item: ErasedItems,
): readonly ErasedItems[] {
  const index = removed.findIndex(
    (line) =>
      line.store === item.store && line.engine === item.engine && line.target === item.target,
  );
  if (index === -1) return [...removed, item];
  return removed.map((line, i) =>
    i === index ? { ...line, count: line.count + item.count } : line,
  );
}

/** The total count of the receipt's lines of one store (and target, when given). */
export function removedCount(job: ErasureJob, store: string, target?: string): number {
  return job.removed
    .filter((line) => line.store === store && (target === undefined || line.target === target))
    .reduce((sum, line) => sum + line.count, 0);
}

/** A job record read back, or why its event could not be read as one. */
export type DecodedJob =
  | { readonly kind: "valid"; readonly job: ErasureJob }
  | { readonly kind: "invalid"; readonly reason: string };

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });
const recordVersion = 1;

/**
 * The event of a job record: the whole job as JSON, keyed by the job's id, with the id
 * `<job>.<version>` so that two replicas writing the same version write one record. It
 * has no subject: the record is not about the person, and holds nothing readable of them.
 */
export function encodeJob(job: ErasureJob): NewEvent {
  return {
    id: `${job.id}.${job.version}`,
    key: job.id,
    payload: utf8.encode(JSON.stringify({ v: recordVersion, job })),
    contentType: "application/json",
  };
}

/** Reads a job record back from its event, checking every field. */
export function decodeJob(event: StoredEvent): DecodedJob {
  let value: unknown;
  try {
    value = JSON.parse(text.decode(event.payload));
  } catch {
    return { kind: "invalid", reason: "payload is not JSON" };
  }
  const record = value as { v?: unknown; job?: unknown } | null;
  if (record?.v !== recordVersion) return { kind: "invalid", reason: "unknown record version" };
  const job = record.job as Record<string, unknown> | null;
  if (job === null || typeof job !== "object") return invalid("job");
  const strings = ["id", "tenant", "subjectDigest", "lastError", "owner"] as const;
  for (const key of strings) if (typeof job[key] !== "string") return invalid(key);
  const numbers = ["startTime", "resumed", "heartbeat", "version"] as const;
  for (const key of numbers) if (!isCount(job[key])) return invalid(key);
  if (!(erasureSteps as readonly unknown[]).includes(job.step)) return invalid("step");
  if (!Array.isArray(job.removed) || !job.removed.every(isErasedItems)) return invalid("removed");
  if (job.finishTime !== undefined && !isCount(job.finishTime)) return invalid("finishTime");
  if (job.keyDestroyedAt !== undefined && !isCount(job.keyDestroyedAt)) {
    return invalid("keyDestroyedAt");
  }
  if (job.subjectKeyExisted !== undefined && typeof job.subjectKeyExisted !== "boolean") {
    return invalid("subjectKeyExisted");
  }
  if (job.collectionsAfter !== undefined && typeof job.collectionsAfter !== "string") {
    return invalid("collectionsAfter");
  }
  const sealed = job.sealedSubject as Record<string, unknown> | undefined;
  if (
    sealed !== undefined &&
    (typeof sealed?.keyId !== "string" || typeof sealed.sealed !== "string")
  ) {
    return invalid("sealedSubject");
  }
  const requester = job.requester as Record<string, unknown> | undefined;
  if (
    typeof requester?.principal !== "string" ||
    typeof requester.requestId !== "string" ||
    typeof requester.peer !== "string"
  ) {
    return invalid("requester");
  }
  return { kind: "valid", job: job as unknown as ErasureJob };
}

function invalid(field: string): DecodedJob {
  return { kind: "invalid", reason: `field ${field} is missing or malformed` };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isErasedItems(value: unknown): value is ErasedItems {
  const item = value as Record<string, unknown> | null;
  return (
    typeof item?.store === "string" &&
    typeof item.engine === "string" &&
    typeof item.target === "string" &&
    isCount(item.count)
  );
}
