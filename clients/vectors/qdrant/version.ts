import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The version of `@qdrant/js-client-rest` that ragplane runs with. */
export const qdrantClientVersion: string = (() => {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@qdrant/js-client-rest");
  const packageJson = join(dirname(entry), "../../package.json");
  return (require(packageJson) as { version: string }).version;
})();

/** A Qdrant server this client may not speak to correctly. */
export class QdrantVersionError extends Error {
  override readonly name = "QdrantVersionError";
  constructor(
    readonly serverVersion: string,
    readonly clientVersion: string,
  ) {
    super(
      `Qdrant ${serverVersion} is not supported: ragplane's Qdrant client is ${clientVersion}, which needs a server of the same major version and at most one minor version apart`,
    );
  }
}

/**
 * Qdrant's own compatibility rule (its clients warn about anything else): same major
 * version, minor versions at most one apart.
 */
export function isCompatibleQdrant(serverVersion: string, clientVersion: string): boolean {
  const server = majorMinor(serverVersion);
  const client = majorMinor(clientVersion);
  if (server === undefined || client === undefined) return false;
  return server.major === client.major && Math.abs(server.minor - client.minor) <= 1;
}

function majorMinor(version: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}
