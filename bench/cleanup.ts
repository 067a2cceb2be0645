/**
 * Undo steps run last-in first-out, each attempted even when an earlier one fails, so a
 * failed run still stops its children and removes its temporary directories.
 */
export class Cleanup {
  readonly #steps: { readonly what: string; readonly step: () => unknown }[] = [];

  /** Registers a step; `what` names it in the error printed if it fails. */
  add(what: string, step: () => unknown): void {
    this.#steps.push({ what, step });
  }

  /** Runs every registered step, newest first, once. */
  async run(): Promise<void> {
    for (let entry = this.#steps.pop(); entry !== undefined; entry = this.#steps.pop()) {
      try {
        await entry.step();
      } catch (error) {
        process.stderr.write(`cleanup (${entry.what}) failed: ${String(error)}\n`);
      }
    }
  }
}
