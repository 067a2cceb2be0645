import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The ghz release the benchmarks drive load with, from the Go module proxy. */
export const ghzModule = "github.com/bojand/ghz/cmd/ghz@v0.93.0";

/** The descriptor set ghz encodes requests with (`npm run generate` writes it). */
const protoset = fileURLToPath(new URL("../gen/ragplane.binpb", import.meta.url));

/**
 * One RPC for ghz: the method and the messages it sends in turn (call i sends message
 * i mod their count), as JSON or as encoded bytes.
 */
export type GhzCall = GhzJsonCall | GhzBinaryCall;

/** What every {@link GhzCall} names. */
interface GhzMethod {
  /** e.g. `ragplane.v1.VectorsService/Search`. */
  readonly method: string;
  /**
   * The descriptor set (`FileDescriptorSet`, binary) that describes `method`. Default
   * ragplane's own, `gen/ragplane.binpb`.
   */
  readonly protoset?: string;
}

/** A call whose messages ghz encodes from JSON. */
export interface GhzJsonCall extends GhzMethod {
  /** Request messages in protobuf's JSON form. */
  readonly messages: readonly object[];
}

/**
 * A call whose messages are encoded already: ghz sends the bytes as they are, so the
 * request is exactly what a client library would send (floats stay float32).
 */
export interface GhzBinaryCall extends GhzMethod {
  /**
   * The messages, each prefixed with its length as a varint (`--binary-file`); see
   * `vectors/delimited.ts`. ghz reads the file as a Go template, so it must not hold `{{`.
   */
  readonly delimited: Uint8Array;
}

/** What one ghz run measured. */
export interface GhzRun {
  /** Calls made, whatever their status. */
  readonly requests: number;
  /** Calls per status (`OK`, `Unavailable`, …): a run counts only when every call is OK. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  /** Every call's latency, in milliseconds. */
  readonly latenciesMs: readonly number[];
  /** CPU time ghz spent (user + system), in microseconds. */
  readonly cpuMicros: number;
}

/** How to run ghz. */
export interface GhzOptions {
  readonly address: string;
  readonly call: GhzCall;
  /** Request metadata of every call (`authorization`). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly concurrency: number;
  /**
   * How much load: a number of calls, or a duration. ghz cancels the calls in flight
   * when a duration ends (it counts them as UNAVAILABLE), so measured runs use a count.
   */
  readonly amount: { readonly calls: number } | { readonly durationMs: number };
  /** The core ghz is pinned to (`taskset -c`). */
  readonly cpu: number;
}

/**
 * ghz's path, installed with `go install` into Go's usual bin folder when missing (once;
 * the module and build caches stay in their usual homes).
 */
export async function ensureGhz(): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run("go", ["env", "GOPATH"]);
  const binary = join(stdout.trim().split(":")[0] ?? "", "bin", "ghz");
  try {
    await run(binary, ["--version"]);
    return binary;
  } catch {
    process.stderr.write(`bench: installing ghz (go install ${ghzModule})\n`);
    await run("go", ["install", ghzModule], { maxBuffer: 16 * 1024 * 1024 });
    return binary;
  }
}

/**
 * Runs ghz pinned to `options.cpu` for `options.amount` with `concurrency` calls in flight
 * over one connection, and returns every call's status and latency, and ghz's own CPU
 * time (read from the wrapping shell's children times in `/proc`).
 */
export async function runGhz(binary: string, options: GhzOptions): Promise<GhzRun> {
  const dir = await mkdtemp(join(tmpdir(), "ragplane-ghz-"));
  try {
    const call = options.call;
    const report = join(dir, "report.json");
    const data = join(dir, "delimited" in call ? "data.bin" : "data.json");
    await writeFile(data, "delimited" in call ? call.delimited : JSON.stringify(call.messages));
    const args = [
      "-c",
      String(options.cpu),
      binary,
      "--insecure",
      "--protoset",
      call.protoset ?? protoset,
      "--call",
      call.method,
      "delimited" in call ? "--binary-file" : "--data-file",
      data,
      "--metadata",
      JSON.stringify(options.metadata),
      "--concurrency",
      String(options.concurrency),
      "--connections",
      "1",
      ...("calls" in options.amount
        ? ["--total", String(options.amount.calls)]
        : ["--duration", `${options.amount.durationMs}ms`, "--total", "1000000000"]),
      "--format",
      "json",
      "--output",
      report,
      options.address,
    ];
    const ticks = await shellWithChildTicks("taskset", args);
    const parsed = JSON.parse(await readFile(report, "utf8")) as GhzReport;
    return {
      requests: parsed.count,
      statuses: parsed.statusCodeDistribution ?? {},
      elapsedMs: parsed.total / 1e6,
      latenciesMs: (parsed.details ?? []).map((detail) => detail.latency / 1e6),
      cpuMicros: (ticks * 1e6) / clockTicksPerSecond,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What of ghz's JSON report is read. */
interface GhzReport {
  readonly count: number;
  /** Nanoseconds. */
  readonly total: number;
  readonly statusCodeDistribution?: Record<string, number>;
  readonly details?: readonly { readonly latency: number; readonly status: string }[];
}

/** `sysconf(_SC_CLK_TCK)`: 100 on Linux. */
const clockTicksPerSecond = 100;

/**
 * Runs a command under bash and returns the CPU ticks (user + system) its children took,
 * from bash's own `/proc` stat once the command has ended.
 */
function shellWithChildTicks(command: string, args: readonly string[]): Promise<number> {
  const script =
    '"$@" >&2 || exit $?; read -ra stat < /proc/$$/stat; echo $((stat[15] + stat[16]))';
  const child = spawn("bash", ["-c", script, "bash", command, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`ghz exited with ${code}`)),
    );
  });
}
