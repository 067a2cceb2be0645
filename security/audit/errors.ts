import { PreconditionError } from "../../clients/errors.js";

/**
 * `AuditQuery.after` is not a position the trail gave out (a page token of ListAuditEvents,
 * hence the field name).
 */
export class InvalidAuditPositionError extends PreconditionError {
  constructor(readonly position: string) {
    super("the page token is not one the audit trail gave out", "page_token");
  }
}
