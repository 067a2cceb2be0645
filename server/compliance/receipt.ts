import type { AuditEvent } from "../../security/audit/port.js";
import { type ErasureJob, removedCount } from "./job.js";

/** The method an erasure's audit entry names. */
export const eraseSubjectMethod = "ragplane.v1.ComplianceService/EraseSubject";

/**
 * The audit entry of a finished erasure (`compliance.erasure`): the subject's digest, the
 * job and its counts, never the subject; attributed to the call that started the job.
 */
export function receiptEntry(job: ErasureJob, now: number): AuditEvent {
  return {
    time: job.finishTime ?? now,
    type: "compliance.erasure",
    tenant: job.tenant,
    principal: job.requester.principal,
    method: eraseSubjectMethod,
    peer: job.requester.peer,
    requestId: job.requester.requestId,
    reason: "",
    details: {
      subject_digest: job.subjectDigest,
      job: job.id,
      points: String(removedCount(job, "vectors")),
      collections: String(job.removed.filter((line) => line.store === "vectors").length),
      nodes: String(removedCount(job, "graphs", "nodes")),
      relationships: String(removedCount(job, "graphs", "relationships")),
      subject_data_keys: String(removedCount(job, "events")),
      resumed: String(job.resumed),
    },
  };
}
