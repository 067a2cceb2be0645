import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { delimited, holdsTemplateAction, varint } from "../../bench/vectors/delimited.js";
import { SearchRequestSchema } from "../../gen/ragplane/v1/vectors_pb.js";

describe("the vector benchmark's ghz data", () => {
  it("writes lengths as protobuf varints", () => {
    expect([...varint(0)]).toEqual([0]);
    expect([...varint(127)]).toEqual([0x7f]);
    expect([...varint(128)]).toEqual([0x80, 0x01]);
    expect([...varint(1560)]).toEqual([0x98, 0x0c]);
    expect([...varint(0xffff_ffff)]).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => varint(-1)).toThrow(RangeError);
  });

  it("delimits messages so that a protobuf reader gets each one back in order", () => {
    const messages = [
      create(SearchRequestSchema, { collection: "a", vector: [0.5, -1], limit: 10 }),
      create(SearchRequestSchema, { collection: "b".repeat(300), vector: [], limit: 3 }),
    ];
    const reader = new BinaryReader(
      delimited(messages.map((m) => toBinary(SearchRequestSchema, m))),
    );
    const read = [
      fromBinary(SearchRequestSchema, reader.bytes()),
      fromBinary(SearchRequestSchema, reader.bytes()),
    ];
    expect(read.map((m) => m.collection)).toEqual(["a", "b".repeat(300)]);
    expect(read[0]?.vector).toEqual([0.5, -1]);
    expect(reader.pos).toBe(reader.len);
  });

  it("finds {{ only where two brace bytes touch, as a float's bits may hold them", () => {
    expect(holdsTemplateAction(new TextEncoder().encode("a{{b"))).toBe(true);
    expect(holdsTemplateAction(Uint8Array.of(0x7b, 0x00, 0x7b, 0x7d, 0x7d))).toBe(false);
    const float = new Uint8Array(new Float32Array([0.5]).buffer);
    expect(holdsTemplateAction(float)).toBe(false);
    float.set([0x7b, 0x7b], 1);
    expect(holdsTemplateAction(float)).toBe(true);
  });
});
