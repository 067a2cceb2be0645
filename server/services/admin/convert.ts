import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ApiKeySchema, AuditEventSchema } from "../../../gen/ragplane/v1/admin_pb.js";
import type { ApiKeyRecord } from "../../../security/api-keys/port.js";
import type { StoredAuditEvent } from "../../../security/audit/port.js";

/** A stored key as the `ApiKey` message: everything but its hash. */
export function toApiKeyInit(record: ApiKeyRecord): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: record.id,
    tenant: record.tenant,
    name: record.name,
    scopes: [...record.scopes],
    createTime: timestampFromMs(record.createdAt),
    createdBy: record.createdBy,
    ...(record.expiresAt === undefined ? {} : { expireTime: timestampFromMs(record.expiresAt) }),
    ...(record.revokedAt === undefined ? {} : { revokeTime: timestampFromMs(record.revokedAt) }),
  };
}

/** A recorded audit event as the `AuditEvent` message. */
export function toAuditEventInit(
  event: StoredAuditEvent,
): MessageInitShape<typeof AuditEventSchema> {
  return {
    position: event.position,
    time: timestampFromMs(event.time),
    type: event.type,
    tenant: event.tenant,
    principal: event.principal,
    method: event.method,
    peer: event.peer,
    requestId: event.requestId,
    reason: event.reason,
    details: { ...event.details },
    ...(event.link === undefined
      ? {}
      : {
          chainId: event.link.chain,
          chainSeq: BigInt(event.link.seq),
          prevHash: event.link.prev,
          hash: event.link.hash,
        }),
  };
}

/** Epoch ms of an optional timestamp (validated beforehand). */
export function optionalMs(timestamp: Timestamp | undefined): number | undefined {
  return timestamp === undefined ? undefined : timestampMs(timestamp);
}
