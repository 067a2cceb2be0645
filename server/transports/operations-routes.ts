import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { ServingStatus } from "grpc-health-check";
import {
  Health,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  ServerReflection as ServerReflectionV1,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflectionRequestSchema as AlphaRequestSchema,
  ServerReflectionResponseSchema as AlphaResponseSchema,
  ServerReflection as ServerReflectionV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { HealthMonitor } from "../health.js";
import type { HealthWatchSlots } from "../health-watch-limit.js";
import type { ReflectionAnswerer } from "../reflection-answers.js";
import { nodeRequestKey } from "./connect-call.js";

/** What the HTTP port serves besides the product: the same as the gRPC port. */
export interface OperationsRoutes {
  /** Readiness, published as `grpc.health.v1.Health`. */
  readonly health: HealthMonitor;
  /** The Watch caps, shared with the gRPC port. */
  readonly watchSlots: HealthWatchSlots;
  /** Reflection answers; no reflection when undefined (`GRPC_REFLECTION=false`). */
  readonly reflection?: ReflectionAnswerer;
}

/**
 * Adds `grpc.health.v1.Health` (Check, List, Watch) and, when enabled, gRPC reflection
 * v1 and v1alpha to a Connect router, so grpcurl, buf curl and gRPC health checkers work
 * against the HTTP port as they do against the gRPC port. Like there, they need no
 * credential and do not pass the product chain.
 */
export function addOperationsRoutes(router: ConnectRouter, routes: OperationsRoutes): void {
  const { health, watchSlots, reflection } = routes;
  router.service(Health, {
    check(request) {
      const status = health.status(request.service);
      if (status === undefined) throw new ConnectError("unknown service", Code.NotFound);
      return response(status);
    },
    list() {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const service of health.services()) {
        statuses[service] = response(health.status(service) ?? "UNKNOWN");
      }
      return create(HealthListResponseSchema, { statuses });
    },
    watch(request, context) {
      const release = watchSlots.take(connectionOf(context));
      if (release === undefined) throw new ConnectError(watchSlots.refusal, Code.ResourceExhausted);
      return watchStatus(health, request.service, context.signal, release);
    },
  });
  if (reflection === undefined) return;
  router.service(ServerReflectionV1, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield reflection(request);
    },
  });
  router.service(ServerReflectionV1alpha, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        const asV1 = fromBinary(
          ServerReflectionRequestSchema,
          toBinary(AlphaRequestSchema, request),
        );
        const answer = toBinary(ServerReflectionResponseSchema, reflection(asV1));
        yield fromBinary(AlphaResponseSchema, answer);
      }
    },
  });
}

const servingStatus: Readonly<Record<ServingStatus, HealthCheckResponse_ServingStatus>> = {
  UNKNOWN: HealthCheckResponse_ServingStatus.UNKNOWN,
  SERVING: HealthCheckResponse_ServingStatus.SERVING,
  NOT_SERVING: HealthCheckResponse_ServingStatus.NOT_SERVING,
};

function response(
  status: ServingStatus | HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
): HealthCheckResponse {
  return create(HealthCheckResponseSchema, {
    status: typeof status === "string" ? servingStatus[status] : status,
  });
}

/** The current status of `service`, then each change, until the caller goes away. */
async function* watchStatus(
  health: HealthMonitor,
  service: string,
  signal: AbortSignal,
  release: () => void,
): AsyncGenerator<HealthCheckResponse> {
  const pending: HealthCheckResponse[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = health.onStatusChange((changed, status) => {
    if (changed !== service) return;
    pending.push(response(status));
    wake?.();
  });
  const aborted = (): void => wake?.();
  signal.addEventListener("abort", aborted);
  try {
    yield response(health.status(service) ?? HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN);
    while (!signal.aborted) {
      const next = pending.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener("abort", aborted);
    unsubscribe();
    release();
  }
}

/** The caller's connection, as the Watch caps count streams per connection. */
function connectionOf(context: HandlerContext): string {
  const socket = context.values.get(nodeRequestKey)?.socket;
  return `${socket?.remoteAddress ?? "?"}:${socket?.remotePort ?? "?"}`;
}
