import type { Call } from "../../interceptors/call.js";
import { methodKey } from "../../interceptors/validation.js";
import { principalKey, requestIdOf } from "../../interceptors/values.js";
import type { AuditEvent, AuditEventType } from "./port.js";

/**
 * The audit event of something that happened to `call` now: its method, peer and
 * request id, and its principal and tenant once authentication has set them (empty
 * before). `details` must hold no secret.
 */
export function auditEventFor(
  call: Call,
  type: AuditEventType,
  reason: string,
  details: Readonly<Record<string, string>> = {},
): AuditEvent {
  const principal = call.values.get(principalKey);
  return {
    time: Date.now(),
    type,
    tenant: principal?.tenant ?? "",
    principal: principal?.subject ?? "",
    method: methodKey(call.method),
    peer: call.peer.address,
    requestId: requestIdOf(call),
    reason,
    details,
  };
}
