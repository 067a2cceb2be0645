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

/**
 * The Watch streams open in the process, over both ports: Watch is open to anyone, so
 * without caps an anonymous client could hold any number of streams (and their memory)
 * open.
 */
export class HealthWatchSlots {
  private open = 0;
  private readonly perConnection = new Map<string, number>();

  constructor(private readonly limits: HealthWatchLimits) {}

  /** Why a stream past either cap is refused. */
  get refusal(): string {
    return `too many health Watch streams (at most ${this.limits.maxPerConnection} per connection and ${this.limits.maxOpen} in all)`;
  }

  /**
   * Takes a slot for a stream on `connection`; returns its release (safe to call more
   * than once), or undefined when a cap is reached.
   */
  take(connection: string): (() => void) | undefined {
    const onConnection = this.perConnection.get(connection) ?? 0;
    if (this.open >= this.limits.maxOpen || onConnection >= this.limits.maxPerConnection) {
      return undefined;
    }
    this.open += 1;
    this.perConnection.set(connection, onConnection + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      const left = (this.perConnection.get(connection) ?? 1) - 1;
      if (left === 0) this.perConnection.delete(connection);
      else this.perConnection.set(connection, left);
    };
  }
}

/** Where a handler set is added: a grpc-js server, as `HealthImplementation` sees one. */
interface ServiceSink {
  addService(service: object, implementation: UntypedServiceImplementation): void;
}

/**
 * A server for `HealthImplementation.addToServer` whose Watch handler refuses a stream
 * past either cap of `slots` with RESOURCE_EXHAUSTED.
 */
export function cappingHealthWatch(server: ServiceSink, slots: HealthWatchSlots): ServiceSink {
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
        const release = slots.take(call.getPeer());
        if (release === undefined) {
          call.emit("error", { code: status.RESOURCE_EXHAUSTED, details: slots.refusal });
          return;
        }
        call.once("cancelled", release);
        call.once("close", release);
        call.once("finish", release);
        watch(call);
      };
      server.addService(service, { ...implementation, watch: capped });
    },
  };
}
