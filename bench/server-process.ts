import { build } from "../server/build.js";
import { loadConfig } from "../server/config.js";
import { openEngines } from "../server/engines.js";
import { createLogger } from "../server/logger.js";
import { serveParent } from "./ipc.js";

/**
 * Benchmark child: a ragplane server with embedded engines, configured from the
 * environment the parent sets (DATA_DIR, GRPC_PORT=0, HTTP_PORT=0, LOG_LEVEL), reporting
 * its gRPC port over IPC.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const engines = await openEngines(config);
  const server = build({ config, logger, engines });
  const { grpcPort } = await server.listen();
  serveParent(grpcPort, async () => {
    await server.close();
    await engines.close();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
