import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { abortable, settlesWithin } from "../../clients/signals.js";
import type { AuditLog } from "../../security/audit/port.js";
import { type ErasureJob, type ErasureRequester, isRunning } from "./job.js";
import type { ErasureJobStore } from "./job-store.js";
import { receiptEntry } from "./receipt.js";
import type { ErasureRecorder } from "./recorder.js";
import {
  type ErasureTargets,
  eraseEventKey,
  eraseGraphs,
  eraseVectors,
  expireKeyCaches,
  type SaveJob,
  type StepSizes,
} from "./steps.js";
import { openSubject, sealSubject, subjectDigest } from "./subject.js";
import { watchJob } from "./watch.js";

/** How long a stop waits for a step in progress to give up, in ms. */
const stopWaitMs = 5000;

/** How long a stop waits to release a job, in ms. */
const releaseTimeoutMs = 2000;

/** What an {@link Eraser} needs. */
export interface EraserOptions {
  readonly store: ErasureJobStore;
  readonly targets: ErasureTargets;
  /** Where receipts are recorded (`compliance.erasure`). */
  readonly audit?: AuditLog;
  /** Where failed steps and finished jobs are counted. */
  readonly recorder?: ErasureRecorder;
  readonly logger: Logger;
  /** This replica's id, as jobs name their owner. Default: a random UUID per process. */
  readonly replica?: string;
  /** A running job whose owner has not recorded it for this long is taken over, in ms. Default 30 000. */
  readonly staleMs?: number;
  /** How often a running job is recorded, and stale jobs looked for, in ms. Default `staleMs / 3`. */
  readonly heartbeatMs?: number;
  /** First pause before a failed step is tried again, in ms. Default 250. */
  readonly retryMinMs?: number;
  /** Longest pause before a failed step is tried again, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
  /** Nodes and relationships deleted per graph call. Default 1000. */
  readonly graphBatch?: number;
  /** Collections listed per page. Default 100. */
  readonly collectionPage?: number;
  /** The clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Waits `ms` (the `caches` step). Default a timer. */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A job this replica runs. */
interface Run {
  job: ErasureJob;
  subject: string | undefined;
  queue: Promise<unknown>;
  lost: boolean;
  readonly stop: AbortController;
  done?: Promise<void>;
}

/** Another replica recorded the job first: this one stops running it. */
class LostJobError extends Error {
  override readonly name = "LostJobError";
}

/**
 * Runs erasure jobs durably: every change of a job is recorded in the {@link ErasureJobStore}
 * before the next piece of work, so a job interrupted anywhere (a crash, a stop, an engine
 * outage) resumes from its last record. The replica that runs a job records it at least
 * every `heartbeatMs`; every replica takes over running jobs not recorded for `staleMs`
 * (counting `resumed`), and a clean stop releases its jobs at once. A step that fails is
 * tried again after a backoff, with `lastError` recorded, for as long as it takes.
 */
export class Eraser {
  readonly #options: EraserOptions;
  readonly #replica: string;
  readonly #staleMs: number;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  readonly #sizes: StepSizes;
  readonly #runs = new Map<string, Run>();
  readonly #starting = new Map<string, Promise<ErasureJob>>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #started: Promise<void> | undefined;

  constructor(options: EraserOptions) {
    this.#options = options;
    this.#replica = options.replica ?? randomUUID();
    this.#staleMs = options.staleMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(this.#staleMs / 3));
    this.#now = options.now ?? Date.now;
    this.#sizes = {
      graphBatch: options.graphBatch ?? 1000,
      collectionPage: options.collectionPage ?? 100,
    };
  }

  /** This replica's id. */
  get replica(): string {
    return this.#replica;
  }

