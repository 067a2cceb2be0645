import { PermissionDeniedError, UnauthenticatedError } from "../../../security/errors.js";
import type { Principal } from "../../../security/principal.js";
import type { ServiceContext } from "../context.js";

/** The caller of an admin RPC; the chain always authenticates one before the service runs. */
export function callerOf(context: ServiceContext): Principal {
  const { principal } = context;
  if (principal === undefined) throw new UnauthenticatedError("no principal on an admin call");
  return principal;
}

/**
 * The one tenant a request acts for: the caller's own when `requested` is empty; another
 * only for a caller of the platform tenant (`adminTenant`).
 */
export function targetTenant(requested: string, caller: Principal, adminTenant: string): string {
  if (requested === "" || requested === caller.tenant) return caller.tenant;
  if (caller.tenant === adminTenant) return requested;
  throw new PermissionDeniedError(
    `tenant "${caller.tenant}" may not act for tenant "${requested}": only platform admins may`,
  );
}

/**
 * The tenant a listing is narrowed to: as {@link targetTenant}, except that a platform
 * admin who names no tenant lists every tenant (undefined).
 */
export function listedTenant(
  requested: string,
  caller: Principal,
  adminTenant: string,
): string | undefined {
  if (requested === "" && caller.tenant === adminTenant) return undefined;
  return targetTenant(requested, caller, adminTenant);
}

/** True when the caller may see and change things of `tenant`. */
export function mayManage(tenant: string, caller: Principal, adminTenant: string): boolean {
  return tenant === caller.tenant || caller.tenant === adminTenant;
}
