import type { EnvReader } from "./env-reader.js";
import type { HealthWatchLimits } from "./health-watch-limit.js";
import type { ConnectionTimeouts } from "./transports/connection-timeouts.js";

/** Limits on the HTTP/2 connections of both ports. */
export interface ConnectionLimits {
  /**
   * `MAX_CONCURRENT_STREAMS`: calls one HTTP/2 connection may have open at once, on
   * either port; a client past it waits for a slot. Default 1 000.
   */
  readonly maxConcurrentStreams: number;
  /**
   * `GRPC_MAX_CONNECTION_AGE_MS`: the gRPC port asks a connection this old to go away
   * (HTTP/2 GOAWAY), so that clients reconnect and spread over replicas behind a layer-4
   * load balancer; 0 never. Default 0.
   */
  readonly maxAgeMs: number;
  /**
   * `GRPC_MAX_CONNECTION_AGE_GRACE_MS`: how long the calls still open on such a connection
   * may run before it is closed; 0 as long as they need. Default 0.
   */
  readonly maxAgeGraceMs: number;
  /**
   * `GRPC_MAX_CONNECTION_IDLE_MS`: the gRPC port closes a connection without calls for
   * this long; 0 never. Default 0.
   */
  readonly maxIdleMs: number;
  /**
   * Caps on `grpc.health.v1.Health/Watch` streams, which need no credential:
   * `HEALTH_WATCH_MAX` in the process (default 1 000) and `HEALTH_WATCH_MAX_PER_CONNECTION`
   * (default 8); a stream past either gets RESOURCE_EXHAUSTED.
   */
  readonly healthWatch: HealthWatchLimits;
  /** The HTTP port's header and idle timeouts. */
  readonly http: ConnectionTimeouts;
  /**
   * `GRPC_MAX_CONNECTIONS_PER_PEER`: connections one remote address may hold open on the
   * gRPC port; one more is closed as it opens. Default 256.
   */
  readonly grpcMaxConnectionsPerPeer: number;
  /**
   * `HTTP2_MAX_RESETS_PER_SECOND`: streams an HTTP/2 peer of the HTTP port may reset in a
   * second before its session is ended with ENHANCE_YOUR_CALM (rapid reset). Default 200.
   */
  readonly maxResetsPerSecond: number;
  /**
   * `HEALTH_PROBE_PORT` (unset: off) and `HEALTH_PROBE_HOST` (default `HOST`): a port that
   * serves only `grpc.health.v1.Health`, in plaintext and without credentials, for probes
   * that can neither speak TLS nor present a client certificate (the kubelet's).
   */
  readonly healthProbe: HealthProbeAddress | undefined;
}

/** Where the plaintext health probe port listens. */
export interface HealthProbeAddress {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const day = 86_400_000;

/** Reads {@link ConnectionLimits}. */
export function readConnectionLimits(read: EnvReader): ConnectionLimits {
  return {
    maxConcurrentStreams: read.integer("MAX_CONCURRENT_STREAMS", 1_000, 1, 1_000_000),
    maxAgeMs: read.integer("GRPC_MAX_CONNECTION_AGE_MS", 0, 0, 30 * day),
    maxAgeGraceMs: read.integer("GRPC_MAX_CONNECTION_AGE_GRACE_MS", 0, 0, 30 * day),
    maxIdleMs: read.integer("GRPC_MAX_CONNECTION_IDLE_MS", 0, 0, 30 * day),
    healthWatch: {
      maxOpen: read.integer("HEALTH_WATCH_MAX", 1_000, 1, 1_000_000),
      maxPerConnection: read.integer("HEALTH_WATCH_MAX_PER_CONNECTION", 8, 1, 10_000),
    },
    http: {
      headersTimeoutMs: read.integer("HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
      idleTimeoutMs: read.integer("HTTP_IDLE_TIMEOUT_MS", 60_000, 100, 30 * day),
      maxConnectionsPerPeer: read.integer("HTTP_MAX_CONNECTIONS_PER_PEER", 256, 1, 1_000_000),
    },
    grpcMaxConnectionsPerPeer: read.integer("GRPC_MAX_CONNECTIONS_PER_PEER", 256, 1, 1_000_000),
    maxResetsPerSecond: read.integer("HTTP2_MAX_RESETS_PER_SECOND", 200, 1, 1_000_000),
    healthProbe: readHealthProbe(read),
  };
}

function readHealthProbe(read: EnvReader): HealthProbeAddress | undefined {
  const host = read.text("HEALTH_PROBE_HOST", read.text("HOST", "127.0.0.1"));
  if (read.optional("HEALTH_PROBE_PORT") === undefined) return undefined;
  return { host, port: read.integer("HEALTH_PROBE_PORT", 0, 0, 65535) };
}
