import type { Config } from "./config.js";

/** Where the container's health probe connects. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** Whether the HTTP port serves TLS. */
  readonly tls: boolean;
}

/**
 * The server's own HTTP port, on the address it listens on; on loopback when it listens
 * on every interface (`0.0.0.0` or `::`), which loopback is one of.
 */
export function probeTarget(config: Config): ProbeTarget {
  return {
    host: probeHost(config.host),
    port: config.httpPort,
    tls: config.security.tls !== undefined,
  };
}

function probeHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare === "0.0.0.0") return "127.0.0.1";
  if (bare === "::") return "::1";
  return bare;
}
