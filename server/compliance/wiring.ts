import type { Logger } from "pino";
import type { EventLog } from "../../clients/events/port.js";
import type { GraphStore } from "../../clients/graphs/port.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { ComplianceService } from "../../gen/ragplane/v1/compliance_pb.js";
import type { AuditLog } from "../../security/audit/port.js";
import type { ManagedDataKeyring } from "../../security/encryption/data-keyring.js";
import type { ServiceBinding } from "../dispatch.js";
import { createComplianceService } from "../services/compliance/service.js";
import { Eraser } from "./eraser.js";
import { ErasureJobStore } from "./job-store.js";
import type { ErasureRecorder } from "./recorder.js";

/** What {@link openCompliance} needs from the server's wiring. */
export interface ComplianceWiring {
  /** The ports as services see them (sealed: events and points decrypted). */
  readonly engines: {
    readonly events: EventLog;
    readonly vectors: VectorStore;
    readonly graphs: GraphStore;
    readonly kinds?: Readonly<Record<"events" | "vectors" | "graphs", string>>;
    /** Present when Redis is configured: data keys are kept there then. */
    readonly redis?: object;
  };
  /** The event log that holds the erasure jobs' control topic. */
  readonly controlEvents: EventLog;
  readonly keyring: ManagedDataKeyring;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** `ADMIN_TENANT`: only its admins may re-wrap data keys. */
  readonly adminTenant: string;
  /** Where erasure jobs are measured, when metrics are on. */
  readonly metrics?: ComplianceMetrics;
}

/** The server's metrics as the compliance wiring uses them. */
export interface ComplianceMetrics {
  readonly erasures: ErasureRecorder;
  /** Registers a gauge read when scraped. */
  gauge(name: string, help: string, source: () => number): void;
}

/** ComplianceService with the erasure jobs behind it, started and stopped with the server. */
export interface Compliance {
  readonly binding: ServiceBinding;
  /** Follows the erasure jobs and resumes interrupted ones (in the background). */
  start(): void;
  /** Stops the jobs this replica runs (releasing them to the next replica) and the job log. */
  stop(): Promise<void>;
}

/** Wires ComplianceService: the job store, the eraser and the handlers. */
export function openCompliance(wiring: ComplianceWiring): Compliance {
  const { engines, keyring, audit, logger } = wiring;
  const kinds = engines.kinds;
  const jobs = new ErasureJobStore({ events: wiring.controlEvents, logger });
  const eraser = new Eraser({
    store: jobs,
    targets: {
      vectors: engines.vectors,
      graphs: engines.graphs,
      keyring,
      kinds: {
        vectors: kinds?.vectors ?? "embedded",
        graphs: kinds?.graphs ?? "embedded",
        events: kinds?.events ?? "embedded",
        keys: engines.redis === undefined ? "embedded" : "redis",
      },
    },
    audit,
    logger,
    ...(wiring.metrics === undefined ? {} : { recorder: wiring.metrics.erasures }),
  });
  if (wiring.metrics !== undefined) registerJobGauges(wiring.metrics, jobs);
  const handlers = createComplianceService({
    eraser,
    jobs,
    sources: { events: engines.events, vectors: engines.vectors, graphs: engines.graphs, audit },
    audit,
    rewrapper: keyring,
    adminTenant: wiring.adminTenant,
  });
  return {
    binding: { service: ComplianceService, handlers },
    start() {
      eraser.start().catch((error: unknown) => {
        logger.error({ err: error }, "erasure jobs could not start");
      });
    },
    async stop() {
      await eraser.stop();
      await jobs.close();
    },
  };
}

/** Gauges of the running erasure jobs of every tenant, as this replica's job store sees them. */
function registerJobGauges(metrics: ComplianceMetrics, jobs: ErasureJobStore): void {
  metrics.gauge(
    "ragplane_erasure_jobs_running",
    "Erasure jobs of every tenant not yet done (the same on every replica).",
    () => jobs.allRunning().length,
  );
  metrics.gauge(
    "ragplane_erasure_oldest_running_seconds",
    "How long the oldest erasure job not yet done has run; 0 when none runs.",
    () => {
      const started = jobs.allRunning().map((job) => job.startTime);
      return started.length === 0 ? 0 : (Date.now() - Math.min(...started)) / 1000;
    },
  );
}
