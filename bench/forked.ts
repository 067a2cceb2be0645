import type { ChildProcess } from "node:child_process";

const stopTimeoutMs = 10_000;

/**
 * Stopping and killing a forked benchmark process: stopped by closing its IPC channel
 * (which ends it), killed if it lingers; killed at once on demand.
 */
export class ForkedProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  /** The process id, or -1 if it never started. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Closes the IPC channel, which ends the process; kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.kill(), stopTimeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the process at once, if it still runs. */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill("SIGKILL");
    }
  }
}
