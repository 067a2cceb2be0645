import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { EngineHealth } from "../clients/health.js";

/** A named probe of one engine; services list the engines they need. */
export type EngineProbe = () => Promise<EngineHealth>;

/** Told a service's new serving status. */
export type StatusListener = (service: string, status: ServingStatus) => void;

/** The readiness of the server and of each service. */
export interface Readiness {
  readonly ready: boolean;
  /** Per service; `detail` says why a service is not ready (for logs, never for `/readyz`). */
  readonly services: Record<string, { readonly ready: boolean; readonly detail?: string }>;
}

/** Where a service that stops being ready is reported, with the engine's reason. */
export interface ReadinessLogger {
  warn(details: object, message: string): void;
}

/**
 * Probes each service's engine on an interval and publishes the result both to gRPC
 * health (`grpc.health.v1.Health`, per service and "" for the whole server) and to
 * `/readyz`. A probe that throws or hangs past the interval counts as not ready.
 */
export class HealthMonitor {
  /** The grpc-health-check implementation to add to the grpc-js server. */
  readonly grpc: HealthImplementation;
  private current: Readiness;
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Set<StatusListener>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly probes: ReadonlyMap<string, EngineProbe>,
    private readonly logger?: ReadinessLogger,
    private readonly timeoutMs = 2_000,
  ) {
    const initial: Record<string, ServingStatus> = { "": "NOT_SERVING" };
    for (const name of probes.keys()) initial[name] = "NOT_SERVING";
    this.grpc = new HealthImplementation(initial);
    for (const [name, status] of Object.entries(initial)) this.statuses.set(name, status);
    this.current = { ready: false, services: {} };
  }

  /** The last readiness computed. */
  get readiness(): Readiness {
    return this.current;
  }

  /** The status published for `service` ("" for the whole server); undefined if unknown. */
  status(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every service with a published status, "" first. */
  services(): string[] {
    return [...this.statuses.keys()];
  }

  /** Calls `listener` on every change of a published status; returns the unsubscribe. */
  onStatusChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Probes every engine now and publishes the result. */
  async refresh(): Promise<Readiness> {
    const services: Record<string, { ready: boolean; detail?: string }> = {};
    await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        const health = await this.probe(probe);
        services[name] = health.ok
          ? { ready: true }
          : { ready: false, detail: health.detail ?? "" };
      }),
    );
    if (this.stopped) return this.current;
    const ready = Object.values(services).every((service) => service.ready);
    for (const [name, service] of Object.entries(services)) {
      if (!service.ready && this.current.services[name]?.ready !== false) {
        this.logger?.warn({ service: name, detail: service.detail }, "service not ready");
      }
    }
    this.current = { ready, services };
    for (const [name, service] of Object.entries(services)) {
      this.publish(name, service.ready ? "SERVING" : "NOT_SERVING");
    }
    this.publish("", ready ? "SERVING" : "NOT_SERVING");
    return this.current;
  }

  /** Starts periodic probing. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** Stops probing and reports every service as not serving (used at shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.current = { ready: false, services: {} };
    this.publish("", "NOT_SERVING");
    for (const name of this.probes.keys()) this.publish(name, "NOT_SERVING");
  }

  private publish(service: string, status: ServingStatus): void {
    this.grpc.setStatus(service, status);
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners) listener(service, status);
  }

  private async probe(probe: EngineProbe): Promise<EngineHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<EngineHealth>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: "health probe timed out" }),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([probe(), timeout]);
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : "health probe failed" };
    } finally {
      clearTimeout(timer);
    }
  }
}
