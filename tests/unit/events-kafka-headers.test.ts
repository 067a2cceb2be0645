import { describe, expect, it } from "vitest";
import { decodeHeaders, encodeHeaders, eventHeaders } from "../../clients/events/kafka/headers.js";

const payload = new Uint8Array([1]);

describe("encodeHeaders", () => {
  it("carries the id always and the other fields only when set", () => {
    expect(encodeHeaders({ id: "e1", payload })).toEqual({ [eventHeaders.id]: "e1" });
    expect(
      encodeHeaders({
        id: "e1",
        payload,
        contentType: "application/json",
        subject: "doc-7",
        time: new Date("2024-05-06T07:08:09.123Z"),
        headers: { source: "crawler" },
      }),
    ).toEqual({
      "ragplane-id": "e1",
      "ragplane-content-type": "application/json",
      "ragplane-subject": "doc-7",
      "ragplane-time": String(Date.parse("2024-05-06T07:08:09.123Z")),
      source: "crawler",
    });
  });

  it("moves user headers that use the reserved prefix out of the way", () => {
    const encoded = encodeHeaders({
      id: "real",
      payload,
      headers: { "ragplane-id": "forged", "ragplane-user-x": "y" },
    });
    expect(encoded).toEqual({
      "ragplane-id": "real",
      "ragplane-user-ragplane-id": "forged",
      "ragplane-user-ragplane-user-x": "y",
    });
  });
});

describe("decodeHeaders", () => {
  it("round-trips every field, user headers included, from Kafka's Buffers", () => {
    const time = new Date(-62_135_596_800_000);
    const headers: Record<string, string> = JSON.parse(
      '{"ragplane-id": "x", "trace-id": "abc", "": "empty name", "__proto__": "p"}',
    );
    const encoded = encodeHeaders({
      id: "e1",
      payload,
      contentType: "text/plain",
      subject: "s",
      time,
      headers,
    });
    const asBuffers = Object.fromEntries(
      Object.entries(encoded).map(([name, value]) => [name, Buffer.from(value)]),
    );
    const decoded = decodeHeaders(asBuffers);
    expect(decoded).toMatchObject({ id: "e1", contentType: "text/plain", subject: "s" });
    expect(decoded.timeMs).toBe(time.getTime());
    expect(decoded.headers).toEqual(headers);
    expect(Object.keys(decoded.headers)).toContain("__proto__");
  });

  it("reads a record without ragplane headers as an event without id, defaults elsewhere", () => {
    expect(decodeHeaders(undefined)).toEqual({
      id: undefined,
      contentType: "",
      subject: "",
      timeMs: undefined,
      headers: {},
    });
    expect(decodeHeaders({ "ragplane-time": "soon", "ragplane-future": "x" })).toMatchObject({
      timeMs: undefined,
      headers: {},
    });
  });

  it("takes the last value of a repeated header", () => {
    expect(decodeHeaders({ a: [Buffer.from("1"), Buffer.from("2")] }).headers).toEqual({ a: "2" });
  });
});
