import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Cleanup } from "./cleanup.js";
import type { ChildMessage, ParentMessage, ParentRequest } from "./ipc.js";

/** A benchmark child process (ragplane or the echo server) listening on loopback. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** The gRPC port the child bound. */
  readonly port: number;
  /**
   * Request headers every call to the child must carry (ragplane's `authorization`);
   * empty for a child that needs none.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The child's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  /** Starts V8's CPU profiler in the child. */
  startProfile(): Promise<void>;
  /** Stops the child's profiler and has it write the `.cpuprofile` to `path`. */
  stopProfile(path: string): Promise<void>;
  /** Asks the child to shut down cleanly; kills it if it has not exited in time. */
  stop(): Promise<void>;
  /** Kills the child at once, if it still runs. */
  kill(): void;
}

/** How to start a child. */
export interface ChildOptions {
  /** Path of the entry module, relative to this folder (e.g. `server-process.ts`). */
  readonly entry: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** How long the child may take to report its port. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

const stopTimeoutMs = 10_000;

/**
 * Forks `node --import tsx <entry>` with an IPC channel and waits for it to report its
 * port. The child's stdout and stderr go to this process's stderr.
 */
export function startChild(name: string, options: ChildOptions): Promise<BenchChild> {
  const child = fork(fileURLToPath(new URL(options.entry, import.meta.url)), options.args ?? [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", process.stderr, process.stderr, "ipc"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${options.readyTimeoutMs ?? 60_000} ms`));
    }, options.readyTimeoutMs ?? 60_000);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
    };
    child.once("exit", onExit);
    child.once("error", (error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    });
    child.on("message", (message: ChildMessage) => {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(wrap(name, child, message.port, message.headers ?? {}));
    });
  });
}

type Reply = Extract<ChildMessage, { type: "reply" }>;
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

function wrap(
  name: string,
  child: ChildProcess,
  port: number,
  headers: Readonly<Record<string, string>>,
): BenchChild {
  let requests = 0;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const send = (message: ParentMessage): void => {
    if (child.connected) child.send(message);
  };
  const request = (message: WithoutId<ParentRequest>): Promise<Reply> => {
    const id = ++requests;
    if (!child.connected) return Promise.reject(new Error(`${name} is not running`));
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ChildMessage): void => {
        if (reply.type !== "reply" || reply.id !== id) return;
        child.off("message", onMessage);
        if (reply.error === undefined) resolve(reply);
        else reject(new Error(`${name}: ${message.type} failed: ${reply.error}`));
      };
      child.on("message", onMessage);
      send({ ...message, id } as ParentRequest);
    });
  };
  return {
    name,
    pid: child.pid ?? -1,
    port,
    headers,
    async cpuMicros() {
      const reply = await request({ type: "usage" });
      if (reply.cpuMicros === undefined) throw new Error(`${name} did not report its CPU time`);
      return reply.cpuMicros;
    },
    async startProfile() {
      await request({ type: "profile-start" });
    },
    async stopProfile(path) {
      await request({ type: "profile-stop", path });
    },
    async stop() {
      send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * Kills `children` (the list as it is when it happens) when this process exits or is
 * interrupted, after running `cleanup` on SIGINT / SIGTERM, so no child outlives a
 * benchmark however it ends. Returns the function that kills them, for `finally` blocks.
 */
export function killChildrenOnExit(children: readonly BenchChild[], cleanup: Cleanup): () => void {
  const killChildren = (): void => {
    for (const child of children) child.kill();
  };
  process.once("exit", killChildren);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      killChildren();
      void cleanup.run().finally(() => process.exit(code));
    });
  }
  return killChildren;
}
