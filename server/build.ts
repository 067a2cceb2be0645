import type { AddressInfo, Server as NetServer } from "node:net";
import type { Server as GrpcServer } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { EventLog } from "../clients/events/port.js";
import type { GraphStore } from "../clients/graphs/port.js";
import type { EngineHealth } from "../clients/health.js";
import type { EnginePolicy } from "../clients/resilience/engine-policy.js";
import type { VectorStore } from "../clients/vectors/port.js";
import { AdminService } from "../gen/ragplane/v1/admin_pb.js";
import { ComplianceService } from "../gen/ragplane/v1/compliance_pb.js";
import { EventsService } from "../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../gen/ragplane/v1/ingestion_pb.js";
import { RetrievalService } from "../gen/ragplane/v1/retrieval_pb.js";
import { VectorsService } from "../gen/ragplane/v1/vectors_pb.js";
import type { Interceptor } from "../interceptors/call.js";
import { createChain } from "../interceptors/chain.js";
import type { ManagedDataKeyring } from "../security/encryption/data-keyring.js";
import { Backups } from "./backup/backups.js";
import { type BackupSource, externalEngines } from "./backup/sources.js";
import { openCompliance } from "./compliance/wiring.js";
import type { Config } from "./config.js";
import { quotasOf } from "./config-quotas.js";
import { buildMethods, OpenStreams, type ServiceBinding } from "./dispatch.js";
import { HealthMonitor } from "./health.js";
import { cappingHealthWatch, HealthWatchSlots } from "./health-watch-limit.js";
import { totalLag } from "./ingestion/progress.js";
import { Projector } from "./ingestion/projector.js";
import { IngestionSettingsStore } from "./ingestion/settings-store.js";
import { enforceQuotas } from "./quotas/enforce.js";
import { QuotaLedger } from "./quotas/ledger.js";
import { engineMeter } from "./quotas/meter.js";
import { addReflection, descriptorFiles, descriptorSetPaths } from "./reflection.js";
import { createReflectionAnswerer } from "./reflection-answers.js";
import { keepApplyingAuditRetention } from "./retention/audit-retention.js";
import { collectionSource, labelSource } from "./retention/sources.js";
import { RetentionSweeper } from "./retention/sweeper.js";
import type { OpenSecurity } from "./security.js";
import { createAdminService } from "./services/admin/service.js";
import { adminValidators } from "./services/admin/validate.js";
import { complianceValidators } from "./services/compliance/validate.js";
import { createEventsService } from "./services/events/service.js";
import { Subscriptions } from "./services/events/subscriptions.js";
import { eventsValidators } from "./services/events/validate.js";
import { createGraphsService } from "./services/graphs/service.js";
import { graphsValidators } from "./services/graphs/validate.js";
import { createIngestionService } from "./services/ingestion/service.js";
import { ingestionValidators } from "./services/ingestion/validate.js";
import { createRetrievalService } from "./services/retrieval/service.js";
import { retrievalValidators } from "./services/retrieval/validate.js";
import { validatorMap } from "./services/validators.js";
import { createVectorsService } from "./services/vectors/service.js";
import { vectorsValidators } from "./services/vectors/validate.js";
import type { EngineLabel, ServerMetrics } from "./telemetry/metrics.js";
import { listenMetrics, type MetricsServer } from "./telemetry/metrics-server.js";
import { engineLabels, registerEngineGauges, type Telemetry } from "./telemetry/telemetry.js";
import { createConnectHandler } from "./transports/connect.js";
import { oncePerOrigin } from "./transports/cors.js";
import { addMethodsToGrpcServer, createGrpcServer } from "./transports/grpc.js";
import { type GrpcListener, listenGrpc } from "./transports/grpc-listener.js";
import { createHttpServer, createOperationsHandler } from "./transports/http.js";
import { listenProbePort, type ProbePort } from "./transports/probe-port.js";
import { useFastUtf8Encoding } from "./transports/text-encoding.js";
import { grpcServerCredentials, ReloadableServerCredentials } from "./transports/tls.js";
import { TlsReloader } from "./transports/tls-reload.js";

