import type { Registry } from "prom-client";

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/** One exported sample, as prom-client's registry formats it. */
interface Sample {
  readonly metricName?: string;
  readonly labels: Labels;
  readonly value: number;
}

/**
 * A metric family for the hot path: each label set is resolved once into a child that
 * updates plain numbers, so recording costs no label hashing or validation (prom-client's
 * own metrics hash their labels on every update). The family registers itself with a
 * prom-client registry, which formats it with the others at scrape time.
 */
abstract class Family<Child> {
  private readonly children = new Map<string, { labels: Labels; child: Child }>();

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {
    registry.registerMetric(this as never);
  }

  /** How the registry merges this metric across workers; unused here. */
  readonly aggregator = "sum";

  /** The child of a label set, made on first use. */
  child(labels: Labels): Child {
    const key = JSON.stringify(labels);
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { labels, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  /** prom-client's metric interface: the samples of every child. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }> {
    const values = [...this.children.values()].flatMap(({ labels, child }) =>
      this.samples(labels, child),
    );
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  protected abstract create(): Child;
  protected abstract samples(labels: Labels, child: Child): Sample[];
}

/** A counter child. */
export interface CounterChild {
  inc(by?: number): void;
}

/** A monotonically increasing count per label set. */
export class FastCounter extends Family<CounterChild & { value: number }> {
  constructor(registry: Registry, name: string, help: string) {
    super(registry, name, help, "counter");
  }
  protected create() {
    const child = {
      value: 0,
      inc(by = 1) {
        child.value += by;
      },
    };
    return child;
  }
  protected samples(labels: Labels, child: { value: number }): Sample[] {
    return [{ labels, value: child.value }];
  }
}

/** A gauge child. */
export interface GaugeChild {
  inc(): void;
  dec(): void;
  set(value: number): void;
}

/** A value that goes up and down, per label set. */
export class FastGauge extends Family<GaugeChild & { value: number }> {
  constructor(registry: Registry, name: string, help: string) {
    super(registry, name, help, "gauge");
  }
  protected create() {
    const child = {
      value: 0,
      inc() {
        child.value += 1;
      },
      dec() {
        child.value -= 1;
      },
      set(value: number) {
        child.value = value;
      },
    };
    return child;
  }
  protected samples(labels: Labels, child: { value: number }): Sample[] {
    return [{ labels, value: child.value }];
  }
}

/** A histogram child. */
export interface HistogramChild {
  observe(value: number): void;
}

interface HistogramState extends HistogramChild {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** Observations counted into fixed buckets (upper bounds, ascending), per label set. */
export class FastHistogram extends Family<HistogramState> {
  constructor(
    registry: Registry,
    name: string,
    help: string,
    private readonly bounds: readonly number[],
  ) {
    super(registry, name, help, "histogram");
  }
  protected create(): HistogramState {
    const bounds = this.bounds;
    const state: HistogramState = {
      counts: new Float64Array(bounds.length),
      sum: 0,
      count: 0,
      observe(value: number) {
        state.sum += value;
        state.count += 1;
        for (let i = 0; i < bounds.length; i++) {
          if (value <= bounds[i]!) {
            state.counts[i]! += 1;
            return;
          }
        }
      },
    };
    return state;
  }
  protected samples(labels: Labels, state: HistogramState): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += state.counts[i] ?? 0;
      samples.push({
        metricName: `${this.name}_bucket`,
        labels: { ...labels, le: String(bound) },
        value: cumulative,
      });
    });
    samples.push(
      { metricName: `${this.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: state.count },
      { metricName: `${this.name}_sum`, labels, value: state.sum },
      { metricName: `${this.name}_count`, labels, value: state.count },
    );
    return samples;
  }
}
