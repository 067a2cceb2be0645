import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Driver, QueryResult, RecordShape, SessionMode, Transaction } from "neo4j-driver";
import { EngineUnavailableError, throwIfAborted } from "../../errors.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import { neo4jEngine, toNeo4jEngineError } from "./errors.js";

/** Query parameters. */
export type Parameters = Readonly<Record<string, unknown>>;

/** neo4j-driver has no maintained OpenTelemetry instrumentation: its query spans are ours. */
const tracer = trace.getTracer("ragplane.neo4j");

/**
 * One explicit transaction as the adapter's operations see it: every query first checks
 * the caller's signal, so an aborted call stops between steps.
 */
export class Step {
  constructor(
    private readonly tx: Transaction,
    private readonly signal: AbortSignal | undefined,
    private readonly database: string,
  ) {}

  /**
   * Runs one parameterised query and returns all of its records; inside a traced call, in
   * a CLIENT span with the query text (parameters, which hold the caller's data, are never
   * recorded).
   */
  async run<R extends RecordShape = RecordShape>(
    query: string,
    parameters: Parameters = {},
  ): Promise<QueryResult<R>> {
    throwIfAborted(this.signal);
    if (trace.getSpan(context.active()) === undefined) return this.tx.run<R>(query, parameters);
    const operation = /^\s*(\w+)/.exec(query)?.[1]?.toUpperCase() ?? "QUERY";
    return tracer.startActiveSpan(
      `${operation} ${this.database}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "neo4j",
          "db.namespace": this.database,
          "db.operation.name": operation,
          "db.query.text": query,
        },
      },
      async (span) => {
        try {
          return await this.tx.run<R>(query, parameters);
        } catch (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.name : "error",
          });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Runs a query that returns at most one row, and returns that row's values. */
  async one<R extends RecordShape>(query: string, parameters: Parameters = {}) {
    const result = await this.run<R>(query, parameters);
    return result.records[0]?.toObject();
  }

  /** Runs a query and returns each row's values. */
  async rows<R extends RecordShape>(query: string, parameters: Parameters = {}): Promise<R[]> {
    const result = await this.run<R>(query, parameters);
    return result.records.map((record) => record.toObject());
  }
}

/** Settings of `Transactions`. */
export interface TransactionSettings {
  readonly database: string;
  /** Server-side limit of each transaction, in ms. */
  readonly timeoutMs: number;
}

/**
 * Runs each operation as one explicit transaction with a server-side timeout, committed
 * only when the whole operation succeeded (and the signal is still live), rolled back
 * otherwise. When the caller's signal aborts (or the attempt's timeout passes), the
 * session is closed, which makes the driver send RESET: the server terminates the running
 * query and rolls the transaction back at once. Each operation runs under Neo4j's
 * `EnginePolicy` (`policy.ts`): retried as a whole on transient failures within the
 * caller's deadline, behind the engine's breaker and bulkhead; every operation of the
 * adapter is idempotent, so a retry after an unacknowledged commit is harmless.
 */
export class Transactions {
  private closed = false;
  private sessions = 0;

  constructor(
    private readonly driver: Driver,
    private readonly settings: TransactionSettings,
    private readonly policy: EnginePolicy,
  ) {}

  /** Runs `work` in a read transaction. */
  read<T>(signal: AbortSignal | undefined, work: (step: Step) => Promise<T>): Promise<T> {
    return this.run("READ", signal, work);
  }

  /** Runs `work` in a write transaction. */
  write<T>(signal: AbortSignal | undefined, work: (step: Step) => Promise<T>): Promise<T> {
    return this.run("WRITE", signal, work);
  }

  /** Makes every later call reject with `EngineUnavailableError`. */
  close(): void {
    this.closed = true;
  }

  /** Sessions open now: the driver's pooled connections in use by this adapter. */
  get sessionsInUse(): number {
    return this.sessions;
  }

  /** Whether `close` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private async run<T>(
    mode: SessionMode,
    signal: AbortSignal | undefined,
    work: (step: Step) => Promise<T>,
  ): Promise<T> {
    throwIfAborted(signal);
    if (this.closed) throw new EngineUnavailableError(neo4jEngine);
    try {
      return await this.policy.run((attempt) => this.attempt(mode, attempt, work), {
        idempotent: true,
        signal,
      });
    } catch (error) {
      throw toNeo4jEngineError(error, signal);
    }
  }

  private async attempt<T>(
    mode: SessionMode,
    signal: AbortSignal | undefined,
    work: (step: Step) => Promise<T>,
  ): Promise<T> {
    const session = this.driver.session({
      database: this.settings.database,
      defaultAccessMode: mode,
    });
    const reset = () => {
      session.close().catch(() => undefined);
    };
    signal?.addEventListener("abort", reset, { once: true });
    this.sessions += 1;
    try {
      const tx = session.beginTransaction({ timeout: this.settings.timeoutMs });
      try {
        const result = await work(new Step(tx, signal, this.settings.database));
        throwIfAborted(signal);
        await tx.commit();
        return result;
      } catch (error) {
        if (tx.isOpen()) await tx.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      this.sessions -= 1;
      signal?.removeEventListener("abort", reset);
      await session.close().catch(() => undefined);
    }
  }
}