/** The engines behind the three services, one adapter per port. */
export interface Engines {
  readonly events: EventLog;
  readonly vectors: VectorStore;
  readonly graphs: GraphStore;
  /** Redis, when configured: shared by the services that keep state there. */
  readonly redis?: { health(): Promise<EngineHealth> };
  /** Which engine serves each capability (`embedded` when absent). */
  readonly kinds?: Readonly<Record<"events" | "vectors" | "graphs", string>>;
  /** The resilience policy of each real engine: a breaker change re-probes readiness. */
  readonly policies?: ReadonlyMap<EngineLabel, EnginePolicy>;
  /** The embedded engines, which AdminService/Backup copies. */
  readonly backupSources?: readonly BackupSource[];
  /**
   * The data keys that encrypt events and sensitive payload fields at rest (see
   * `openKeyring`): ComplianceService destroys subjects' keys with it (waiting `cacheMs`
   * for other replicas' caches) and re-wraps keys after a KEK rotation. The ports above
   * are already sealed with it.
   */
  readonly keyring?: ManagedDataKeyring;
}

/** What {@link build} needs. */
export interface RagplaneDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly engines: Engines;
  /** Authentication, audit, limits and the key store (see `openSecurity`). */
  readonly security: OpenSecurity;
  /**
   * Replaces the interceptor chain; only for measuring what the chain costs (the
   * benchmark's empty chain). Production always runs `createChain`.
   */
  readonly chain?: readonly Interceptor[];
  /** Metrics and tracing; none when absent (see `createTelemetry`). */
  readonly telemetry?: Telemetry;
}

/** The bound ports, once listening. */
export interface ListeningPorts {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The `/metrics` port, when metrics are served. */
  readonly metricsPort?: number;
  /** The plaintext health port for the kubelet (`HEALTH_PROBE_PORT`), when set. */
  readonly healthProbePort?: number;
}

/** A built ragplane server: both transports, health and reflection, not yet listening. */
export interface RagplaneServer {
  /** Binds both ports on `config.host` and starts readiness probing. */
  listen(): Promise<ListeningPorts>;
  /**
   * Stops accepting calls, ends open streams with UNAVAILABLE, lets in-flight calls
   * finish within `config.shutdownGraceMs`, then closes both ports. Engines are the
   * caller's to close afterwards.
   */
  close(): Promise<void>;
  /** Readiness as probed from the engines. */
  readonly health: HealthMonitor;
}

