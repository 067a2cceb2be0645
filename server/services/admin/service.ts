import { EngineUnavailableError, PreconditionError } from "../../../clients/errors.js";
import type { AdminService } from "../../../gen/ragplane/v1/admin_pb.js";
import { ApiKeyNotFoundError } from "../../../security/api-keys/errors.js";
import { issueApiKey } from "../../../security/api-keys/issue.js";
import type { ApiKeyStore } from "../../../security/api-keys/port.js";
import {
  type AuditEventType,
  type AuditLog,
  type AuditQuery,
  auditEventTypes,
} from "../../../security/audit/port.js";
import { type RevocationList, tokenRevocationKey } from "../../../security/revocation/port.js";
import { isScope } from "../../../security/scopes.js";
import type { Backups } from "../../backup/backups.js";
import type { TenantUsageReader } from "../../quotas/ledger.js";
import { quotaResources } from "../../quotas/resources.js";
import type { ServiceContext } from "../context.js";
import type { ServiceHandlers } from "../handlers.js";
import {
  type AuditSettingsPort,
  type AuditTrailCheck,
  streamVerification,
  toTenantSettingsInit,
} from "./audit.js";
import { streamBackup } from "./backup.js";
import { optionalMs, toApiKeyInit, toAuditEventInit } from "./convert.js";
import { callerOf, listedTenant, mayManage, targetTenant } from "./tenancy.js";

function settingsOf(settings: AuditSettingsPort | undefined): AuditSettingsPort {
  if (settings === undefined) throw new EngineUnavailableError("audit settings");
  return settings;
}

/** Keys or audit events per page when `page_size` is 0. */
export const defaultAdminPageSize = 100;
/** How long a revoked `jti` stays denied when the request gives no expiry: 24 h. */
export const defaultMaxTokenLifetimeMs = 24 * 60 * 60 * 1000;

