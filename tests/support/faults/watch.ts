import type { ServerMetrics } from "../../../server/telemetry/metrics.js";

/** One look at the server: readiness of the watched services and the engine's metrics. */
export interface Sample {
  /** `performance.now()` ms. */
  readonly at: number;
  /** Whether `/readyz` says every watched service is ready. */
  readonly ready: boolean;
  /** `ragplane_engine_breaker_state` of the engine: 0 closed, 1 half-open, 2 open. */
  readonly breaker: number | undefined;
  /** `ragplane_engine_up` of the engine. */
  readonly up: number | undefined;
}

/** What a {@link ServerWatch} looks at. */
export interface ServerWatchOptions {
  /** The server's HTTP port, whose `/readyz` is read. */
  readonly httpPort: number;
  /** The server's metrics. */
  readonly metrics: ServerMetrics;
  /** The engine label of the metrics, e.g. `kafka`. */
  readonly engine: string;
  /** The services (full names) that need the engine. */
  readonly services: readonly string[];
  /** Time between two samples. Default 100 ms. */
  readonly intervalMs?: number;
}

/**
 * Samples, on an interval, what operators see of an engine: whether `/readyz` reports the
 * services that need it as ready, and the engine's breaker state and up gauge.
 */
export class ServerWatch {
  readonly #options: ServerWatchOptions;
  readonly #samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> = Promise.resolve();

  constructor(options: ServerWatchOptions) {
    this.#options = options;
  }

  /** Every sample so far, oldest first. */
  get samples(): readonly Sample[] {
    return this.#samples;
  }

  /** The breaker states seen, in order, each change once (e.g. `[0, 2, 1, 0]`). */
  get breakerStates(): readonly number[] {
    const states: number[] = [];
    for (const { breaker } of this.#samples) {
      if (breaker !== undefined && states.at(-1) !== breaker) states.push(breaker);
    }
    return states;
  }

  /** The readiness seen, in order, each change once (e.g. `[true, false, true]`). */
  get readinessChanges(): readonly boolean[] {
    const changes: boolean[] = [];
    for (const { ready } of this.#samples) if (changes.at(-1) !== ready) changes.push(ready);
    return changes;
  }

  /** Starts sampling. */
  start(): void {
    const intervalMs = this.#options.intervalMs ?? 100;
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(async () => {
        await this.sample();
      });
    }, intervalMs);
  }

  /** Stops sampling, after the sample in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sampling;
  }

  /** Takes one sample now and returns it. */
  async sample(): Promise<Sample> {
    const [ready, text] = await Promise.all([
      this.#ready(),
      this.#options.metrics.registry.metrics(),
    ]);
    const sample = {
      at: performance.now(),
      ready,
      breaker: gauge(text, "ragplane_engine_breaker_state", this.#options.engine),
      up: gauge(text, "ragplane_engine_up", this.#options.engine),
    };
    this.#samples.push(sample);
    return sample;
  }

  /**
   * Samples until `done` holds for a sample or `timeoutMs` passes; resolves with the
   * time it took, rejects with the last sample on a timeout.
   */
  async until(done: (sample: Sample) => boolean, timeoutMs: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const sample = await this.sample();
      if (done(sample)) return performance.now() - started;
      if (performance.now() - started > timeoutMs) {
        throw new Error(`not reached after ${timeoutMs} ms; last sample ${JSON.stringify(sample)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #ready(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.#options.httpPort}/readyz`, {
        signal: AbortSignal.timeout(2_000),
      });
      const body = (await response.json()) as {
        services?: Record<string, { ready?: boolean }>;
      };
      return this.#options.services.every((service) => body.services?.[service]?.ready === true);
    } catch {
      return false;
    }
  }
}

/** The value of `name{engine="<engine>"}` in a Prometheus text exposition. */
function gauge(text: string, name: string, engine: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) && line.includes(`engine="${engine}"`)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}
