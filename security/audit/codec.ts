import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "../../clients/events/port.js";
import { type AuditEvent, type AuditEventType, type AuditLink, auditEventTypes } from "./port.js";

/** An entry of the trail as stored: the event and, once chains exist, its link. */
export interface AuditEntry {
  readonly event: AuditEvent;
  readonly link?: AuditLink;
}

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });
const knownTypes: ReadonlySet<string> = new Set(auditEventTypes);

/**
 * The log event of an audit event: its fields (and only those, so a caller's stray
 * property never reaches the trail) as JSON, under a fresh random id, typed by `subject`.
 * It carries no time of its own, so the stored event's time is its append time (what
 * reads by time go by); the event's own time is in the payload. Its `link` is stored
 * under `chain` (see `hash-chain.ts`).
 */
export function encodeAuditEvent(event: AuditEvent, link?: AuditLink): NewEvent {
  const fields: AuditEvent = {
    time: event.time,
    type: event.type,
    tenant: event.tenant,
    principal: event.principal,
    method: event.method,
    peer: event.peer,
    requestId: event.requestId,
    reason: event.reason,
    details: { ...event.details },
  };
  const stored =
    link === undefined
      ? fields
      : {
          ...fields,
          chain: { chain: link.chain, seq: link.seq, prev: link.prev, hash: link.hash },
        };
  return {
    id: randomUUID(),
    payload: utf8.encode(JSON.stringify(stored)),
    contentType: "application/json",
    subject: event.type,
  };
}

/**
 * Reads an entry back from its log event; undefined if it is not one, or if its `chain`
 * field is present but malformed.
 */
export function decodeAuditEntry(stored: StoredEvent): AuditEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.decode(stored.payload));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { time, type, details } = v;
  if (typeof time !== "number" || !Number.isFinite(time)) return undefined;
  if (typeof type !== "string" || !knownTypes.has(type)) return undefined;
  const strings = ["tenant", "principal", "method", "peer", "requestId", "reason"] as const;
  if (!strings.every((name) => typeof v[name] === "string")) return undefined;
  const detailMap = toStringMap(details);
  if (detailMap === undefined) return undefined;
  const event: AuditEvent = {
    time,
    type: type as AuditEventType,
    tenant: v.tenant as string,
    principal: v.principal as string,
    method: v.method as string,
    peer: v.peer as string,
    requestId: v.requestId as string,
    reason: v.reason as string,
    details: detailMap,
  };
  if (v.chain === undefined) return { event };
  const link = toLink(v.chain);
  return link === undefined ? undefined : { event, link };
}

function toLink(value: unknown): AuditLink | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { chain, seq, prev, hash } = value as Record<string, unknown>;
  if (typeof chain !== "string" || typeof prev !== "string" || typeof hash !== "string") {
    return undefined;
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { chain, seq, prev, hash };
}

function toStringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, item]) => typeof item === "string")) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}
