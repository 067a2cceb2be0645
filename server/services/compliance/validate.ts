import type { ComplianceService } from "../../../gen/ragplane/v1/compliance_pb.js";
import { limits } from "../../limits.js";
import { Violations } from "../../validation/violations.js";
import type { ServiceValidators } from "../handlers.js";
import { decodeErasureToken } from "./page-token.js";

/**
 * Request validators of ComplianceService. A subject is 1 to 256 bytes without NUL, as on
 * events, points, nodes and relationships.
 */
export const complianceValidators: ServiceValidators<typeof ComplianceService.method> = {
  eraseSubject(request) {
    const v = new Violations();
    v.id("subject", request.subject);
    return v.list;
  },
  getErasure(request) {
    const v = new Violations();
    v.id("id", request.id);
    return v.list;
  },
  listErasures(request) {
    const v = new Violations();
    v.atMost("page_size", request.pageSize, limits.maxPageSize);
    if (decodeErasureToken(request.pageToken).kind === "invalid") {
      v.add("page_token", "is not a token ListErasures gave out");
    }
    return v.list;
  },
  exportSubject(request) {
    const v = new Violations();
    v.id("subject", request.subject);
    return v.list;
  },
  rewrapDataKeys() {
    return [];
  },
};
