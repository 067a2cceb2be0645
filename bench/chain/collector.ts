import type { Cleanup } from "../cleanup.js";
import { run, startPrivateEngine } from "../private-engine.js";

/** Where the OTLP receiver of the `full-traced` configuration comes from. */
export type CollectorSource =
  | { readonly kind: "environment"; readonly endpoint: string }
  | { readonly kind: "started"; readonly endpoint: string; readonly pid: number }
  | { readonly kind: "missing"; readonly reason: string };

/**
 * The OTLP endpoint traced children export to: `endpoint` when given
 * (`OTEL_COLLECTOR_OTLP_ENDPOINT`); otherwise a private OpenTelemetry Collector (OTLP
 * receiver, file exporter) started with `scripts/engines/start.sh otelcol`, which builds
 * it once with Go. Without Go it is `missing` and the traced configuration is skipped.
 */
export async function provideCollector(
  endpoint: string | undefined,
  cleanup: Cleanup,
): Promise<CollectorSource> {
  if (endpoint !== undefined) return { kind: "environment", endpoint };
  const hasGo = "command -v go || test -x /usr/local/go/bin/go";
  if ((await run("bash", ["-c", hasGo], {}, "ignore")) !== 0) {
    return { kind: "missing", reason: "no OTLP endpoint is set and Go is not installed" };
  }
  const { variables, pid } = await startPrivateEngine(
    "otelcol",
    ["OTELCOL_HTTP_PORT", "OTELCOL_GRPC_PORT"],
    cleanup,
  );
  const started = variables.OTEL_COLLECTOR_OTLP_ENDPOINT;
  if (started === undefined) throw new Error("start.sh otelcol exported no OTLP endpoint");
  return { kind: "started", endpoint: started, pid };
}
