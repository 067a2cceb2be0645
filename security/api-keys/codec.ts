import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "../../clients/events/port.js";
import { isScope, type Scope } from "../scopes.js";
import { isTenantName } from "../tenant.js";
import type { ApiKeyRecord } from "./port.js";

/** What one event of the key log did to a key. */
export type ApiKeyChangeType = "created" | "revoked";

/** One change to a key, as appended to the log: the key's whole record after the change. */
export interface ApiKeyChange {
  readonly type: ApiKeyChangeType;
  readonly record: ApiKeyRecord;
}

/** A change read back from the log, or why the event could not be read as one. */
export type DecodedChange =
  | { readonly kind: "valid"; readonly change: ApiKeyChange }
  | { readonly kind: "invalid"; readonly reason: string };

/** The header that names the change type. */
export const changeHeader = "change";

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });
const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * The event for a change: the record as JSON, keyed by the key id (so a compacted log
 * keeps each key's latest record), with an id of its own (every change is a new event).
 */
export function encodeChange(change: ApiKeyChange): NewEvent {
  return {
    id: `${change.record.id}.${change.type}.${randomUUID()}`,
    key: change.record.id,
    payload: utf8.encode(JSON.stringify(change.record)),
    contentType: "application/json",
    headers: { [changeHeader]: change.type },
    subject: change.record.id,
  };
}

/** Reads a change back from its event, checking every field of the record. */
export function decodeChange(event: StoredEvent): DecodedChange {
  const type = event.headers[changeHeader];
  if (type !== "created" && type !== "revoked") {
    return { kind: "invalid", reason: `unknown change type "${type ?? ""}"` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text.decode(event.payload));
  } catch {
    return { kind: "invalid", reason: "payload is not JSON" };
  }
  const record = toRecord(value);
  if (record === undefined) return { kind: "invalid", reason: "payload is not an api key record" };
  if (type === "revoked" && record.revokedAt === undefined) {
    return { kind: "invalid", reason: "a revocation without revokedAt" };
  }
  return { kind: "valid", change: { type, record } };
}

function toRecord(value: unknown): ApiKeyRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const scopes = v.scopes;
  if (
    typeof v.id !== "string" ||
    typeof v.tenant !== "string" ||
    !isTenantName(v.tenant) ||
    typeof v.name !== "string" ||
    !Array.isArray(scopes) ||
    !scopes.every((scope): scope is Scope => typeof scope === "string" && isScope(scope)) ||
    typeof v.hash !== "string" ||
    !sha256Hex.test(v.hash) ||
    !isTime(v.createdAt) ||
    typeof v.createdBy !== "string" ||
    !(v.expiresAt === undefined || isTime(v.expiresAt)) ||
    !(v.revokedAt === undefined || isTime(v.revokedAt))
  ) {
    return undefined;
  }
  return {
    id: v.id,
    tenant: v.tenant,
    name: v.name,
    scopes,
    hash: v.hash,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    ...(v.expiresAt === undefined ? {} : { expiresAt: v.expiresAt }),
    ...(v.revokedAt === undefined ? {} : { revokedAt: v.revokedAt }),
  };
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
