import { Neo4jError } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../clients/errors.js";
import {
  isNeo4jFault,
  isRetryableNeo4jError,
  toNeo4jEngineError,
} from "../../clients/graphs/neo4j/errors.js";

const neo4jError = (code: string, message = "boom") =>
  new Neo4jError(message, code, "50N42", "error: general processing exception");

describe("toNeo4jEngineError", () => {
  it.each([
    "ServiceUnavailable",
    "SessionExpired",
    "Neo.ClientError.Security.Unauthorized",
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.TransientError.Transaction.DeadlockDetected",
    "Neo.TransientError.General.DatabaseUnavailable",
  ])("maps %s to EngineUnavailableError, keeping the cause", (code) => {
    const error = neo4jError(code);
    const mapped = toNeo4jEngineError(error);
    expect(mapped).toBeInstanceOf(EngineUnavailableError);
    expect((mapped as Error).cause).toBe(error);
  });

  it.each([
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.TransientError.Transaction.LockAcquisitionTimeout",
  ])("maps %s to EngineTimeoutError", (code) => {
    expect(toNeo4jEngineError(neo4jError(code))).toBeInstanceOf(EngineTimeoutError);
  });

  it("maps a closed driver's pool to EngineUnavailableError", () => {
    const error = neo4jError("N/A", "Pool is closed, it is no more able to serve requests.");
    expect(toNeo4jEngineError(error)).toBeInstanceOf(EngineUnavailableError);
  });

  it("maps a uniqueness violation to AlreadyExistsError naming the relationship", () => {
    const error = neo4jError(
      "Neo.ClientError.Schema.ConstraintValidationFailed",
      "Relationship(7) already exists with type `KNOWS` and properties `tenant` = 't', `id` = 'r1'",
    );
    const mapped = toNeo4jEngineError(error);
    expect(mapped).toBeInstanceOf(AlreadyExistsError);
    expect(mapped).toMatchObject({ kind: "relationship", id: "r1" });
    const node = neo4jError(
      "Neo.ClientError.Schema.ConstraintValidationFailed",
      "Node(905) already exists with label `_RpNode` and properties `tenant` = 't', `id` = 'a'",
    );
    expect(toNeo4jEngineError(node)).toMatchObject({ kind: "node", id: "a" });
  });

  it("maps a refused plain DELETE of a connected node to PreconditionError", () => {
    const error = neo4jError(
      "Neo.ClientError.Schema.ConstraintValidationFailed",
      "Cannot delete node<905>, because it still has relationships. To delete this node, you must first delete its relationships.",
    );
    expect(toNeo4jEngineError(error)).toBeInstanceOf(PreconditionError);
  });

  it("lets the aborted signal's reason win over the driver's report of the terminated query", () => {
    const terminated = neo4jError("Neo.ClientError.Transaction.Terminated");
    const cancelled = new AbortController();
    cancelled.abort();
    expect(toNeo4jEngineError(terminated, cancelled.signal)).toBeInstanceOf(CancelledError);
    const timedOut = new AbortController();
    timedOut.abort(new DOMException("deadline", "TimeoutError"));
    expect(toNeo4jEngineError(terminated, timedOut.signal)).toBeInstanceOf(EngineTimeoutError);
  });

  it("passes domain errors through and returns unknown errors as they are", () => {
    for (const error of [
      new NotFoundError("node", "a"),
      new PreconditionError("no", "ids[0]"),
      new EngineTimeoutError("x"),
    ]) {
      expect(toNeo4jEngineError(error)).toBe(error);
    }
    const syntax = neo4jError("Neo.ClientError.Statement.SyntaxError");
    expect(toNeo4jEngineError(syntax)).toBe(syntax);
    const bug = new TypeError("bug");
    expect(toNeo4jEngineError(bug)).toBe(bug);
  });
});

describe("isRetryableNeo4jError", () => {
  it("retries lost connections, transient errors and uniqueness races only", () => {
    expect(isRetryableNeo4jError(neo4jError("ServiceUnavailable"))).toBe(true);
    expect(
      isRetryableNeo4jError(neo4jError("Neo.TransientError.Transaction.DeadlockDetected")),
    ).toBe(true);
    expect(
      isRetryableNeo4jError(neo4jError("Neo.ClientError.Schema.ConstraintValidationFailed")),
    ).toBe(true);
    expect(isRetryableNeo4jError(neo4jError("Neo.ClientError.Transaction.Terminated"))).toBe(false);
    expect(isRetryableNeo4jError(neo4jError("Neo.ClientError.Statement.SyntaxError"))).toBe(false);
    expect(isRetryableNeo4jError(new PreconditionError("no"))).toBe(false);
  });
});

describe("isNeo4jFault", () => {
  it("counts an engine's failures against its breaker, not a deadlock with a concurrent writer", () => {
    expect(isNeo4jFault(neo4jError("ServiceUnavailable"))).toBe(true);
    expect(isNeo4jFault(neo4jError("Neo.TransientError.General.DatabaseUnavailable"))).toBe(true);
    const deadlock = neo4jError("Neo.TransientError.Transaction.DeadlockDetected");
    expect(isNeo4jFault(deadlock)).toBe(false);
    expect(isRetryableNeo4jError(deadlock)).toBe(true);
  });
});
