/** The kinds of event the audit trail records: security events and data access. */
export const auditEventTypes = [
  "authentication.failed",
  "permission.denied",
  "rate_limit.exceeded",
  "api_key.created",
  "api_key.revoked",
  "token.revoked",
  "admin.call",
  "tenant_settings.updated",
  "data.write",
  "data.delete",
  "data.read",
  "compliance.erasure",
  "compliance.export",
] as const;

/** One kind of audit event. */
export type AuditEventType = (typeof auditEventTypes)[number];

/** A security event as recorded. It never holds a secret: no token, key or password. */
export interface AuditEvent {
  /** When it happened (epoch ms). */
  readonly time: number;
  readonly type: AuditEventType;
  /** The tenant concerned; "" when unknown (e.g. a failed authentication). */
  readonly tenant: string;
  /** `Principal.subject` of the caller; "" when unauthenticated. */
  readonly principal: string;
  /** Full RPC name, e.g. `ragplane.v1.VectorsService/Search`; "" when not an RPC. */
  readonly method: string;
  /** Remote address of the caller. */
  readonly peer: string;
  /** The request id of the call. */
  readonly requestId: string;
  /** Why, for failures and denials (e.g. `token expired`, `missing scope vectors:write`). */
  readonly reason: string;
  /** Extra non-secret facts (e.g. `keyId`, `scopes`). */
  readonly details: Readonly<Record<string, string>>;
}

/**
 * Where an entry sits in its writer's hash chain (see `hash-chain.ts`): every writer
 * process extends its own chain, so replicas append without coordinating.
 */
export interface AuditLink {
  /** The chain: one random id per writer process. */
  readonly chain: string;
  /** 1 for the chain's first entry, one more for each next one. */
  readonly seq: number;
  /** The previous entry's `hash` in this chain; "" for the first. */
  readonly prev: string;
  /** SHA-256 (lowercase hex) of the entry's canonical encoding, `prev` included. */
  readonly hash: string;
}

/** A recorded event with its position in the trail. */
export interface StoredAuditEvent extends AuditEvent {
  /**
   * Opaque, increasing position (the event's offset in the trail, in decimal); pass it
   * back as `AuditQuery.after` to page.
   */
  readonly position: string;
  /** Its link in a hash chain; absent for entries written before chains existed. */
  readonly link?: AuditLink;
}

/** What to list. Every field narrows; none means everything, oldest first. */
export interface AuditQuery {
  /** Only this tenant's events; undefined means every tenant (platform admins only). */
  readonly tenant?: string;
  /** Only events of these types; undefined or empty means every type. */
  readonly types?: readonly AuditEventType[];
  /** Events at or after this time (epoch ms). */
  readonly since?: number;
  /** Events before this time (epoch ms). */
  readonly until?: number;
  /**
   * Continue after this position (a previous page's `next`, or an event's `position`).
   * Reading then starts there even when `since` is set too; `since` still filters.
   */
  readonly after?: string;
  /** Page size, 1–1000. */
  readonly limit: number;
}

/** One page of the trail. */
export interface AuditPage {
  readonly events: readonly StoredAuditEvent[];
  /**
   * Position to continue from (as `AuditQuery.after`, with the same filters); undefined
   * when the trail is exhausted. A page can be short, even empty, and still have a `next`:
   * a query reads a bounded number of events.
   */
  readonly next?: string;
}

/**
 * The append-only audit trail. `record` never throws and never blocks the call that
 * caused the event (events are written in the background, and a failure is logged).
 */
export interface AuditLog {
  /** Queues an event for the trail. Never throws, never waits. */
  record(event: AuditEvent): void;
  /**
   * One page of matching events, oldest first, from what is stored when the call starts
   * (it never waits for new events). Rejects with the event log's domain errors, and with
   * `PreconditionError` for an `after` the trail never gave out.
   */
  query(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage>;
  /** Writes what is buffered, then stops. */
  close(): Promise<void>;
}
