import { NotFoundError } from "../../clients/errors.js";
import { abortable } from "../../clients/signals.js";
import { type ErasureJob, isRunning } from "./job.js";
import type { ErasureJobStore } from "./job-store.js";

/**
 * A tenant's job as it stands, then each change of it that a client can see (records that
 * only renew the heartbeat are left out), ending with the finished job, whichever replica
 * runs it. `NotFoundError("erasure", id)` when the tenant has no such job.
 */
export async function* watchJob(
  store: ErasureJobStore,
  tenant: string,
  id: string,
  signal: AbortSignal,
): AsyncGenerator<ErasureJob> {
  const queue: ErasureJob[] = [];
  let wake: (() => void) | undefined;
  const off = store.onChange((job) => {
    if (job.id !== id) return;
    queue.push(job);
    wake?.();
  });
  try {
    let last = store.get(tenant, id);
    if (last === undefined) throw new NotFoundError("erasure", id);
    yield last;
    while (isRunning(last)) {
      const job = queue.shift();
      if (job === undefined) {
        await abortable(
          new Promise<void>((resolve) => {
            wake = resolve;
          }),
          signal,
        );
        wake = undefined;
        continue;
      }
      if (job.version <= last.version) continue;
      const changed = visibleChange(last, job);
      last = job;
      if (changed) yield job;
    }
  } finally {
    off();
  }
}

function visibleChange(before: ErasureJob, after: ErasureJob): boolean {
  return (
    before.step !== after.step ||
    before.lastError !== after.lastError ||
    before.resumed !== after.resumed ||
    JSON.stringify(before.removed) !== JSON.stringify(after.removed)
  );
}
