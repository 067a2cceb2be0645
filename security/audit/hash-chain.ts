import { createHash, randomUUID } from "node:crypto";
import type { AuditEvent, AuditLink } from "./port.js";

/** Version tag at the head of the canonical encoding; a new layout gets a new tag. */
const encodingVersion = "ragplane.audit.v1";

/**
 * The canonical encoding of an entry: a JSON array of the version tag, the chain fields
 * and every event field in a fixed order, details sorted by key. JSON escapes strings
 * unambiguously, so two different entries never share an encoding.
 */
export function canonicalAuditEncoding(
  event: AuditEvent,
  chain: string,
  seq: number,
  prev: string,
): string {
  const details = Object.keys(event.details)
    .sort()
    .map((key) => [key, event.details[key] ?? ""]);
  return JSON.stringify([
    encodingVersion,
    chain,
    seq,
    prev,
    event.time,
    event.type,
    event.tenant,
    event.principal,
    event.method,
    event.peer,
    event.requestId,
    event.reason,
    details,
  ]);
}

/** SHA-256 (lowercase hex) of an entry's canonical encoding. */
export function auditEntryHash(
  event: AuditEvent,
  chain: string,
  seq: number,
  prev: string,
): string {
  return createHash("sha256")
    .update(canonicalAuditEncoding(event, chain, seq, prev))
    .digest("hex");
}

/** The state of a chain after a batch, to go back to when the batch is dropped. */
interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * One writer's hash chain: each entry carries a sequence number and the hash of the
 * entry before it, so a changed, dropped, reordered or inserted entry breaks the chain.
 * Each writer process has its own chain (a random id), so replicas appending to one
 * trail never coordinate. Not safe for concurrent batches: the writer links one batch at
 * a time.
 */
export class AuditChain {
  readonly id: string;
  #head: ChainHead = { seq: 0, hash: "" };

  constructor(id: string = randomUUID()) {
    this.id = id;
  }

  /** Links `events` after the chain's head, in order, and advances the head. */
  extend(events: readonly AuditEvent[]): AuditLink[] {
    const links: AuditLink[] = [];
    let { seq, hash } = this.#head;
    for (const event of events) {
      const prev = hash;
      seq += 1;
      hash = auditEntryHash(event, this.id, seq, prev);
      links.push({ chain: this.id, seq, prev, hash });
    }
    this.#head = { seq, hash };
    return links;
  }

  /**
   * Moves the head back to before `links` (the last batch, which was dropped), so the
   * next batch goes on from the last entry that was stored.
   */
  retract(links: readonly AuditLink[]): void {
    const first = links[0];
    const last = links.at(-1);
    if (first === undefined || last === undefined) return;
    if (this.#head.seq !== last.seq || this.#head.hash !== last.hash) return;
    this.#head = { seq: first.seq - 1, hash: first.prev };
  }
}
