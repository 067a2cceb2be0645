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
 * Reads the whole trail, from its first entry up to the end it has when the call
 * begins, through an {@link AuditTrailVerifier}; yields a progress step every
 * {@link verifyProgressEvery} entries and the result last. Rejects with the event log's
 * domain errors (`signal` bounds the read).
 */
export async function* verifyAuditTrail(
  target: Pick<AuditScanTarget, "events" | "tenant" | "topic">,
  signal: AbortSignal,
): AsyncGenerator<AuditVerificationStep> {
  const verifier = new AuditTrailVerifier();
  const [end = 0n] = await target.events.endOffsets(target.tenant, target.topic, signal);
  if (end > 0n) {
    const reading = target.events.read(
      target.tenant,
      target.topic,
      { start: { kind: "beginning" }, partition: 0 },
      signal,
    );
    for await (const stored of reading) {
      if (stored.offset >= end) break;
      const position = stored.offset.toString();
      verifier.add(position, decodeAuditEntry(stored));
      if (verifier.checked % verifyProgressEvery === 0) {
        yield { kind: "progress", checked: verifier.checked, position };
      }
      if (stored.offset >= end - 1n) break;
    }
  }
  yield { kind: "result", result: verifier.result() };
}
