import { startTracing } from "../server/telemetry/tracing.js";

/**
 * Benchmark child entry point, started like the server's own (`server/main.ts`): tracing
 * first when the `OTEL_*` variables ask for it, then the server of `server-child.ts`.
 */
// As in the production image, which runs compiled JavaScript without source maps:
// with them on, every Error's stack is mapped, and neo4j-driver makes one per query.
process.setSourceMapsEnabled(false);
try {
  const tracing = await startTracing(process.env);
  const { runBenchServer } = await import("./server-child.js");
  await runBenchServer(tracing);
} catch (error) {
  process.stderr.write(`bench server: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
