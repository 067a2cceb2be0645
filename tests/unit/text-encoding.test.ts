import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../bench/prng.js";
import { encodeUtf8 } from "../../clients/utf8.js";
import { NodeSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import { useFastUtf8Encoding } from "../../server/transports/text-encoding.js";

const reference = new TextEncoder();

/** Random strings mixing ASCII, two-, three- and four-byte characters and lone surrogates. */
function randomStrings(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const pieces = [
    "a",
    "Z",
    "0",
    "-",
    "\u0000",
    "\u007f",
    "é",
    "ß",
    "€",
    "中",
    "😀",
    "\ud800",
    "\udfff",
  ];
  return Array.from({ length: count }, () => {
    const length = Math.floor(random() * 300);
    let text = "";
    for (let i = 0; i < length; i++) {
      text +=
        random() < 0.8
          ? "abcxyz_.:"[Math.floor(random() * 9)]
          : pieces[Math.floor(random() * pieces.length)];
    }
    return text;
  });
}

describe("encodeUtf8", () => {
  it("gives TextEncoder's bytes for ASCII, multi-byte characters and lone surrogates", () => {
    const samples = [
      "",
      "n00042",
      "é",
      "a😀b",
      "\ud800",
      "x\udfffy",
      "x".repeat(256),
      "é".repeat(300),
    ];
    for (const text of [...samples, ...randomStrings(2000, 7)]) {
      expect(Array.from(encodeUtf8(text))).toEqual(Array.from(reference.encode(text)));
    }
  });

  it("is what protobuf-es encodes strings with once installed, and messages round-trip", () => {
    useFastUtf8Encoding();
    useFastUtf8Encoding();
    const node = create(NodeSchema, {
      id: "n00001",
      labels: ["Person", "Émigré"],
      properties: { name: { kind: { case: "stringValue", value: "中文 😀" } } },
    });
    const decoded = fromBinary(NodeSchema, toBinary(NodeSchema, node));
    expect(decoded.id).toBe("n00001");
    expect(decoded.labels).toEqual(["Person", "Émigré"]);
    expect(decoded.properties.name?.kind).toEqual({ case: "stringValue", value: "中文 😀" });
  });
});
