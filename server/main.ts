import { startTracing } from "./telemetry/tracing.js";

/**
 * The server's entry point. Tracing starts first, when the `OTEL_*` variables ask for it,
 * so that its hooks are in place before the engine drivers are loaded; everything else
 * is imported after it.
 */
try {
  const tracing = await startTracing(process.env);
  const { start } = await import("./start.js");
  await start(tracing);
} catch (error) {
  process.stderr.write(
    `ragplane: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}
