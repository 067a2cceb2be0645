import type { AuditEntry } from "./codec.js";
import { auditEntryHash } from "./hash-chain.js";

/** Where and why a chain (or the trail) first stopped holding together. */
export interface AuditBreak {
  /** The trail position of the offending entry. */
  readonly position: string;
  /** Its sequence number in its chain; 0 when unreadable. */
  readonly seq: number;
  /** What is wrong, e.g. `entry changed: its hash does not match its contents`. */
  readonly reason: string;
}

/** What was found in one writer's chain. */
export interface AuditChainReport {
  readonly chain: string;
  /** Entries of the chain checked. */
  readonly entries: number;
  /** The sequence number of the chain's first entry found: 1 unless the trail was pruned. */
  readonly firstSeq: number;
  /** The sequence number and hash of the chain's last entry (keep them to detect a cut tail). */
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The first break; absent when the chain is intact. */
  readonly broken?: AuditBreak;
}

/** The outcome of checking a whole trail. */
export interface AuditVerification {
  /** True when every chain is intact and every entry readable. */
  readonly ok: boolean;
  /** Entries read, chained or not. */
  readonly checked: number;
  /** Entries written before chains existed: reported, not judged. */
  readonly unchained: number;
  /** Every chain, in the order of its first entry. */
  readonly chains: readonly AuditChainReport[];
  /** The first entry that could not be read as an audit entry at all. */
  readonly unreadable?: AuditBreak;
  /**
   * The trail's first position, when entries before it are gone (retention): chains
   * then may start after 1, as they did before the cut.
   */
  readonly prunedBefore?: string;
}

interface ChainState {
  entries: number;
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  broken?: AuditBreak;
}

/**
 * Checks a trail entry by entry, in trail order. Each entry must carry the next sequence
 * number of its chain, the previous entry's hash, and a hash that matches its contents;
 * a chain must start at 1. So a changed entry (hash), a dropped one (gap, or a chain
 * whose first entry is not 1), a reordered or duplicated one (sequence going back) and an
 * inserted one (a hash it cannot forge, or a broken link) are each reported at the first
 * position where they show. Only the first break of each chain is kept; the entries
 * after it are still counted. Entries without chain fields are counted as unchained.
 *
 * A trail whose first position is not 0 lost its oldest entries (to retention, or to
 * someone): chains may then start at any number, and the result says where the trail
 * starts, for the auditor to compare with the retention configured.
 */
export class AuditTrailVerifier {
  readonly #chains = new Map<string, ChainState>();
  #checked = 0;
  #unchained = 0;
  #unreadable: AuditBreak | undefined;
  #firstPosition: string | undefined;

  /** Entries seen so far. */
  get checked(): number {
    return this.#checked;
  }

  /** Checks the entry at `position`; undefined is an entry that could not be decoded. */
  add(position: string, entry: AuditEntry | undefined): void {
    this.#checked += 1;
    this.#firstPosition ??= position;
    if (entry === undefined) {
      this.#unreadable ??= { position, seq: 0, reason: "unreadable entry: not an audit entry" };
      return;
    }
    const { event, link } = entry;
    if (link === undefined) {
      this.#unchained += 1;
      return;
    }
    let state = this.#chains.get(link.chain);
    if (state === undefined) {
      const pruned = this.#firstPosition !== "0";
      state = {
        entries: 0,
        firstSeq: link.seq,
        lastSeq: pruned ? link.seq - 1 : 0,
        lastHash: pruned ? link.prev : "",
      };
      this.#chains.set(link.chain, state);
    }
    state.entries += 1;
    if (state.broken === undefined) {
      const reason = this.#problem(state, link.seq, link.prev, link.hash, () =>
        auditEntryHash(event, link.chain, link.seq, link.prev),
      );
      if (reason !== undefined) state.broken = { position, seq: link.seq, reason };
    }
    state.lastSeq = link.seq;
    state.lastHash = link.hash;
  }

  /** The verdict on everything added so far. */
  result(): AuditVerification {
    const chains = [...this.#chains].map(
      ([chain, state]): AuditChainReport => ({
        chain,
        entries: state.entries,
        firstSeq: state.firstSeq,
        lastSeq: state.lastSeq,
        lastHash: state.lastHash,
        ...(state.broken === undefined ? {} : { broken: state.broken }),
      }),
    );
    const ok = this.#unreadable === undefined && chains.every((c) => c.broken === undefined);
    return {
      ok,
      checked: this.#checked,
      unchained: this.#unchained,
      chains,
      ...(this.#unreadable === undefined ? {} : { unreadable: this.#unreadable }),
      ...(this.#firstPosition === undefined || this.#firstPosition === "0"
        ? {}
        : { prunedBefore: this.#firstPosition }),
    };
  }

  #problem(
    state: ChainState,
    seq: number,
    prev: string,
    hash: string,
    expectedHash: () => string,
  ): string | undefined {
    const expected = state.lastSeq + 1;
    if (seq < expected) {
      return `reordered or duplicated: sequence ${seq} after ${state.lastSeq}`;
    }
    if (seq > expected) {
      return state.lastSeq === 0
        ? `entries missing: the chain starts at ${seq}, not 1`
        : `entries missing: sequence ${expected} to ${seq - 1} not found`;
    }
    if (prev !== state.lastHash) {
      return "broken link: the previous hash is not the hash of the chain's previous entry";
    }
    if (hash !== expectedHash()) return "entry changed: its hash does not match its contents";
    return undefined;
  }
}
