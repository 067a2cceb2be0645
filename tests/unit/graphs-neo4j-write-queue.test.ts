import { describe, expect, it } from "vitest";
import { CancelledError } from "../../clients/errors.js";
import { TenantWriteQueue } from "../../clients/graphs/neo4j/write-queue.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("TenantWriteQueue", () => {
  it("runs one tenant's writes one at a time, in order, and other tenants' beside them", async () => {
    const queue = new TenantWriteQueue();
    const events: string[] = [];
    const write = (tenant: string, name: string) =>
      queue.run(tenant, undefined, async () => {
        events.push(`${name} start`);
        await tick();
        events.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([write("a", "a1"), write("a", "a2"), write("b", "b1")]);
    expect(results).toEqual(["a1", "a2", "b1"]);
    expect(events.indexOf("a1 end")).toBeLessThan(events.indexOf("a2 start"));
    expect(events.indexOf("b1 start")).toBeLessThan(events.indexOf("a1 end"));
  });

  it("goes on after a failed write, and lets a caller that gives up leave at once", async () => {
    const queue = new TenantWriteQueue();
    const failed = expect(
      queue.run("a", undefined, async () => {
        await tick();
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    const abort = new AbortController();
    const leaving = expect(
      queue.run("a", abort.signal, async () => "never"),
    ).rejects.toBeInstanceOf(CancelledError);
    abort.abort(new CancelledError());
    const after = queue.run("a", undefined, async () => "ran");
    await leaving;
    await failed;
    await expect(after).resolves.toBe("ran");
  });
});