/** What {@link createAdminService} needs. */
export interface AdminServiceOptions {
  /** Where API keys live. */
  readonly keys: ApiKeyStore;
  /** The denylist RevokeToken adds to. */
  readonly revocations: RevocationList;
  /** The trail that key and token changes are recorded in, and that ListAuditEvents reads. */
  readonly audit: AuditLog;
  /** The platform tenant (`ADMIN_TENANT`): its admins may name any tenant. */
  readonly adminTenant: string;
  /** The longest lifetime of an accepted token, in ms. Default {@link defaultMaxTokenLifetimeMs}. */
  readonly maxTokenLifetimeMs?: number;
  /** Measures a tenant's usage against its quotas, for GetTenantUsage. */
  readonly usage?: TenantUsageReader;
  /** Backups of DATA_DIR, for Backup; without them Backup is FAILED_PRECONDITION. */
  readonly backups?: Backups;
  /** Tenants' audit settings, for Get/UpdateTenantSettings; UNAVAILABLE without them. */
  readonly auditSettings?: AuditSettingsPort;
  /** The trail's hash chains, for VerifyAuditTrail; FAILED_PRECONDITION without them. */
  readonly trail?: AuditTrailCheck;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

const serviceName = "ragplane.v1.AdminService";

/**
 * The AdminService implementation. Every RPC acts for the caller's tenant unless a
 * platform admin names another; a tenant admin who names another tenant is denied, and
 * a key of another tenant is reported as not found, so its existence is not revealed.
 * Requests have passed `adminValidators`. A new key is returned once and only its hash
 * is stored; audit records never hold a key or a token.
 */
export function createAdminService(
  options: AdminServiceOptions,
): ServiceHandlers<typeof AdminService.method> {
  const { keys, revocations, audit, adminTenant } = options;
  const now = options.now ?? Date.now;
  const maxTokenLifetimeMs = options.maxTokenLifetimeMs ?? defaultMaxTokenLifetimeMs;

  const record = (
    type: AuditEventType,
    method: string,
    context: ServiceContext,
    tenant: string,
    details: Record<string, string>,
  ): void => {
    const caller = callerOf(context);
    audit.record({
      time: now(),
      type,
      tenant,
      principal: caller.subject,
      method: `${serviceName}/${method}`,
      peer: context.peer,
      requestId: context.requestId,
      reason: "",
      details,
    });
  };

  return {
    async createApiKey(request, context) {
      const caller = callerOf(context);
      const tenant = targetTenant(request.tenant, caller, adminTenant);
      const expiresAt = optionalMs(request.expireTime);
      const { key, record: created } = issueApiKey({
        tenant,
        name: request.name,
        scopes: request.scopes.filter(isScope),
        createdAt: now(),
        createdBy: caller.subject,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      await keys.create(created, context.signal);
      record("api_key.created", "CreateApiKey", context, tenant, {
        keyId: created.id,
        scopes: created.scopes.join(","),
      });
      return { apiKey: toApiKeyInit(created), key };
    },

    async listApiKeys(request, context) {
      const caller = callerOf(context);
      const page = await keys.list(
        {
          tenant: listedTenant(request.tenant, caller, adminTenant),
          limit: request.pageSize === 0 ? defaultAdminPageSize : request.pageSize,
          ...(request.pageToken === "" ? {} : { pageToken: request.pageToken }),
        },
        context.signal,
      );
      return {
        apiKeys: page.keys.map(toApiKeyInit),
        nextPageToken: page.nextPageToken ?? "",
      };
    },

    async revokeApiKey(request, context) {
      const caller = callerOf(context);
      const existing = keys.get(request.id);
      if (existing === undefined || !mayManage(existing.tenant, caller, adminTenant)) {
        throw new ApiKeyNotFoundError(request.id);
      }
      const revoked = await keys.revoke(request.id, now(), context.signal);
      if (existing.revokedAt === undefined) {
        record("api_key.revoked", "RevokeApiKey", context, existing.tenant, { keyId: existing.id });
      }
      return { apiKey: toApiKeyInit(revoked) };
    },

    async revokeToken(request, context) {
      const caller = callerOf(context);
      const tenant = targetTenant(request.tenant, caller, adminTenant);
      const longest = now() + maxTokenLifetimeMs;
      const expiresAt = Math.min(optionalMs(request.expireTime) ?? longest, longest);
      await revocations.revoke(tokenRevocationKey(tenant, request.jti), expiresAt, context.signal);
      record("token.revoked", "RevokeToken", context, tenant, {
        jti: request.jti,
        expiresAt: new Date(expiresAt).toISOString(),
      });
      return {};
    },

    async listAuditEvents(request, context) {
      const caller = callerOf(context);
      const since = optionalMs(request.startTime);
      const until = optionalMs(request.endTime);
      const query: AuditQuery = {
        tenant: listedTenant(request.tenant, caller, adminTenant),
        limit: request.pageSize === 0 ? defaultAdminPageSize : request.pageSize,
        ...(request.types.length === 0
          ? {}
          : { types: auditEventTypes.filter((type) => request.types.includes(type)) }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(request.pageToken === "" ? {} : { after: request.pageToken }),
      };
      const page = await audit.query(query, context.signal);
      return { events: page.events.map(toAuditEventInit), nextPageToken: page.next ?? "" };
    },

    async getTenantUsage(request, context) {
      const tenant = targetTenant(request.tenant, callerOf(context), adminTenant);
      if (options.usage === undefined) throw new Error("GetTenantUsage has no usage reader");
      const { usage, quotas } = await options.usage.usage(tenant, context.signal);
      return {
        tenant,
        resources: quotaResources.map((resource) => ({
          resource,
          used: BigInt(usage[resource]),
          quota: BigInt(quotas[resource]),
        })),
      };
    },

    async getTenantSettings(request, context) {
      const tenant = targetTenant(request.tenant, callerOf(context), adminTenant);
      const settings = await settingsOf(options.auditSettings).get(tenant, context.signal);
      return { settings: toTenantSettingsInit(settings) };
    },

    async updateTenantSettings(request, context) {
      const caller = callerOf(context);
      const tenant = targetTenant(request.tenant, caller, adminTenant);
      const settings = await settingsOf(options.auditSettings).put(
        {
          tenant,
          readAuditing: request.readAuditing,
          updatedAt: now(),
          updatedBy: caller.subject,
        },
        context.signal,
      );
      record("tenant_settings.updated", "UpdateTenantSettings", context, tenant, {
        readAuditing: String(settings.readAuditing),
      });
      return { settings: toTenantSettingsInit(settings) };
    },

    async *verifyAuditTrail(_request, context) {
      if (options.trail === undefined) {
        throw new PreconditionError("this server cannot verify the audit trail");
      }
      yield* streamVerification(options.trail, adminTenant, context);
    },

    async *backup(_request, context) {
      if (options.backups === undefined) {
        throw new PreconditionError("this server takes no backups");
      }
      yield* streamBackup(options.backups, adminTenant, context);
    },
  };
}
