import { NotFoundError } from "../../../clients/errors.js";
import type { ComplianceService } from "../../../gen/ragplane/v1/compliance_pb.js";
import type { AuditLog } from "../../../security/audit/port.js";
import type { Eraser } from "../../compliance/eraser.js";
import { type ExportCounts, type ExportSources, exportSubject } from "../../compliance/export.js";
import type { ErasureJobStore } from "../../compliance/job-store.js";
import { subjectDigest } from "../../compliance/subject.js";
import { limits } from "../../limits.js";
import { callerOf } from "../admin/tenancy.js";
import type { ServiceContext } from "../context.js";
import type { ServiceHandlers } from "../handlers.js";
import { toErasureInit, toExportInit } from "./convert.js";
import { decodeErasureToken, encodeErasureToken } from "./page-token.js";
import { type KeyRewrapper, streamRewrap } from "./rewrap.js";

/** The method an export's audit entry names. */
export const exportSubjectMethod = "ragplane.v1.ComplianceService/ExportSubject";

/** What ComplianceService needs. */
export interface ComplianceServiceOptions {
  /** Runs erasure jobs (started with the server). */
  readonly eraser: Eraser;
  /** The erasure jobs, for GetErasure and ListErasures. */
  readonly jobs: ErasureJobStore;
  /** Where exports look: the ports as services see them. */
  readonly sources: ExportSources;
  /** Where exports are recorded (`compliance.export`). */
  readonly audit?: AuditLog;
  /** Re-wraps stored data keys (the data keyring). */
  readonly rewrapper: KeyRewrapper;
  /** The platform tenant (`ADMIN_TENANT`): only its admins may re-wrap data keys. */
  readonly adminTenant: string;
}

const defaultPageSize = 100;

/** ComplianceService: erasure and export of a data subject, and data key re-wrapping. */
export function createComplianceService(
  options: ComplianceServiceOptions,
): ServiceHandlers<typeof ComplianceService.method> {
  const { eraser, jobs, sources, audit, adminTenant } = options;
  return {
    async *eraseSubject(request, context) {
      const caller = callerOf(context);
      const job = await eraser.erase(
        context.tenant,
        request.subject,
        { principal: caller.subject, requestId: context.requestId, peer: context.peer },
        context.signal,
      );
      for await (const state of eraser.watch(context.tenant, job.id, context.signal)) {
        yield { erasure: toErasureInit(state) };
      }
    },

    async getErasure(request, context) {
      await jobs.ready(context.signal);
      const job = jobs.get(context.tenant, request.id);
      if (job === undefined) throw new NotFoundError("erasure", request.id);
      return { erasure: toErasureInit(job) };
    },

    async listErasures(request, context) {
      await jobs.ready(context.signal);
      const token = decodeErasureToken(request.pageToken);
      const after = token.kind === "valid" ? token.after : undefined;
      const limit = Math.min(request.pageSize || defaultPageSize, limits.maxPageSize);
      const page = jobs.page(context.tenant, limit, after);
      return {
        erasures: page.jobs.map(toErasureInit),
        nextPageToken: page.nextAfter === undefined ? "" : encodeErasureToken(page.nextAfter),
      };
    },

    async *exportSubject(request, context) {
      let counts: ExportCounts | undefined;
      for await (const item of exportSubject(
        sources,
        context.tenant,
        request.subject,
        context.signal,
      )) {
        if (item.kind === "summary") counts = item.counts;
        yield toExportInit(item, request.subject);
      }
      if (counts !== undefined) recordExport(audit, request.subject, counts, context);
    },

    async *rewrapDataKeys(_request, context) {
      yield* streamRewrap(options.rewrapper, adminTenant, context);
    },
  };
}

function recordExport(
  audit: AuditLog | undefined,
  subject: string,
  counts: ExportCounts,
  context: ServiceContext,
): void {
  audit?.record({
    time: Date.now(),
    type: "compliance.export",
    tenant: context.tenant,
    principal: context.principal?.subject ?? "",
    method: exportSubjectMethod,
    peer: context.peer,
    requestId: context.requestId,
    reason: "",
    details: {
      subject_digest: subjectDigest(subject),
      events: String(counts.events),
      points: String(counts.points),
      nodes: String(counts.nodes),
      relationships: String(counts.relationships),
      audit_events: String(counts.auditEvents),
      topics_scanned: String(counts.topicsScanned),
      collections_scanned: String(counts.collectionsScanned),
    },
  });
}
