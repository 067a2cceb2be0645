import type { StoredEvent } from "../../clients/events/port.js";
import { ControlTopicStore, type ControlTopicStoreOptions } from "../control-topic-store.js";
import { decodeJob, type ErasureJob, encodeJob, isRunning } from "./job.js";

/** The topic, under the system tenant, that holds every record of every erasure job. */
export const erasureJobsTopic = "erasures";

/** What {@link ErasureJobStore} needs. */
export type ErasureJobStoreOptions = ControlTopicStoreOptions;

/** One page of a tenant's jobs, newest first. */
export interface ErasurePage {
  readonly jobs: readonly ErasureJob[];
  /** The last job of this page when more follow. */
  readonly nextAfter?: ErasurePosition;
}

/** Where a page of jobs ends: the last job's start time and id. */
export interface ErasurePosition {
  readonly startTime: number;
  readonly id: string;
}

/** Called with a job after each of its records is applied. */
export type JobListener = (job: ErasureJob) => void;

/**
 * Every tenant's erasure jobs, durable and shared by the replicas the way ingestion
 * settings are (ARCHITECTURE.md, control-plane data): each change of a job is appended,
 * whole, as one record to a single-partition topic of the system tenant, which every
 * replica reads from the beginning and keeps following. A record applies only when its
 * version is the next of its job's, so of two replicas writing the same version the
 * first in the log wins and the other sees it lost the job.
 */
export class ErasureJobStore extends ControlTopicStore<JobListener> {
  readonly #jobs = new Map<string, ErasureJob>();

  constructor(options: ErasureJobStoreOptions) {
    super(options, erasureJobsTopic, "erasure jobs");
  }

  /** A tenant's job, when it exists. */
  get(tenant: string, id: string): ErasureJob | undefined {
    const job = this.#jobs.get(id);
    return job?.tenant === tenant ? job : undefined;
  }

  /** The tenant's running job for the subject of `digest`, if any. */
  running(tenant: string, digest: string): ErasureJob | undefined {
    for (const job of this.#jobs.values()) {
      if (job.tenant === tenant && job.subjectDigest === digest && isRunning(job)) return job;
    }
    return undefined;
  }

  /** Every running job of every tenant. */
  allRunning(): ErasureJob[] {
    return [...this.#jobs.values()].filter(isRunning);
  }

  /** A tenant's jobs newest first (by start time, then id), `limit` after `after`. */
  page(tenant: string, limit: number, after?: ErasurePosition): ErasurePage {
    const jobs = [...this.#jobs.values()]
      .filter((job) => job.tenant === tenant && (after === undefined || isAfter(job, after)))
      .sort(newestFirst);
    const items = jobs.slice(0, limit);
    const last = items.at(-1);
    return jobs.length > limit && last
      ? { jobs: items, nextAfter: { startTime: last.startTime, id: last.id } }
      : { jobs: items };
  }

  /**
   * Appends a record of the job and resolves with the job as applied afterwards: `job`
   * itself when its version was the next, another replica's record otherwise.
   */
  async put(job: ErasureJob, signal?: AbortSignal): Promise<ErasureJob | undefined> {
    await this.append(encodeJob(job), signal);
    return this.#jobs.get(job.id);
  }

  protected apply(event: StoredEvent): void {
    const decoded = decodeJob(event);
    if (decoded.kind === "invalid") {
      this.logger.error(
        { eventId: event.id, offset: event.offset.toString(), reason: decoded.reason },
        "erasure jobs: skipping an unreadable record",
      );
      return;
    }
    const { job } = decoded;
    const current = this.#jobs.get(job.id);
    const next = current === undefined ? 1 : current.version + 1;
    if (job.version !== next) return;
    this.#jobs.set(job.id, job);
    this.notify(job);
  }
}

function newestFirst(a: ErasureJob, b: ErasureJob): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function isAfter(job: ErasureJob, position: ErasurePosition): boolean {
  return newestFirst(job, { startTime: position.startTime, id: position.id } as ErasureJob) > 0;
}
