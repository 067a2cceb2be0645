import type { DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { randomBytes, randomIndex } from "../../../bench/prng.js";
import { pick, type Random } from "./draw.js";

type Mutation = (random: Random, bytes: Uint8Array, desc: DescMessage) => Uint8Array;

const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

const mutations: readonly Mutation[] = [
  function flipBits(random, bytes) {
    const flipped = Uint8Array.from(bytes);
    if (flipped.length === 0) return flipped;
    for (let flips = 1 + randomIndex(random, 8); flips > 0; flips--) {
      const at = randomIndex(random, flipped.length);
      flipped[at] = (flipped[at] ?? 0) ^ (1 << randomIndex(random, 8));
    }
    return flipped;
  },
  function truncate(random, bytes) {
    return bytes.subarray(0, randomIndex(random, bytes.length + 1));
  },
  function replaceWithRandomBytes(random) {
    return randomBytes(random, randomIndex(random, 257));
  },
  function insertRandomBytes(random, bytes) {
    const at = randomIndex(random, bytes.length + 1);
    const noise = randomBytes(random, 1 + randomIndex(random, 16));
    return concat(bytes.subarray(0, at), noise, bytes.subarray(at));
  },
  function duplicateField(random, bytes) {
    const spans = fieldSpans(bytes);
    if (spans.length === 0) return bytes;
    const [start, end] = pick(random, spans);
    const copies = Array.from({ length: 1 + randomIndex(random, 3) }, () =>
      bytes.subarray(start, end),
    );
    return concat(bytes, ...copies);
  },
  function appendHugeLength(random, bytes, desc) {
    const writer = new BinaryWriter().tag(
      randomFieldNumber(random, desc),
      WireType.LengthDelimited,
    );
    const length = pick(random, [
      [0xff, 0xff, 0xff, 0xff, 0x0f],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x80, 0x80, 0x80, 0x02],
    ]);
    return concat(bytes, writer.finish(), Uint8Array.from(length), randomBytes(random, 8));
  },
  function appendWrongWireType(random, bytes, desc) {
    const wireType = pick(random, [
      WireType.Varint,
      WireType.Bit64,
      WireType.Bit32,
      WireType.LengthDelimited,
    ]);
    const tag = new BinaryWriter().tag(randomFieldNumber(random, desc), wireType).finish();
    return concat(bytes, tag, randomBytes(random, randomIndex(random, 12)));
  },
  function appendUnmatchedGroup(random, bytes, desc) {
    const wireType = pick(random, [WireType.StartGroup, WireType.EndGroup]);
    return concat(
      bytes,
      new BinaryWriter().tag(randomFieldNumber(random, desc), wireType).finish(),
    );
  },
  function appendOverlongVarint(random, bytes, desc) {
    const tag = new BinaryWriter().tag(randomFieldNumber(random, desc), WireType.Varint).finish();
    return concat(bytes, tag, new Uint8Array(11 + randomIndex(random, 8)).fill(0xff));
  },
  function appendOutOfRangeFieldNumber(random, bytes) {
    const tag = pick(random, [
      [0x00],
      [0xf8, 0xff, 0xff, 0xff, 0x0f],
      [0x80, 0x80, 0x80, 0x80, 0x10],
    ]);
    return concat(bytes, Uint8Array.from(tag), randomBytes(random, 4));
  },
  function repeatWhole(random, bytes) {
    return concat(...Array.from({ length: 2 + randomIndex(random, 3) }, () => bytes));
  },
];

function randomFieldNumber(random: Random, desc: DescMessage): number {
  if (desc.fields.length === 0 || random() < 0.2) return 1 + randomIndex(random, 64);
  return pick(random, desc.fields).number;
}

/** The [start, end) byte ranges of the well-formed top-level fields of an encoding. */
function fieldSpans(bytes: Uint8Array): [number, number][] {
  const reader = new BinaryReader(bytes);
  const spans: [number, number][] = [];
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const [fieldNo, wireType] = reader.tag();
      reader.skip(wireType, fieldNo);
      spans.push([start, reader.pos]);
    }
  } catch {
    return spans;
  }
  return spans;
}

/**
 * `bytes` after one to three random byte-level mutations: flipped bits, truncation,
 * random bytes, duplicated fields, lengths far beyond the end, wrong wire types,
 * unmatched groups, overlong varints and invalid field numbers.
 */
export function mutateBytes(random: Random, bytes: Uint8Array, desc: DescMessage): Uint8Array {
  let mutated = bytes;
  for (let rounds = 1 + randomIndex(random, 3); rounds > 0; rounds--) {
    mutated = pick(random, mutations)(random, mutated, desc);
  }
  return mutated;
}
