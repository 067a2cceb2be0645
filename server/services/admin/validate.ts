import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { AdminService } from "../../../gen/ragplane/v1/admin_pb.js";
import { isApiKeyId } from "../../../security/api-keys/format.js";
import { decodeKeyPageToken } from "../../../security/api-keys/page-token.js";
import { auditEventTypes } from "../../../security/audit/port.js";
import { isScope } from "../../../security/scopes.js";
import { isTenantName } from "../../../security/tenant.js";
import { limits } from "../../limits.js";
import { truncate, Violations } from "../../validation/violations.js";
import type { ServiceValidators } from "../handlers.js";

/** Longest API key name, in characters. */
export const maxApiKeyNameLength = 128;

/** What {@link createAdminValidators} needs. */
export interface AdminValidatorOptions {
  /** The clock that "in the future" is judged by, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of a Timestamp. */
const minSeconds = -62_135_596_800n;
const maxSeconds = 253_402_300_799n;
const controlCharacters = /\p{Cc}/u;
const knownAuditTypes: readonly string[] = auditEventTypes;

/**
 * Request validators of AdminService, on a given clock. Field paths use the proto's
 * snake_case names. A tenant named in a request must not be reserved (start with `_`);
 * whether the caller may name it is the service's check (PERMISSION_DENIED).
 */
export function createAdminValidators(
  options: AdminValidatorOptions = {},
): ServiceValidators<typeof AdminService.method> {
  const now = options.now ?? Date.now;
  return {
    createApiKey(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      if (request.name.length > maxApiKeyNameLength) {
        v.add("name", `must be at most ${maxApiKeyNameLength} characters`);
      } else if (controlCharacters.test(request.name)) {
        v.add("name", "must not contain control characters");
      }
      if (request.scopes.length === 0) v.add("scopes", "must hold at least one scope");
      request.scopes.forEach((scope, i) => {
        if (!isScope(scope)) v.add(`scopes[${i}]`, `unknown scope "${printable(scope)}"`);
      });
      v.unique("scopes", request.scopes);
      const expires = request.expireTime;
      if (checkTimestamp(v, "expire_time", expires) && expires !== undefined) {
        if (toMs(expires) <= now()) v.add("expire_time", "must be in the future");
      }
      return v.list;
    },

    listApiKeys(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      v.atMost("page_size", request.pageSize, limits.maxPageSize);
      if (request.pageToken !== "" && decodeKeyPageToken(request.pageToken) === undefined) {
        v.add("page_token", "is not a token returned by ListApiKeys");
      }
      return v.list;
    },

    revokeApiKey(request) {
      const v = new Violations();
      if (request.id === "") v.add("id", "must not be empty");
      else if (!isApiKeyId(request.id)) v.add("id", "must be a key id: 16 letters and digits");
      return v.list;
    },

    revokeToken(request) {
      const v = new Violations();
      v.id("jti", request.jti);
      checkTenant(v, request.tenant);
      if (checkTimestamp(v, "expire_time", request.expireTime)) {
        const expires = request.expireTime;
        if (expires !== undefined && toMs(expires) <= now()) {
          v.add("expire_time", "must be in the future");
        }
      }
      return v.list;
    },

    listAuditEvents(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      request.types.forEach((type, i) => {
        if (!knownAuditTypes.includes(type)) {
          v.add(`types[${i}]`, `unknown audit event type "${printable(type)}"`);
        }
      });
      const start = request.startTime;
      const end = request.endTime;
      const startOk = checkTimestamp(v, "start_time", start);
      const endOk = checkTimestamp(v, "end_time", end);
      if (startOk && endOk && start !== undefined && end !== undefined) {
        if (toMs(end) <= toMs(start)) v.add("end_time", "must be after start_time");
      }
      v.atMost("page_size", request.pageSize, limits.maxPageSize);
      v.shortText("page_token", request.pageToken);
      return v.list;
    },

    getTenantUsage(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      return v.list;
    },

    backup() {
      return [];
    },

    getTenantSettings(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      return v.list;
    },

    updateTenantSettings(request) {
      const v = new Violations();
      checkTenant(v, request.tenant);
      return v.list;
    },

    verifyAuditTrail() {
      return [];
    },
  };
}

/** The validators of AdminService on the system clock, for `validatorMap`. */
export const adminValidators: ServiceValidators<typeof AdminService.method> =
  createAdminValidators();

function checkTenant(v: Violations, tenant: string): void {
  if (tenant === "") return;
  if (!isTenantName(tenant)) {
    v.add(
      "tenant",
      "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
    );
  }
}

/** An optional timestamp within the range that Timestamp allows. */
function checkTimestamp(v: Violations, field: string, value: Timestamp | undefined): boolean {
  if (value === undefined) return true;
  if (value.seconds < minSeconds || value.seconds > maxSeconds) {
    return v.add(field, "must be between years 1 and 9999");
  }
  if (!Number.isInteger(value.nanos) || value.nanos < 0 || value.nanos > 999_999_999) {
    return v.add(field, "nanos must be 0 to 999999999");
  }
  return true;
}

function toMs(value: Timestamp): number {
  return Number(value.seconds) * 1000 + Math.floor(value.nanos / 1_000_000);
}

/** User input quoted in a description: shortened, control characters replaced. */
function printable(value: string): string {
  return truncate(value).replace(/\p{Cc}/gu, "?");
}
