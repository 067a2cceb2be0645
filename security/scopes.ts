/** Every scope a principal can hold; each RPC needs one or more (see `interceptors/policy.ts`). */
export const scopes = [
  "events:read",
  "events:write",
  "vectors:read",
  "vectors:write",
  "graphs:read",
  "graphs:write",
  "admin",
] as const;

/** One scope name. */
export type Scope = (typeof scopes)[number];

/** True when `name` is a scope ragplane knows. */
export function isScope(name: string): name is Scope {
  return (scopes as readonly string[]).includes(name);
}
