import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from "@grpc/grpc-js";
import type { HealthImplementation } from "grpc-health-check";
import type { HealthProbeAddress } from "../config-connections.js";
import { cappingHealthWatch, type HealthWatchSlots } from "../health-watch-limit.js";
import { listenGrpc } from "./grpc-listener.js";

/**
 * The service name the probe port answers SERVING for while the process serves, whatever
 * the engines say: the liveness check (Kubernetes' `grpc.service: liveness`), where ""
 * and the service names are readiness.
 */
export const livenessService = "liveness";

/** What {@link listenProbePort} serves, and where. */
export interface ProbePortOptions {
  readonly address: HealthProbeAddress;
  /** The server's health statuses, the same the gRPC port serves. */
  readonly health: HealthImplementation;
  /** The process's Watch stream caps, shared with the other ports. */
  readonly watchSlots: HealthWatchSlots;
  /** Connections one remote address may hold open (as on the gRPC port). */
  readonly maxConnectionsPerPeer: number;
}

/** The probe port, listening. */
export interface ProbePort {
  readonly port: number;
  /** Stops listening and ends the calls still open (Watch streams). */
  close(): void;
}

/**
 * Listens on `HEALTH_PROBE_PORT`: `grpc.health.v1.Health` alone, in plaintext, with no
 * credential and no interceptor chain, for the kubelet, whose gRPC probes speak neither
 * TLS nor any authentication. Any other method is UNIMPLEMENTED. It answers the statuses
 * of the gRPC port plus {@link livenessService}.
 */
export async function listenProbePort(options: ProbePortOptions): Promise<ProbePort> {
  const server = new Server();
  options.health.addToServer(answeringLiveness(cappingHealthWatch(server, options.watchSlots)));
  const listener = await listenGrpc(
    server,
    ServerCredentials.createInsecure(),
    options.address.host,
    options.address.port,
    options.maxConnectionsPerPeer,
  );
  return {
    port: listener.port,
    close() {
      listener.close();
      server.forceShutdown();
    },
  };
}

type ServiceSink = Parameters<typeof cappingHealthWatch>[0];
type HealthRequest = { readonly service?: string };
type Check = (call: ServerUnaryCall<HealthRequest, unknown>, done: sendUnaryData<unknown>) => void;
type Watch = (call: ServerWritableStream<HealthRequest, unknown>) => void;

const serving = { status: "SERVING" };

/** A sink whose Check and Watch answer {@link livenessService} themselves. */
function answeringLiveness(sink: ServiceSink): ServiceSink {
  return {
    addService(service, implementation) {
      const check = implementation.check as Check | undefined;
      const watch = implementation.watch as Watch | undefined;
      if (check === undefined || watch === undefined) {
        sink.addService(service, implementation);
        return;
      }
      const checkLiveness: Check = (call, done) => {
        if (call.request.service === livenessService) done(null, serving);
        else check(call, done);
      };
      const watchLiveness: Watch = (call) => {
        if (call.request.service === livenessService) call.write(serving);
        else watch(call);
      };
      sink.addService(service, { ...implementation, check: checkLiveness, watch: watchLiveness });
    },
  };
}
