import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchChild } from "../children.js";
import type { Cleanup } from "../cleanup.js";
import type { GhzServer } from "../ghz-rounds.js";
import { startLoadServer } from "../load/server.js";
import { processCpuMicros } from "../neighbours/proc-cpu.js";
import { startPrivateEngine } from "../private-engine.js";
import { type QdrantSearchCodec, qdrantSearchCodec } from "./qdrant-grpc.js";
import type { QdrantRest } from "./qdrant-rest.js";
import type { RagplaneTarget } from "./ragplane.js";

/** The private Qdrant of the run. */
export interface QdrantTarget {
  readonly pid: number;
  readonly rest: QdrantRest;
  readonly grpcPort: number;
  /** Its gRPC `Search`, described by the server itself. */
  readonly codec: QdrantSearchCodec;
  /** Where the codec's descriptor set is written, for ghz. */
  readonly protoset: string;
}

/** A ragplane server of the run. */
export interface RagplaneServer extends RagplaneTarget {
  readonly pid: number;
}

/** The three servers every path runs on. */
export interface Targets {
  readonly qdrant: QdrantTarget;
  /** ragplane with no engine URL: vectors in its embedded engine, under a temporary DATA_DIR. */
  readonly embedded: RagplaneServer;
  /** ragplane with QDRANT_URL (and its API key) pointing at `qdrant`. */
  readonly onQdrant: RagplaneServer;
}

/**
 * Starts a Qdrant of `scripts/engines` for this run alone (a temporary run dir, free
 * loopback ports; `cleanup` stops it), reads its gRPC API over reflection, and starts the
 * two ragplane servers (`bench/load/server.ts`: the production chain, every rate limit,
 * quota and the expensive-call cap lifted, LOG_LEVEL=warn), each added to `children`.
 */
export async function startTargets(cleanup: Cleanup, children: BenchChild[]): Promise<Targets> {
  const engine = await startPrivateEngine("qdrant", ["QDRANT_PORT", "QDRANT_GRPC_PORT"], cleanup);
  const variable = (name: string): string => {
    const value = engine.variables[name];
    if (value === undefined) throw new Error(`scripts/engines did not export ${name} for Qdrant`);
    return value;
  };
  const rest = { url: variable("QDRANT_URL"), apiKey: variable("QDRANT_API_KEY") };
  const grpcPort = Number(variable("QDRANT_GRPC_PORT"));
  const codec = await qdrantSearchCodec(`127.0.0.1:${grpcPort}`, rest.apiKey);
  const dir = await temporaryDir(cleanup, "ragplane-bench-vectors-");
  const protoset = join(dir, "qdrant.binpb");
  await writeFile(protoset, codec.protoset);
  const dataDirs = [
    await temporaryDir(cleanup, "ragplane-bench-data-"),
    await temporaryDir(cleanup, "ragplane-bench-data-"),
  ] as const;
  // registered after the directories, so the servers stop before their DATA_DIRs go
  cleanup.add("stop the ragplane servers", () => Promise.all(children.map((c) => c.stop())));
  const start = async (dataDir: string, engines: Record<string, string>) => {
    const server = await startLoadServer(dataDir, engines);
    children.push(server.child);
    const { pid, port, headers } = server.child;
    return { pid, port, headers };
  };
  const embedded = await start(dataDirs[0], {});
  const onQdrant = await start(dataDirs[1], { QDRANT_URL: rest.url, QDRANT_API_KEY: rest.apiKey });
  return {
    qdrant: { pid: engine.pid, rest, grpcPort, codec, protoset },
    embedded,
    onQdrant,
  };
}

/**
 * A server for ghz whose CPU time is read from `/proc/<pid>/stat` (user + system, every
 * thread), the same way for ragplane and for Qdrant.
 */
export function procServer(
  name: string,
  pid: number,
  port: number,
  headers: Readonly<Record<string, string>>,
): GhzServer {
  return { name, port, headers, cpuMicros: async () => processCpuMicros(pid) };
}

async function temporaryDir(cleanup: Cleanup, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}
