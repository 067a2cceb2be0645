import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ForkedProcess } from "../forked.js";
import { pinToCpu } from "../ghz-rounds.js";
import type { CallKind, LoadReply, LoadRequest, LoadResult } from "./load-messages.js";

const entry = fileURLToPath(new URL("load-child.ts", import.meta.url));

/**
 * A load process (`load-child.ts`) acting for one tenant: forked, pinned to one core,
 * connected to ragplane with that tenant's headers, and driven by the requests of
 * `load-messages.ts`, one at a time.
 */
export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #replies: LoadReply[] = [];
  readonly #waiting: ((reply: LoadReply) => void)[] = [];
  readonly #process: ForkedProcess;
  #gone: LoadReply | undefined;

  private constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    this.#child = child;
    this.#process = new ForkedProcess(child);
    child.on("message", (reply: LoadReply) => {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) this.#replies.push(reply);
      else waiter(reply);
    });
    child.once("exit", (code, signal) => {
      const gone: LoadReply = {
        type: "failed",
        error: `${name} exited (code ${code}, signal ${signal})`,
      };
      this.#gone = gone;
      for (const waiter of this.#waiting.splice(0)) waiter(gone);
    });
  }

  /**
   * Forks the process, pins it to `cpu`, and connects it to `address` with `headers`;
   * `kinds` are the calls it may make.
   */
  static async start(
    name: string,
    cpu: number,
    address: string,
    headers: Readonly<Record<string, string>>,
    kinds: readonly CallKind[],
  ): Promise<LoadProcess> {
    const child = fork(entry, [], {
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", process.stderr, process.stderr, "ipc"],
    });
    const load = new LoadProcess(name, child);
    try {
      await load.#reply();
      await pinToCpu(load.pid, cpu);
      await load.#request({ type: "setup", address, headers, kinds });
      return load;
    } catch (error) {
      load.kill();
      throw error;
    }
  }

  get pid(): number {
    return this.#process.pid;
  }

  /** Starts one closed loop per kind named, `concurrency` calls in flight each. */
  async startLoops(kinds: readonly string[], concurrency: number): Promise<void> {
    await this.#request({ type: "start", kinds, concurrency });
  }

  /** Stops the loops, waits for the calls in flight, and returns what they saw. */
  async stopLoops(): Promise<LoadResult> {
    return this.#result(await this.#request({ type: "stop" }));
  }

  /** Sends `rate` calls per second, the kinds in turn, for `durationMs`. */
  async schedule(rate: number, durationMs: number): Promise<LoadResult> {
    return this.#result(await this.#request({ type: "schedule", rate, durationMs }));
  }

  /** Closes the IPC channel, which ends the process; kills it if it lingers. */
  stop(): Promise<void> {
    return this.#process.stop();
  }

  /** Kills the process at once, if it still runs. */
  kill(): void {
    this.#process.kill();
  }

  async #request(request: LoadRequest): Promise<LoadReply> {
    if (!this.#child.connected) throw new Error(`${this.name} is not running`);
    this.#child.send(request);
    return await this.#reply();
  }

  #reply(): Promise<LoadReply> {
    const ready = this.#replies.shift() ?? this.#gone;
    const reply =
      ready !== undefined
        ? Promise.resolve(ready)
        : new Promise<LoadReply>((resolve) => this.#waiting.push(resolve));
    return reply.then((answer) => {
      if (answer.type === "failed") throw new Error(`${this.name}: ${answer.error}`);
      return answer;
    });
  }

  #result(reply: LoadReply): LoadResult {
    if (reply.type !== "done" || reply.result === undefined) {
      throw new Error(`${this.name} returned no result`);
    }
    return reply.result;
  }
}