  /**
   * Catches up with the job records, takes over stale jobs, and from then on records the
   * jobs it runs and looks for stale ones every `heartbeatMs`. Later calls return the
   * same promise.
   */
  start(): Promise<void> {
    this.#started ??= this.#options.store.start().then(() => {
      if (this.#stop.signal.aborted) return;
      this.#tick();
      this.#timer = setInterval(() => this.#tick(), this.#heartbeatMs);
      this.#timer.unref();
    });
    return this.#started;
  }

  /**
   * The tenant's running erasure of `subject` if there is one (joined), else a new job
   * started here. `signal` only bounds the start: the job runs on after the caller left.
   */
  async erase(
    tenant: string,
    subject: string,
    requester: ErasureRequester,
    signal?: AbortSignal,
  ): Promise<ErasureJob> {
    const { store } = this.#options;
    await store.ready(signal);
    const digest = subjectDigest(subject);
    const running = store.running(tenant, digest);
    if (running !== undefined) return running;
    const key = `${tenant}\u0000${digest}`;
    const starting = this.#starting.get(key);
    if (starting !== undefined) return await abortable(starting, signal);
    const creating = this.#create(tenant, subject, digest, requester).finally(() =>
      this.#starting.delete(key),
    );
    this.#starting.set(key, creating);
    return await abortable(creating, signal);
  }

  /**
   * The job as it stands, then each change of it that a client can see, ending with the
   * finished job (see {@link watchJob}).
   */
  watch(tenant: string, id: string, signal: AbortSignal): AsyncGenerator<ErasureJob> {
    return watchJob(this.#options.store, tenant, id, signal);
  }

  /**
   * Stops every job this replica runs, releases them (recorded with no heartbeat, so any
   * replica takes them over at once), and stops following the records.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const runs = [...this.#runs.values()];
    for (const run of runs) run.stop.abort();
    await Promise.all(runs.map((run) => settlesWithin(run.done ?? Promise.resolve(), stopWaitMs)));
    await Promise.all(runs.map((run) => this.#release(run)));
  }

  async #create(
    tenant: string,
    subject: string,
    digest: string,
    requester: ErasureRequester,
  ): Promise<ErasureJob> {
    const { store, targets } = this.#options;
    const id = randomUUID();
    const now = this.#now();
    const subjectKeyExisted = await targets.keyring.hasSubjectKey(tenant, subject);
    const sealedSubject = await sealSubject(targets.keyring, tenant, id, subject);
    const job: ErasureJob = {
      id,
      tenant,
      subjectDigest: digest,
      sealedSubject,
      subjectKeyExisted,
      step: "vectors",
      removed: [],
      startTime: now,
      resumed: 0,
      lastError: "",
      owner: this.#replica,
      heartbeat: now,
      version: 1,
      requester,
    };
    const applied = await store.put(job);
    if (applied === undefined || applied.owner !== this.#replica) return applied ?? job;
    this.#launch({
      job: applied,
      subject,
      queue: Promise.resolve(),
      lost: false,
      stop: new AbortController(),
    });
    return applied;
  }

  #tick(): void {
    if (this.#stop.signal.aborted) return;
    for (const run of this.#runs.values()) {
      void this.#save(run, (job) => job).catch(() => undefined);
    }
    const now = this.#now();
    for (const job of this.#options.store.allRunning()) {
      if (this.#runs.has(job.id) || now - job.heartbeat < this.#staleMs) continue;
      this.#takeOver(job);
    }
  }

  #takeOver(job: ErasureJob): void {
    const run: Run = {
      job,
      subject: undefined,
      queue: Promise.resolve(),
      lost: false,
      stop: new AbortController(),
    };
    this.#runs.set(job.id, run);
    this.#save(run, (current) => ({ ...current, resumed: current.resumed + 1 })).then(
      () => {
        this.#options.logger.info(
          { job: job.id, tenant: job.tenant, step: run.job.step, resumed: run.job.resumed },
          "resuming an interrupted erasure",
        );
        this.#launch(run);
      },
      () => this.#runs.delete(job.id),
    );
  }

  #launch(run: Run): void {
    this.#runs.set(run.job.id, run);
    run.done = this.#drive(run).finally(() => {
      if (this.#runs.get(run.job.id) === run && !this.#stop.signal.aborted) {
        this.#runs.delete(run.job.id);
      }
    });
  }

  async #drive(run: Run): Promise<void> {
    const { logger, retryMinMs = 250, retryMaxMs = 10_000 } = this.#options;
    const signal = run.stop.signal;
    for (let failures = 0; isRunning(run.job) && !signal.aborted && !run.lost; ) {
      try {
        await this.#step(run, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted || run.lost || error instanceof LostJobError) return;
        const delay = Math.min(retryMinMs * 2 ** failures++, retryMaxMs);
        const message = error instanceof Error ? error.message : String(error);
        this.#options.recorder?.stepFailed(run.job.step);
        logger.warn(
          { err: error, job: run.job.id, step: run.job.step, retryInMs: delay },
          "an erasure step failed; retrying",
        );
        await this.#save(run, (job) => ({ ...job, lastError: message })).catch(() => undefined);
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
    if (!isRunning(run.job) && !run.lost) this.#receipt(run.job);
  }

  async #step(run: Run, signal: AbortSignal): Promise<void> {
    const { targets, wait = waitFor } = this.#options;
    const save: SaveJob = (change) => this.#save(run, change);
    const job = run.job;
    switch (job.step) {
      case "vectors":
      case "graphs": {
        const subject = await this.#subject(run, signal);
        if (subject === undefined) {
          await save((current) => ({
            ...current,
            step: "events",
            lastError: "the subject's key was destroyed before the vectors and graphs steps ran",
          }));
          return;
        }
        if (job.step === "vectors") {
          await eraseVectors(targets, job, subject, save, this.#sizes, signal);
        } else {
          await eraseGraphs(targets, job, subject, save, this.#sizes, signal);
        }
        return;
      }
      case "events":
        await eraseEventKey(
          targets,
          job,
          await this.#subject(run, signal),
          save,
          this.#now,
          signal,
        );
        return;
      case "caches":
        await expireKeyCaches(targets, job, save, this.#now, wait, signal);
        return;
      case "done":
        return;
    }
  }

  async #subject(run: Run, signal: AbortSignal): Promise<string | undefined> {
    if (run.subject !== undefined) return run.subject;
    const sealed = run.job.sealedSubject;
    if (sealed === undefined) return undefined;
    const { keyring } = this.#options.targets;
    run.subject = await openSubject(keyring, run.job.tenant, run.job.id, sealed, signal);
    return run.subject;
  }

  /** Records the job as `change` makes it, owned by this replica, one record at a time. */
  #save(
    run: Run,
    change: (job: ErasureJob) => ErasureJob,
    options: { readonly heartbeat?: number; readonly signal?: AbortSignal } = {},
  ): Promise<ErasureJob> {
    const saving = run.queue.then(async () => {
      if (run.lost) throw new LostJobError("the job was taken over");
      const next: ErasureJob = {
        ...change(run.job),
        owner: this.#replica,
        heartbeat: options.heartbeat ?? this.#now(),
        version: run.job.version + 1,
      };
      const applied = await this.#options.store.put(next, options.signal);
      if (applied === undefined || applied.version < next.version) {
        throw new Error("the job record was not applied");
      }
      if (applied.version !== next.version || applied.owner !== this.#replica) {
        run.lost = true;
        run.stop.abort();
        throw new LostJobError("the job was taken over");
      }
      run.job = applied;
      return applied;
    });
    run.queue = saving.catch(() => undefined);
    return saving;
  }

  async #release(run: Run): Promise<void> {
    if (run.lost || !isRunning(run.job)) return;
    const signal = AbortSignal.timeout(releaseTimeoutMs);
    await this.#save(run, (job) => job, { heartbeat: 0, signal }).catch((error: unknown) =>
      this.#options.logger.warn(
        { err: error, job: run.job.id },
        "could not release an erasure job: another replica takes it over once it is stale",
      ),
    );
  }

  #receipt(job: ErasureJob): void {
    const { audit, logger, recorder } = this.#options;
    const entry = receiptEntry(job, this.#now());
    audit?.record(entry);
    recorder?.finished(((job.finishTime ?? this.#now()) - job.startTime) / 1000);
    logger.info({ tenant: job.tenant, ...entry.details }, "erasure finished");
  }
}

async function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal });
}
