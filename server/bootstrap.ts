import { generateApiKey, parseApiKey } from "../security/api-keys/format.js";
import { issueApiKey } from "../security/api-keys/issue.js";
import type { ApiKeyStore } from "../security/api-keys/port.js";
import { scopes } from "../security/scopes.js";

/** The admin key made on a first start. */
export interface BootstrapResult {
  /** The secret key. */
  readonly key: string;
  /** True when the key came from `BOOTSTRAP_ADMIN_KEY` (the operator has it; never print it). */
  readonly provided: boolean;
  /** Its public id. */
  readonly id: string;
  /** The tenant it acts for (the platform tenant). */
  readonly tenant: string;
}

/**
 * On a first start (no key was ever created), stores an API key with every scope for
 * the platform tenant: the operator's `provided` key (only its hash), else, when
 * `generate` is set (development), a new one — so that `npm start` works with
 * authentication on. Returns undefined when keys already exist or none is made.
 */
export async function bootstrapAdminKey(
  store: ApiKeyStore,
  options: { readonly tenant: string; readonly provided?: string; readonly generate: boolean },
  now: () => number = Date.now,
): Promise<BootstrapResult | undefined> {
  if (!store.isEmpty()) return undefined;
  const { tenant, provided } = options;
  const providedId = provided === undefined ? undefined : parseApiKey(provided);
  const generated =
    provided !== undefined && providedId !== undefined
      ? { id: providedId, key: provided }
      : options.generate
        ? generateApiKey()
        : undefined;
  if (generated === undefined) return undefined;
  const { key, record } = issueApiKey(
    {
      tenant,
      name: "bootstrap admin",
      scopes: [...scopes],
      createdAt: now(),
      createdBy: "bootstrap",
    },
    generated,
  );
  await store.create(record);
  return { key, id: record.id, tenant, provided: key === provided };
}

/** The message that shows the bootstrap key once, with commands that work as printed. */
export function bootstrapMessage(
  result: BootstrapResult,
  host: string,
  ports: { readonly grpcPort: number; readonly httpPort: number },
): string {
  const bracketed = host.includes(":") ? `[${host}]` : host;
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : bracketed;
  const address = `${bracketed}:${ports.grpcPort}`;
  return [
    "",
    "  ragplane created an admin API key for this data directory. It is shown only once:",
    "",
    `    ${result.key}`,
    "",
    `  tenant ${result.tenant}, every scope. Try it:`,
    "",
    `    grpcurl -plaintext -H 'authorization: Bearer ${result.key}' ${address} ragplane.v1.VectorsService/ListCollections`,
    "",
    "  Create narrower keys with:",
    "",
    `    RAGPLANE_URL=http://${reachable}:${ports.httpPort} RAGPLANE_API_KEY=<this key> npx ragplane keys create --tenant <t> --name <name> --scopes vectors:read`,
    "",
  ].join("\n");
}
