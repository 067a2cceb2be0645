import { ScalarType } from "@bufbuild/protobuf";
import { randomBytes, randomIndex } from "../../../bench/prng.js";

/** A source of uniform numbers in [0, 1), such as `seededRandom(seed)`. */
export type Random = () => number;

/** An item of `items` chosen by `random`. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[randomIndex(random, items.length)];
  if (item === undefined) throw new Error("cannot pick from an empty list");
  return item;
}

const oddStrings = [
  "",
  " ",
  "x".repeat(300),
  "é".repeat(150),
  "名前",
  "🦀🦀",
  "\u0000",
  "\ufffd\u0301",
  "a\nb",
  "\u202e",
  "../../etc/passwd",
  "' OR 1=1 --",
  "MATCH (n) DETACH DELETE n",
  "__proto__",
  "constructor",
  "a.b.c",
  "tags[].name",
  "a..b[]",
  "-1",
  "NaN",
  "x".repeat(5000),
];

/**
 * How a generator draws: its random source, the names worth hitting (existing
 * collections, ids, labels), and `wildness`, the chance that a value is odd rather than
 * plausible. Low wildness gets past validation into the handlers and engines.
 */
export interface Draw {
  readonly random: Random;
  readonly vocabulary: readonly string[];
  readonly wildness: number;
}

/** Whether this draw goes odd, as often as `wildness` says. */
export const odd = (draw: Draw) => draw.random() < draw.wildness;

const int32s = [0, -1, 11, 201, 1001, 4097, 2_147_483_647, -2_147_483_648];
const uint32s = [0, 11, 201, 257, 1001, 4097, 4_294_967_295];
const int64s = [0n, -1n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n];
const uint64s = [0n, 18_446_744_073_709_551_615n];
const floats = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, 3.4e38, -3.4e38, 1e-45];
const doubles = [...floats, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2];
const unknownEnumNumbers = [99, -1, 2_147_483_647];

/** A string: usually a known name, a short id or empty; odd as often as `wildness` says. */
export function randomString(draw: Draw): string {
  const { random } = draw;
  if (odd(draw)) return random() < 0.6 ? pick(random, oddStrings) : randomCharacters(random);
  const roll = random();
  if (roll < 0.1) return "";
  return roll < 0.7 ? pick(random, draw.vocabulary) : `id_${randomIndex(random, 100)}`;
}

function randomCharacters(random: Random): string {
  const planes = [0x20, 0x7f, 0x4e00, 0x1f600];
  const length = randomIndex(random, 21);
  return String.fromCodePoint(
    ...Array.from({ length }, () => pick(random, planes) + randomIndex(random, 96)),
  );
}

/** A value of a scalar type: plausible, or a boundary or odd value as often as `wildness` says. */
export function randomScalar(draw: Draw, scalar: ScalarType): unknown {
  const { random } = draw;
  const wild = odd(draw);
  switch (scalar) {
    case ScalarType.STRING:
      return randomString(draw);
    case ScalarType.BYTES:
      return randomBytes(random, wild ? 300 : randomIndex(random, 17));
    case ScalarType.BOOL:
      return random() < 0.5;
    case ScalarType.FLOAT:
      return wild ? pick(random, floats) : random() * 2 - 1;
    case ScalarType.DOUBLE:
      return wild ? pick(random, doubles) : (random() - 0.5) * 200;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return wild ? pick(random, int32s) : randomIndex(random, 11);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return wild ? pick(random, uint32s) : randomIndex(random, 11);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return wild ? pick(random, int64s) : BigInt(randomIndex(random, 11));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return wild ? pick(random, uint64s) : BigInt(randomIndex(random, 11));
  }
}

/**
 * A repeated field's length: 1 to 4 when plausible; when odd, 0 to 50 near the top of the
 * request, and in a top-level field now and then past the 1 000-item batch limit.
 */
export function randomLength(draw: Draw, depth: number): number {
  if (!odd(draw)) return 1 + randomIndex(draw.random, 4);
  if (depth > 1) return randomIndex(draw.random, 3);
  if (depth === 0 && draw.random() < 0.2) return pick(draw.random, [1001, 2000]);
  return randomIndex(draw.random, 51);
}

/** How deep random messages and JSON values nest. */
export const maxDepth = 4;

/** An enum number: a known one, or 0 or an unknown one as often as `wildness` says. */
export function randomEnumNumber(draw: Draw, values: readonly { number: number }[]): number {
  if (odd(draw)) return draw.random() < 0.5 ? 0 : pick(draw.random, unknownEnumNumbers);
  const known = values.filter((value) => value.number !== 0);
  return pick(draw.random, known.length > 0 ? known : values).number;
}
