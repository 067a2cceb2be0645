/**
 * What a tenant name may look like: 1–64 letters, digits, `_`, `.` or `-`, starting with
 * a letter or digit. Names starting with `_` are reserved for ragplane's own data
 * ({@link systemTenant}), so no principal can ever hold one.
 */
export const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** True when `name` is a tenant a principal may hold. */
export function isTenantName(name: string): boolean {
  return tenantPattern.test(name);
}

/** The reserved tenant under which ragplane keeps API keys and the audit trail. */
export const systemTenant = "_system";