/** Wires services, the interceptor chain and both transports; does not listen. */
export function build(deps: RagplaneDeps): RagplaneServer {
  const { config, logger, security } = deps;
  const { metrics, tracer } = deps.telemetry ?? {};
  const quotas = new QuotaLedger({
    quotasOf: (tenant) => quotasOf(config.quotas, tenant),
    measure: engineMeter(deps.engines),
    maxAgeMs: config.quotas.usageMaxAgeMs,
    ...(metrics === undefined ? {} : { metrics: metrics.quotas }),
  });
  const engines = enforceQuotas(deps.engines, quotas);
  useFastUtf8Encoding();
  const labels = engineLabels(engines.kinds);
  const subscriptions =
    metrics === undefined
      ? undefined
      : new Subscriptions(engines.events, () => metrics.subscribeDelivered());
  if (metrics && subscriptions) registerEngineGauges(metrics, engines, subscriptions, logger);
  const ingestionSettings = new IngestionSettingsStore({ events: deps.engines.events, logger });
  const projector = config.ingestion.projector
    ? new Projector({
        stores: engines,
        settings: ingestionSettings,
        logger,
        batchEvents: config.ingestion.batchEvents,
        ...(metrics === undefined ? {} : { recorder: metrics.ingestion }),
      })
    : undefined;
  const background = new AbortController();
  const sweeper = config.retention.sweeper
    ? new RetentionSweeper({
        sources: [collectionSource(engines.vectors), labelSource(engines.graphs)],
        logger,
        audit: security.audit,
        intervalMs: config.retention.sweepIntervalMs,
        ...(metrics === undefined ? {} : { recorder: metrics.retention }),
      })
    : undefined;
  metrics?.gauge(
    "ragplane_ingestion_lag_events",
    "Events still to project over every ingestion, as committed by the projectors.",
    () => totalLag(engines.events, ingestionSettings.all()),
  );
  const keyring = deps.engines.keyring;
  const compliance =
    keyring === undefined
      ? undefined
      : openCompliance({
          engines,
          controlEvents: deps.engines.events,
          keyring,
          audit: security.audit,
          logger,
          adminTenant: config.security.adminTenant,
          ...(metrics === undefined ? {} : { metrics }),
        });
  const bindings: ServiceBinding[] = [
    {
      service: EventsService,
      handlers: createEventsService(engines.events, {
        ...(tracer === undefined ? {} : { tracer }),
        messagingSystem: labels.events === "kafka" ? "kafka" : "ragplane",
        ...(subscriptions === undefined ? {} : { subscriptions }),
      }),
    },
    { service: VectorsService, handlers: createVectorsService(engines.vectors) },
    { service: GraphsService, handlers: createGraphsService(engines.graphs) },
    {
      service: RetrievalService,
      handlers: createRetrievalService({ vectors: engines.vectors, graphs: engines.graphs }),
    },
    {
      service: IngestionService,
      handlers: createIngestionService({
        events: engines.events,
        vectors: engines.vectors,
        graphs: engines.graphs,
        settings: ingestionSettings,
      }),
    },
    {
      service: AdminService,
      handlers: createAdminService({
        keys: security.keys,
        revocations: security.revocations,
        audit: security.audit,
        auditSettings: security.auditSettings,
        trail: security.auditTrail,
        adminTenant: config.security.adminTenant,
        usage: quotas,
        backups: new Backups({
          dataDir: config.dataDir,
          sources: [...(deps.engines.backupSources ?? []), ...security.backupSources],
          external: externalEngines(config.engines),
        }),
        ...(config.security.jwt === undefined
          ? {}
          : { maxTokenLifetimeMs: config.security.jwt.maxLifetimeS * 1000 }),
      }),
    },
  ];
  if (compliance !== undefined) bindings.push(compliance.binding);
  const chain =
    deps.chain ??
    createChain({
      logger,
      deadlines: config.deadlines,
      validators: validatorMap([
        [EventsService, eventsValidators],
        [VectorsService, vectorsValidators],
        [GraphsService, graphsValidators],
        [RetrievalService, retrievalValidators],
        [IngestionService, ingestionValidators],
        [AdminService, adminValidators],
        [ComplianceService, complianceValidators],
      ]),
      authenticators: security.authenticators,
      audit: security.audit,
      readAuditing: security.auditSettings,
      limiter: security.limiter,
      refusals: security.refusals,
      streamLimits: config.security.streamLimits,
      expensiveCallsPerTenant: config.security.expensiveCallsPerTenant,
      ...(tracer === undefined ? {} : { tracer }),
      ...(metrics === undefined ? {} : { metrics, securityMetrics: metrics }),
    });
  const streams = new OpenStreams();
  const methods = buildMethods(bindings, chain, streams);

  const probe = (engine: { health(): Promise<EngineHealth> }, label: EngineLabel) =>
    metrics === undefined ? () => engine.health() : reportingUp(engine, label, metrics);
  const redis = engines.redis;
  const redisProbe = redis === undefined ? undefined : { health: probe(redis, "redis") };
  const health = new HealthMonitor(
    new Map([
      [
        EventsService.typeName,
        () => allHealthy([{ health: probe(engines.events, labels.events) }, redisProbe]),
      ],
      [VectorsService.typeName, probe(engines.vectors, labels.vectors)],
      [GraphsService.typeName, probe(engines.graphs, labels.graphs)],
      [AdminService.typeName, () => security.health()],
    ]),
    logger,
  );

  const unsubscribe = [...(engines.policies?.values() ?? [])].map((policy) =>
    policy.onBreakerChange(() => void health.refresh()),
  );

  const grpcServer = createGrpcServer(config.connections);
  addMethodsToGrpcServer(grpcServer, methods.values(), metrics?.messageSizes);
  const watchSlots = new HealthWatchSlots(config.connections.healthWatch);
  health.grpc.addToServer(cappingHealthWatch(grpcServer, watchSlots));
  const descriptors = config.reflection ? descriptorFiles(descriptorSetPaths) : [];
  if (config.reflection) addReflection(grpcServer, descriptors);

  const shutdown = new AbortController();
  const httpServer = createHttpServer(
    createConnectHandler({
      entries: methods.values(),
      fallback: createOperationsHandler(health),
      shutdownSignal: shutdown.signal,
      operations: {
        health,
        watchSlots,
        ...(config.reflection ? { reflection: createReflectionAnswerer(descriptors) } : {}),
      },
    }),
    {
      corsOrigins: config.security.corsOrigins,
      onCorsRefused: oncePerOrigin((origin) =>
        logger.warn(
          { origin },
          "refused a browser's CORS preflight: add its origin to CORS_ORIGINS to allow it",
        ),
      ),
      maxConcurrentStreams: config.connections.maxConcurrentStreams,
      timeouts: config.connections.http,
      maxResetsPerSecond: config.connections.maxResetsPerSecond,
      ...(security.tls === undefined ? {} : { tls: security.tls }),
    },
  );

  const grpcCredentials = grpcServerCredentials(security.tls);
  const tlsFiles = config.security.tls;
  const tlsReloader =
    security.tls === undefined || tlsFiles === undefined || tlsFiles.reloadIntervalMs === 0
      ? undefined
      : new TlsReloader(tlsFiles, security.tls, logger);
  tlsReloader?.onReload((tls) => {
    httpServer.reloadTls(tls);
    if (grpcCredentials instanceof ReloadableServerCredentials) grpcCredentials.reload(tls);
  });

  let metricsServer: MetricsServer | undefined;
  let grpcListener: GrpcListener | undefined;
  let probePort: ProbePort | undefined;
  return {
    health,
    async listen() {
      grpcListener = await listenGrpc(
        grpcServer,
        grpcCredentials,
        config.host,
        config.grpcPort,
        config.connections.grpcMaxConnectionsPerPeer,
      );
      const grpcPort = grpcListener.port;
      const httpPort = await bindHttp(httpServer.server, config.host, config.httpPort);
      if (metrics && config.metrics) {
        const { host, port } = config.metrics;
        metricsServer = await listenMetrics(metrics.registry, host, port, logger);
      }
      if (config.connections.healthProbe) {
        probePort = await listenProbePort({
          address: config.connections.healthProbe,
          health: health.grpc,
          watchSlots,
          maxConnectionsPerPeer: config.connections.grpcMaxConnectionsPerPeer,
        });
      }
      await health.refresh();
      health.start(config.readinessIntervalMs);
      ingestionSettings.start().catch(() => undefined);
      projector?.start().catch((error: unknown) => {
        logger.error({ err: error }, "the ingestion projector could not start");
      });
      sweeper?.start();
      compliance?.start();
      const auditRetentionMs = config.retention.auditRetentionMs;
      if (auditRetentionMs !== undefined) {
        void keepApplyingAuditRetention(deps.engines.events, auditRetentionMs, {
          logger,
          signal: background.signal,
          retryMs: 500,
        });
      }
      await tlsReloader?.start(tlsFiles?.reloadIntervalMs ?? 0);
      const metricsPort = metricsServer?.port;
      const healthProbePort = probePort?.port;
      logger.info(
        { host: config.host, grpcPort, httpPort, metricsPort, healthProbePort },
        "ragplane listening",
      );
      return {
        grpcPort,
        httpPort,
        ...(metricsPort === undefined ? {} : { metricsPort }),
        ...(healthProbePort === undefined ? {} : { healthProbePort }),
      };
    },
    async close() {
      for (const stop of unsubscribe) stop();
      tlsReloader?.stop();
      health.stop();
      streams.closeAll();
      grpcListener?.close();
      await Promise.all([
        closeGrpc(grpcServer, config.shutdownGraceMs),
        httpServer.close(config.shutdownGraceMs, () => shutdown.abort()),
      ]);
      probePort?.close();
      await metricsServer?.close();
      await projector?.stop();
      await sweeper?.stop();
      await compliance?.stop();
      background.abort();
      await ingestionSettings.close();
    },
  };
}

/** A probe of `engine` that also publishes its verdict as `ragplane_engine_up`. */
function reportingUp(
  engine: { health(): Promise<EngineHealth> },
  label: EngineLabel,
  metrics: ServerMetrics,
): () => Promise<EngineHealth> {
  return async () => {
    try {
      const report = await engine.health();
      metrics.engineUp(label, report.ok);
      return report;
    } catch (error) {
      metrics.engineUp(label, false);
      throw error;
    }
  };
}

async function allHealthy(
  engines: readonly ({ health(): Promise<EngineHealth> } | undefined)[],
): Promise<EngineHealth> {
  const reports = await Promise.all(engines.map((engine) => engine?.health() ?? { ok: true }));
  return reports.find((report) => !report.ok) ?? { ok: true };
}

function bindHttp(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeGrpc(server: GrpcServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
