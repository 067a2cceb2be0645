import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { SearchRequestSchema, UpsertRequestSchema } from "../../gen/ragplane/v1/vectors_pb.js";
import { packedFloatDecoder } from "../../server/transports/packed-floats.js";

const decoder = packedFloatDecoder(SearchRequestSchema);
const decode = (bytes: Uint8Array) => {
  if (decoder === undefined) throw new Error("SearchRequest has a float list");
  return decoder(bytes) as unknown as { vector: number[] };
};

describe("the packed float decoder", () => {
  it("decodes a search exactly as protobuf-es does, from a Buffer at any offset", () => {
    const request = create(SearchRequestSchema, {
      collection: "docs",
      vector: Array.from({ length: 384 }, (_, i) => Math.fround(Math.sin(i) * 3)),
      limit: 7,
      hnswEf: 128,
    });
    const bytes = toBinary(SearchRequestSchema, request);
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    expect(decode(pooled)).toEqual(fromBinary(SearchRequestSchema, bytes));
  });

  it("appends floats sent unpacked or in several packed runs, in order, like protobuf-es", () => {
    const writer = new BinaryWriter();
    writer.tag(1, WireType.LengthDelimited).string("docs");
    writer.tag(2, WireType.LengthDelimited).fork().float(1).float(2).join();
    writer.tag(3, WireType.Varint).uint32(5);
    writer.tag(2, WireType.LengthDelimited).fork().float(3).join();
    const split = writer.finish();
    expect(decode(split)).toEqual(fromBinary(SearchRequestSchema, split));
    expect(decode(split).vector).toEqual([1, 2, 3]);
    const unpacked = new BinaryWriter();
    unpacked.tag(2, WireType.Bit32).float(4).tag(2, WireType.Bit32).float(5);
    const loose = unpacked.finish();
    expect(decode(loose)).toEqual(fromBinary(SearchRequestSchema, loose));
  });

  it("leaves malformed input to protobuf-es, which refuses it", () => {
    const writer = new BinaryWriter();
    writer.tag(2, WireType.LengthDelimited).bytes(new Uint8Array([1, 2, 3]));
    const ragged = writer.finish();
    expect(() => decode(ragged)).toThrow();
    expect(() => decode(new Uint8Array([0x12, 0x40, 0]))).toThrow();
  });

  it("is not made for types without top-level float lists", () => {
    expect(packedFloatDecoder(UpsertRequestSchema)).toBeUndefined();
  });
});
