import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

/** A V8 CPU profile being recorded in this process. */
export interface RunningProfile {
  /** Stops recording and writes the `.cpuprofile` (Chrome DevTools format) to `path`. */
  stop(path: string): Promise<void>;
}

/** Sampling interval of benchmark profiles: finer than V8's 1 ms default. */
const samplingIntervalMicros = 100;

/**
 * Starts V8's sampling profiler on this process's main thread, as `node --cpu-prof` does,
 * but only for the window the benchmark asks for (one scenario, not start-up and load).
 */
export async function startProfiling(): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: samplingIntervalMicros });
  await session.post("Profiler.start");
  return {
    async stop(path) {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      await writeFile(path, JSON.stringify(profile));
    },
  };
}
