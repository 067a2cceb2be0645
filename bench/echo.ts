import type { BenchChild } from "./children.js";
import { echoMethod } from "./echo-method.js";
import { BytesClient } from "./grpc-client.js";
import type { BenchOptions } from "./options.js";
import { encodeSearches } from "./requests.js";
import { runScenario, type ScenarioResult } from "./scenario.js";

/**
 * Measures the bare grpc-js echo child with the very request bytes a Search sends (its
 * answers are sized like a Search response): the transport's cost on this machine.
 */
export async function benchEcho(
  echo: BenchChild,
  options: BenchOptions,
  queries: readonly number[][],
): Promise<ScenarioResult> {
  const requests = encodeSearches("bench", queries, options.limit, false);
  const client = new BytesClient(`127.0.0.1:${echo.port}`);
  try {
    await client.ready();
    return await runScenario(
      {
        name: "grpc-echo",
        description: "bare grpc-js unary echo, Search-sized bytes in and out",
        load: {
          concurrency: options.concurrency,
          durationMs: options.measureMs,
          maxRequests: options.maxRequests,
        },
        warmupMs: options.warmupMs,
        server: echo,
      },
      (i) => client.call(echoMethod.path, requests[i % requests.length]!),
    );
  } finally {
    client.close();
  }
}
