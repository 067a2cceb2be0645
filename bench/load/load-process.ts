import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ForkedProcess } from "../forked.js";
import { pinToCpu } from "../ghz-rounds.js";
import type {
  ClientSpec,
  LoadProgress,
  LoadReply,
  LoadRequest,
  LoadRunResult,
  LoadWindow,
} from "./load-messages.js";
import type { PerCallType } from "./mix.js";

const entry = fileURLToPath(new URL("load-child.ts", import.meta.url));

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The Node load process (`load-child.ts`): forked, pinned to one core, given its clients,
 * and driven by the requests of `load-messages.ts`; several may be in flight at once (a
 * `progress` while a run goes on).
 */
export class NodeLoad {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: LoadReply) => void>();
  readonly #process: ForkedProcess;
  #requests = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#process = new ForkedProcess(child);
    child.on("message", (reply: LoadReply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      waiter?.(reply);
    });
    child.once("exit", (code, signal) => {
      for (const [id, waiter] of this.#waiting) {
        waiter({
          id,
          type: "failed",
          error: `load process exited (code ${code}, signal ${signal})`,
        });
      }
      this.#waiting.clear();
    });
  }

  /** Forks the process, pins it to `cpu` and opens `clients` in it. */
  static async start(cpu: number, clients: readonly ClientSpec[]): Promise<NodeLoad> {
    const child = fork(entry, [], {
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", process.stderr, process.stderr, "ipc"],
    });
    const load = new NodeLoad(child);
    try {
      await load.#reply(0);
      await pinToCpu(load.pid, cpu);
      await load.#request({ type: "setup", clients });
      return load;
    } catch (error) {
      load.kill();
      throw error;
    }
  }

  get pid(): number {
    return this.#process.pid;
  }

  /**
   * Closed loops on `client`, `concurrency[type]` calls in flight each, from now until the
   * window's end; the calls started before the window are the warm-up.
   */
  async closed(
    client: string,
    concurrency: PerCallType<number>,
    window: LoadWindow,
  ): Promise<LoadRunResult> {
    return result(await this.#request({ type: "closed", client, concurrency, window }));
  }

  /** `rate` calls per second over `clients` in turn, for `durationMs`. */
  async scheduled(
    clients: readonly string[],
    rate: number,
    durationMs: number,
  ): Promise<LoadRunResult> {
    return result(await this.#request({ type: "scheduled", clients, rate, durationMs }));
  }

  /** The counts of the run in progress. */
  async progress(): Promise<LoadProgress> {
    const reply = await this.#request({ type: "progress" });
    if (reply.type !== "done" || reply.progress === undefined) {
      throw new Error("the load process returned no progress");
    }
    return reply.progress;
  }

  /** Closes the IPC channel, which ends the process; kills it if it lingers. */
  stop(): Promise<void> {
    return this.#process.stop();
  }

  /** Kills the process at once, if it still runs. */
  kill(): void {
    this.#process.kill();
  }

  #request(request: WithoutId<LoadRequest>): Promise<LoadReply> {
    if (!this.#child.connected) return Promise.reject(new Error("the load process is not running"));
    const id = ++this.#requests;
    const reply = this.#reply(id);
    this.#child.send({ ...request, id });
    return reply;
  }

  #reply(id: number): Promise<LoadReply> {
    return new Promise<LoadReply>((resolve) => this.#waiting.set(id, resolve)).then((reply) => {
      if (reply.type === "failed") throw new Error(`load process: ${reply.error}`);
      return reply;
    });
  }
}

function result(reply: LoadReply): LoadRunResult {
  if (reply.type !== "done" || reply.result === undefined) {
    throw new Error("the load process returned no result");
  }
  return reply.result;
}
