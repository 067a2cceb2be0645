import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "../../clients/events/port.js";
import { type AuditEvent, type AuditEventType, auditEventTypes } from "./port.js";

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });
const knownTypes: ReadonlySet<string> = new Set(auditEventTypes);

/**
 * The log event of an audit event: its fields (and only those, so a caller's stray
 * property never reaches the trail) as JSON, under a fresh random id, typed by `subject`.
 * It carries no time of its own, so the stored event's time is its append time (what
 * reads by time go by); the event's own time is in the payload.
 */
export function encodeAuditEvent(event: AuditEvent): NewEvent {
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
  return {
    id: randomUUID(),
    payload: utf8.encode(JSON.stringify(fields)),
    contentType: "application/json",
    subject: event.type,
  };
}

/** Reads an audit event back from its log event; undefined if it is not one. */
export function decodeAuditEvent(stored: StoredEvent): AuditEvent | undefined {
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
  return {
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
}

function toStringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, item]) => typeof item === "string")) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}
