import { decodeAuditEntry } from "./codec.js";
import type { AuditScanTarget } from "./scan.js";
import { AuditTrailVerifier, type AuditVerification } from "./verify.js";

/** One step of a verification: progress while reading, then the result. */
export type AuditVerificationStep =
  | { readonly kind: "progress"; readonly checked: number; readonly position: string }
  | { readonly kind: "result"; readonly result: AuditVerification };

/** Entries read between two progress steps. */
export const verifyProgressEvery = 1000;

/**
 * How long the read may wait for the next entry before the trail is taken to end there:
 * entries removed from the log's end (by retention, or by someone) never arrive.
 */
export const verifyIdleMs = 5000;

/**
 * Reads the whole trail, from its first entry up to the end it has when the call
 * begins, through an {@link AuditTrailVerifier}; yields a progress step every
 * {@link verifyProgressEvery} entries and the result last. Stops early when no entry
 * arrives for `idleMs`. Rejects with the event log's domain errors (`signal` bounds the
 * read).
 */
export async function* verifyAuditTrail(
  target: Pick<AuditScanTarget, "events" | "tenant" | "topic">,
  signal: AbortSignal,
  idleMs: number = verifyIdleMs,
): AsyncGenerator<AuditVerificationStep> {
  const verifier = new AuditTrailVerifier();
  const [end = 0n] = await target.events.endOffsets(target.tenant, target.topic, signal);
  if (end > 0n) {
    const idle = new AbortController();
    const both = AbortSignal.any([signal, idle.signal]);
    let timer = setTimeout(() => idle.abort(), idleMs);
    const reading = target.events.read(
      target.tenant,
      target.topic,
      { start: { kind: "beginning" }, partition: 0 },
      both,
    );
    try {
      for await (const stored of reading) {
        clearTimeout(timer);
        if (stored.offset >= end) break;
        const position = stored.offset.toString();
        verifier.add(position, decodeAuditEntry(stored));
        if (verifier.checked % verifyProgressEvery === 0) {
          yield { kind: "progress", checked: verifier.checked, position };
        }
        if (stored.offset >= end - 1n) break;
        timer = setTimeout(() => idle.abort(), idleMs);
      }
    } catch (error) {
      if (!idle.signal.aborted || signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  yield { kind: "result", result: verifier.result() };
}
