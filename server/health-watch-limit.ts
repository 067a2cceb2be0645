import {
  type ServerWritableStream,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/** Caps on `grpc.health.v1.Health/Watch` streams, which need no credential. */
export interface HealthWatchLimits {
  /** Watch streams open at once in the process. */
  readonly maxOpen: number;
  /** Watch streams open at once on one connection. */
  readonly maxPerConnection: number;
}

/** Where a handler set is added: a grpc-js server, as `HealthImplementation` sees one. */
interface ServiceSink {
  addService(service: object, implementation: UntypedServiceImplementation): void;
}

/**
 * A server for `HealthImplementation.addToServer` whose Watch handler refuses a stream
 * past either cap with RESOURCE_EXHAUSTED: Watch is open to anyone, so without caps an
 * anonymous client could hold any number of streams (and their memory) open.
 */
export function cappingHealthWatch(server: ServiceSink, limits: HealthWatchLimits): ServiceSink {
  let open = 0;
  const perConnection = new Map<string, number>();
  return {
    addService(service, implementation) {
      const watch = implementation.watch as
        | ((call: ServerWritableStream<unknown, unknown>) => void)
        | undefined;
      if (watch === undefined) {
        server.addService(service, implementation);
        return;
      }
      const capped = (call: ServerWritableStream<unknown, unknown>): void => {
        const peer = call.getPeer();
        const onConnection = perConnection.get(peer) ?? 0;
        if (open >= limits.maxOpen || onConnection >= limits.maxPerConnection) {
          call.emit("error", {
            code: status.RESOURCE_EXHAUSTED,
            details: `too many health Watch streams (at most ${limits.maxPerConnection} per connection and ${limits.maxOpen} in all)`,
          });
          return;
        }
        open += 1;
        perConnection.set(peer, onConnection + 1);
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          open -= 1;
          const left = (perConnection.get(peer) ?? 1) - 1;
          if (left === 0) perConnection.delete(peer);
          else perConnection.set(peer, left);
        };
        call.once("cancelled", release);
        call.once("close", release);
        call.once("finish", release);
        watch(call);
      };
      server.addService(service, { ...implementation, watch: capped });
    },
  };
}
