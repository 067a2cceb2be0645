import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type {
  AuditBreakSchema,
  TenantSettingsSchema,
  VerifyAuditTrailResponseSchema,
} from "../../../gen/ragplane/v1/admin_pb.js";
import type { TenantAuditSettings } from "../../../security/audit/tenant-settings.js";
import type { AuditBreak, AuditVerification } from "../../../security/audit/verify.js";
import type { AuditVerificationStep } from "../../../security/audit/verify-trail.js";
import { PermissionDeniedError } from "../../../security/errors.js";
import type { ServiceContext } from "../context.js";
import { callerOf } from "./tenancy.js";

type VerifyMessage = MessageInitShape<typeof VerifyAuditTrailResponseSchema>;

/** Tenants' audit settings as AdminService reads and writes them. */
export interface AuditSettingsPort {
  get(tenant: string, signal?: AbortSignal): Promise<TenantAuditSettings>;
  put(settings: TenantAuditSettings, signal?: AbortSignal): Promise<TenantAuditSettings>;
}

/** Checks the audit trail, see `LogAuditLog.verify`. */
export interface AuditTrailCheck {
  verify(signal: AbortSignal): AsyncIterable<AuditVerificationStep>;
}

/** Stored audit settings as the `TenantSettings` message. */
export function toTenantSettingsInit(
  settings: TenantAuditSettings,
): MessageInitShape<typeof TenantSettingsSchema> {
  return {
    tenant: settings.tenant,
    readAuditing: settings.readAuditing,
    ...(settings.updatedAt === 0 ? {} : { updateTime: timestampFromMs(settings.updatedAt) }),
    updatedBy: settings.updatedBy,
  };
}

/**
 * AdminService/VerifyAuditTrail: for platform admins only (the trail holds every
 * tenant's entries). Streams the check's progress, then its result.
 */
export async function* streamVerification(
  trail: AuditTrailCheck,
  adminTenant: string,
  context: ServiceContext,
): AsyncGenerator<VerifyMessage, void, undefined> {
  if (callerOf(context).tenant !== adminTenant) {
    throw new PermissionDeniedError(
      `only admins of the platform tenant "${adminTenant}" may verify the audit trail`,
      "admin",
    );
  }
  for await (const step of trail.verify(context.signal)) {
    if (step.kind === "progress") {
      yield {
        step: {
          case: "progress",
          value: { checked: BigInt(step.checked), position: step.position },
        },
      };
    } else {
      yield { step: { case: "result", value: toResultInit(step.result) } };
    }
  }
}

function toResultInit(result: AuditVerification) {
  return {
    ok: result.ok,
    checked: BigInt(result.checked),
    unchained: BigInt(result.unchained),
    chains: result.chains.map((chain) => ({
      chainId: chain.chain,
      entries: BigInt(chain.entries),
      firstSeq: BigInt(chain.firstSeq),
      lastSeq: BigInt(chain.lastSeq),
      lastHash: chain.lastHash,
      ...(chain.broken === undefined ? {} : { broken: toBreakInit(chain.broken) }),
    })),
    ...(result.unreadable === undefined ? {} : { unreadable: toBreakInit(result.unreadable) }),
    prunedBefore: result.prunedBefore ?? "",
  };
}

function toBreakInit(broken: AuditBreak): MessageInitShape<typeof AuditBreakSchema> {
  return { position: broken.position, seq: BigInt(broken.seq), reason: broken.reason };
}
