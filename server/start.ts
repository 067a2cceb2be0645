import { bootstrapMessage } from "./bootstrap.js";
import { build } from "./build.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { DataDirInUseError, type DataDirLock, lockDataDir } from "./data-dir-lock.js";
import { openEngines } from "./engines.js";
import { createLogger, routeGrpcLogs } from "./logger.js";
import { openSecurity } from "./security.js";
import { createTelemetry } from "./telemetry/telemetry.js";
import type { Tracing } from "./telemetry/tracing.js";

/**
 * Starts ragplane: reads the configuration, opens the engines, listens on both ports
 * (and the metrics port) and shuts down gracefully on SIGTERM / SIGINT (in-flight calls
 * finish, then the engines close and the last spans are exported).
 */
export async function start(tracing: Tracing | undefined): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ragplane: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let dataDirLock: DataDirLock;
  try {
    dataDirLock = lockDataDir(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    process.stderr.write(`ragplane: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  routeGrpcLogs(logger);
  const telemetry = createTelemetry(config, tracing);
  if (tracing) logger.info("tracing on: spans are exported over OTLP");
  const engines = await openEngines(config, logger, telemetry);
  logger.info({ engines: engines.kinds }, "engines open");
  const security = await openSecurity(config, engines, logger);
  const server = build({ config, logger, engines, security, telemetry });
  let ports: Awaited<ReturnType<typeof server.listen>>;
  try {
    ports = await server.listen();
  } catch (error) {
    const taken = portInUse(error, config);
    if (taken === undefined) throw error;
    process.stderr.write(`ragplane: ${taken}\n`);
    await server.close().catch(() => undefined);
    await security.close().catch(() => undefined);
    await engines.close().catch(() => undefined);
    dataDirLock.release();
    process.exit(1);
  }
  logger.info(
    { dataDir: config.dataDir, auth: [...config.security.authMethods] },
    `try: grpcurl -plaintext ${config.host}:${ports.grpcPort} list`,
  );
  if (!config.production && config.security.corsOrigins.length === 0) {
    logger.info(
      "no browser origin is allowed: to call ragplane from a page, set CORS_ORIGINS (e.g. CORS_ORIGINS=http://localhost:5173)",
    );
  }
  void security.bootstrap().then(
    (created) => {
      if (created?.provided) logger.info({ keyId: created.id }, "stored BOOTSTRAP_ADMIN_KEY");
      else if (created) process.stdout.write(`${bootstrapMessage(created, config.host, ports)}\n`);
    },
    (error: unknown) => logger.error({ err: error }, "could not create the first admin API key"),
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await server.close();
    await security.close();
    await engines.close();
    dataDirLock.release();
    await tracing?.shutdown().catch(() => undefined);
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", (signal) => void stop(signal));
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    void stop("uncaughtException");
  });
}

/**
 * The one line that explains a port already taken (naming its variable), or undefined
 * when `error` is something else.
 */
function portInUse(error: unknown, config: Config): string | undefined {
  const { code, port } = error as { code?: unknown; port?: unknown };
  if (code !== "EADDRINUSE" && code !== "EACCES") return undefined;
  const named: [string, number | undefined][] = [
    ["GRPC_PORT", config.grpcPort],
    ["HTTP_PORT", config.httpPort],
    ["METRICS_PORT", config.metrics?.port],
    ["HEALTH_PROBE_PORT", config.connections.healthProbe?.port],
  ];
  const variable = named.find(([, value]) => value !== undefined && value === port)?.[0];
  const what = variable === undefined ? `port ${String(port)}` : `${variable}=${String(port)}`;
  const why = code === "EADDRINUSE" ? "is already in use" : "may not be bound by this user";
  return `${what} on ${config.host} ${why}: stop what holds it, or choose another port`;
}
