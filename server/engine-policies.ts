import type { Logger } from "pino";
import { kafkaPolicy } from "../clients/events/kafka/policy.js";
import { neo4jPolicy } from "../clients/graphs/neo4j/policy.js";
import { redisPolicy } from "../clients/redis/policy.js";
import type { EnginePolicy, PolicyEvents } from "../clients/resilience/engine-policy.js";
import type { ResilienceSettings } from "../clients/resilience/settings.js";
import { qdrantPolicy } from "../clients/vectors/qdrant/policy.js";
import type { EngineLabel, EngineMetrics } from "./telemetry/metrics.js";

/**
 * The resilience policy of each real engine, made once with the operator's breaker and
 * bulkhead settings and reporting to the log and the metrics. Each engine's own rules
 * (timeouts, what is transient, what is retried) are in its adapter's `policy.ts`.
 */
export class EnginePolicies {
  private readonly made = new Map<EngineLabel, EnginePolicy>();

  constructor(
    private readonly resilience: ResilienceSettings,
    private readonly metrics: EngineMetrics | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  /** Every policy made so far, by engine. */
  get all(): ReadonlyMap<EngineLabel, EnginePolicy> {
    return this.made;
  }

  redis(): EnginePolicy {
    return this.once("redis", (events) => redisPolicy({ resilience: this.resilience, events }));
  }

  kafka(): EnginePolicy {
    return this.once("kafka", (events) => kafkaPolicy({ resilience: this.resilience, events }));
  }

  qdrant(timeoutMs: number): EnginePolicy {
    return this.once("qdrant", (events) =>
      qdrantPolicy({ timeoutMs, resilience: this.resilience, events }),
    );
  }

  neo4j(): EnginePolicy {
    return this.once("neo4j", (events) => neo4jPolicy({ resilience: this.resilience, events }));
  }

  private once(label: EngineLabel, make: (events: PolicyEvents) => EnginePolicy): EnginePolicy {
    let policy = this.made.get(label);
    if (policy === undefined) {
      policy = make(this.events(label));
      this.made.set(label, policy);
    }
    return policy;
  }

  /** Breaker changes go to the log and the metrics, refusals and retries to the metrics. */
  private events(label: EngineLabel): PolicyEvents {
    const { metrics, logger } = this;
    return {
      breakerChanged: (_, state) => {
        metrics?.breakerChanged(label, state);
        const details = { engine: label, breaker: state };
        if (state === "open") logger?.warn(details, `${label} circuit breaker open: failing fast`);
        else logger?.info(details, `${label} circuit breaker ${state}`);
      },
      bulkheadRejected: () => metrics?.bulkheadRejected(label),
      retried: () => metrics?.engineRetried(label),
    };
  }
}
