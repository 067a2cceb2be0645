import { describe, expect, it } from "vitest";
import { CancelledError, EngineTimeoutError } from "../../clients/errors.js";
import { Handoff } from "../../clients/events/kafka/handoff.js";

const never = new AbortController().signal;

describe("Handoff", () => {
  it("hands batches over in order and resolves each push once its batch is taken", async () => {
    const handoff = new Handoff<number>();
    let firstTaken = false;
    const first = handoff.push([1, 2]).then(() => {
      firstTaken = true;
    });
    const second = handoff.push([3]);
    await Promise.resolve();
    expect(firstTaken).toBe(false);
    expect(await handoff.take(never)).toEqual([1, 2]);
    await first;
    expect(firstTaken).toBe(true);
    expect(await handoff.take(never)).toEqual([3]);
    await second;
  });

  it("wakes a waiting reader when a batch arrives", async () => {
    const handoff = new Handoff<string>();
    const taking = handoff.take(never);
    await handoff.push(["late"]).then(async () => expect(await taking).toEqual(["late"]));
  });

  it("throws the abort reason as a domain error, at once", async () => {
    const handoff = new Handoff<string>();
    const controller = new AbortController();
    const taking = handoff.take(controller.signal);
    controller.abort(new EngineTimeoutError("request"));
    await expect(taking).rejects.toBeInstanceOf(EngineTimeoutError);
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(handoff.take(cancelled.signal)).rejects.toBeInstanceOf(CancelledError);
  });

  it("throws the first failure to the reader and releases every push", async () => {
    const handoff = new Handoff<string>();
    const pending = handoff.push(["dropped"]);
    handoff.fail(new Error("first"));
    handoff.fail(new Error("second"));
    await pending;
    await handoff.push(["after"]);
    await expect(handoff.take(never)).rejects.toThrow("first");
  });

  it("releases every push once the reader is gone", async () => {
    const handoff = new Handoff<string>();
    const pending = handoff.push(["a"]);
    handoff.close();
    await pending;
    await handoff.push(["b"]);
    await expect(handoff.take(never)).rejects.toThrow("closed");
  });
});
