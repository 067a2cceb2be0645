import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineTimeoutError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
} from "../../clients/errors.js";
import { toKafkaError } from "../../clients/events/kafka/errors.js";

/** Shaped like kafkajs's errors (matched by name and type, as kafkajs does itself). */
function kafkajsError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...fields });
}

const protocol = (type: string, retriable = false) =>
  kafkajsError("KafkaJSProtocolError", { type, retriable });
const retriesExceeded = (cause: unknown) =>
  kafkajsError("KafkaJSNumberOfRetriesExceeded", { cause, retriable: false });

describe("toKafkaError", () => {
  it("maps an unknown topic to NotFoundError of the tenant's name, even behind retries", () => {
    const error = toKafkaError(retriesExceeded(protocol("UNKNOWN_TOPIC_OR_PARTITION", true)), "t");
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ kind: "topic", id: "t" });
  });

  it("maps an unknown topic outside a topic's call to EngineUnavailableError", () => {
    expect(toKafkaError(protocol("UNKNOWN_TOPIC_OR_PARTITION", true))).toBeInstanceOf(
      EngineUnavailableError,
    );
  });

  it("maps a taken topic name to AlreadyExistsError", () => {
    const aggregate = Object.assign(new Error("failed"), {
      name: "KafkaJSAggregateError",
      errors: [kafkajsError("KafkaJSCreateTopicError", { type: "TOPIC_ALREADY_EXISTS" })],
    });
    expect(toKafkaError(aggregate, "t")).toBeInstanceOf(AlreadyExistsError);
  });

  it("maps a spec the cluster refuses to PreconditionError", () => {
    expect(toKafkaError(protocol("INVALID_REPLICATION_FACTOR"), "t")).toBeInstanceOf(
      PreconditionError,
    );
  });

  it("maps request timeouts to EngineTimeoutError", () => {
    expect(toKafkaError(kafkajsError("KafkaJSRequestTimeoutError"))).toBeInstanceOf(
      EngineTimeoutError,
    );
    expect(toKafkaError(retriesExceeded(protocol("REQUEST_TIMED_OUT", true)))).toBeInstanceOf(
      EngineTimeoutError,
    );
  });

  it("maps lost connections, missing brokers and leaders, and exhausted retries to EngineUnavailableError", () => {
    for (const error of [
      kafkajsError("KafkaJSConnectionError", { code: "ECONNREFUSED" }),
      kafkajsError("KafkaJSConnectionClosedError"),
      kafkajsError("KafkaJSNoBrokerAvailableError"),
      protocol("LEADER_NOT_AVAILABLE", true),
      protocol("NOT_ENOUGH_REPLICAS", true),
      protocol("SOME_FUTURE_RETRIABLE_ERROR", true),
      retriesExceeded(kafkajsError("KafkaJSError")),
    ]) {
      const mapped = toKafkaError(error);
      expect(mapped).toBeInstanceOf(EngineUnavailableError);
      expect((mapped as EngineUnavailableError).cause).toBe(error);
    }
  });

  it("passes domain errors through and leaves bugs as they are", () => {
    const cancelled = new CancelledError();
    expect(toKafkaError(cancelled, "t")).toBe(cancelled);
    const bug = new TypeError("x is undefined");
    expect(toKafkaError(bug, "t")).toBe(bug);
    const nonRetriable = protocol("CORRUPT_MESSAGE");
    expect(toKafkaError(nonRetriable)).toBe(nonRetriable);
  });
});
