import { abortable } from "../../clients/signals.js";
import { QuotaExceededError } from "../../security/errors.js";
import type { UsageMeter } from "./meter.js";
import {
  type Demand,
  groupOf,
  noResources,
  plus,
  type QuotaResource,
  quotaResources,
  type ResourceAmounts,
  type ResourceGroup,
  resourceGroups,
} from "./resources.js";

/** A write's claim on a tenant's quotas, held while the write runs. */
export interface Reservation {
  /** The write is done: what it claimed now counts as used. */
  commit(): void;
  /** The write failed: give the claim back. */
  release(): void;
}

/** Where quota decisions are reported; see `ServerMetrics`. */
export interface QuotaMetrics {
  /** A write was refused for `resource`. */
  quotaRefused(resource: QuotaResource): void;
  /** Some of a tenant's usage was measured (the resources of one store, or all). */
  usageMeasured(tenant: string, usage: Demand, quotas: ResourceAmounts): void;
}

/** Reads a tenant's usage, measured now, and its quotas. */
export interface TenantUsageReader {
  usage(
    tenant: string,
    signal?: AbortSignal,
  ): Promise<{ readonly usage: ResourceAmounts; readonly quotas: ResourceAmounts }>;
}

/** What {@link QuotaLedger} needs. */
export interface QuotaLedgerOptions {
  /** A tenant's quotas (0: no limit). */
  readonly quotasOf: (tenant: string) => ResourceAmounts;
  /** Measures a tenant's usage in the engines. */
  readonly measure: UsageMeter;
  /** How old a measurement may be and still admit a write well under its quotas. */
  readonly maxAgeMs: number;
  readonly metrics?: QuotaMetrics;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Share of a quota up to which a write is admitted on an older measurement. */
const trustedShare = 0.9;

interface TenantBook {
  measured: ResourceAmounts;
  measuredAt: number;
  /** Committed since the measurement began. */
  committed: ResourceAmounts;
  /** Claimed by writes still running. */
  inFlight: ResourceAmounts;
  measuring: Promise<void> | undefined;
}

/**
 * Admits writes against each tenant's quotas before they are made. Usage is measured in
 * the engines (the truth every replica shares), each store apart (a write to vectors
 * never waits on Kafka), and kept per tenant and store with what this process's writes
 * have claimed since. A write well under its quotas is admitted on a
 * measurement up to `maxAgeMs` old; one that comes near a quota is admitted only on a
 * fresh measurement and an exact count of what it adds (an upsert that replaces existing
 * items adds nothing). Concurrent writes each hold their claim, so together they cannot
 * pass a quota in this process; across replicas a quota can be passed by at most what
 * the others write between two measurements while under 90 % of it.
 */
export class QuotaLedger implements TenantUsageReader {
  private readonly books = new Map<string, TenantBook>();
  private readonly now: () => number;

  constructor(private readonly options: QuotaLedgerOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Claims `demand` (an upper bound of what the write adds) for `tenant`, or throws
   * `QuotaExceededError`. Near a quota, `exact` is asked what the write really adds.
   */
  async reserve(
    tenant: string,
    demand: Demand,
    signal?: AbortSignal,
    exact?: () => Promise<Demand>,
  ): Promise<Reservation> {
    const quotas = this.options.quotasOf(tenant);
    const bounded = quotaResources.find(
      (resource) => quotas[resource] > 0 && (demand[resource] ?? 0) > 0,
    );
    if (bounded === undefined) return unclaimed;
    const group = groupOf[bounded];
    let book = await this.book(tenant, group, signal);
    if (this.fits(book, demand, quotas, trustedShare) === undefined) {
      return this.hold(book, demand);
    }
    book = await this.measure(tenant, group, signal);
    const adds = exact === undefined ? demand : await exact();
    const over = this.fits(book, adds, quotas, 1);
    if (over === undefined) return this.hold(book, adds);
    this.options.metrics?.quotaRefused(over);
    throw new QuotaExceededError(tenant, over, quotas[over], usedOf(book)[over], adds[over] ?? 0);
  }

  /** The tenant's usage measured now in every store, and its quotas. */
  async usage(
    tenant: string,
    signal?: AbortSignal,
  ): Promise<{ readonly usage: ResourceAmounts; readonly quotas: ResourceAmounts }> {
    const books = await Promise.all(
      resourceGroups.map((group) => this.measure(tenant, group, signal)),
    );
    const usage = books.reduce((sum, book) => plus(sum, usedOf(book)), noResources);
    const quotas = this.options.quotasOf(tenant);
    this.options.metrics?.usageMeasured(tenant, usage, quotas);
    return { usage, quotas };
  }

  /** The first resource `demand` would take past `share` of its quota; undefined if none. */
  private fits(
    book: TenantBook,
    demand: Demand,
    quotas: ResourceAmounts,
    share: number,
  ): QuotaResource | undefined {
    const used = usedOf(book);
    return quotaResources.find((resource) => {
      const adds = demand[resource] ?? 0;
      const quota = quotas[resource];
      return adds > 0 && quota > 0 && used[resource] + adds > quota * share;
    });
  }

  private hold(book: TenantBook, demand: Demand): Reservation {
    book.inFlight = plus(book.inFlight, demand);
    let settled = false;
    const settle = (committed: boolean) => {
      if (settled) return;
      settled = true;
      book.inFlight = plus(book.inFlight, demand, -1);
      if (committed) book.committed = plus(book.committed, demand);
    };
    return { commit: () => settle(true), release: () => settle(false) };
  }

  private async book(
    tenant: string,
    group: ResourceGroup,
    signal?: AbortSignal,
  ): Promise<TenantBook> {
    const book = this.books.get(bookKey(tenant, group));
    if (book !== undefined && book.measuring === undefined) {
      if (this.now() - book.measuredAt <= this.options.maxAgeMs) return book;
    }
    return this.measure(tenant, group, signal);
  }

  /**
   * Measures the tenant's usage, sharing a measurement already under way. The measurement
   * is not bound to one caller's signal, since others may wait for it.
   */
  private async measure(
    tenant: string,
    group: ResourceGroup,
    signal?: AbortSignal,
  ): Promise<TenantBook> {
    const key = bookKey(tenant, group);
    let book = this.books.get(key);
    if (book === undefined) {
      book = {
        measured: noResources,
        measuredAt: 0,
        committed: noResources,
        inFlight: noResources,
        measuring: undefined,
      };
      this.books.set(key, book);
    }
    const current = book;
    current.measuring ??= (async () => {
      const startedAt = this.now();
      const committedBefore = current.committed;
      try {
        const measured = await this.options.measure(tenant, group);
        current.measured = plus(noResources, measured);
        current.measuredAt = startedAt;
        current.committed = plus(current.committed, committedBefore, -1);
        this.options.metrics?.usageMeasured(tenant, measured, this.options.quotasOf(tenant));
      } finally {
        current.measuring = undefined;
      }
    })();
    await abortable(current.measuring, signal);
    return current;
  }
}

function bookKey(tenant: string, group: ResourceGroup): string {
  return `${group}\n${tenant}`;
}

/** What a tenant uses by its book: measured, plus committed since, plus in flight. */
function usedOf(book: TenantBook): ResourceAmounts {
  return plus(plus(book.measured, book.committed), book.inFlight);
}

const unclaimed: Reservation = { commit: () => undefined, release: () => undefined };
