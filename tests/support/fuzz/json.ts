import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { DurationSchema, StructSchema, TimestampSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { randomIndex } from "../../../bench/prng.js";
import {
  type Draw,
  maxDepth,
  odd,
  pick,
  randomEnumNumber,
  randomLength,
  randomScalar,
  randomString,
} from "./draw.js";

/**
 * A random Connect JSON body for a request of type `desc`: now and then malformed text or
 * a JSON value that is not an object, otherwise an object of the message's fields, each
 * with a value of the right JSON shape or, as often as `wildness` says, left out or of a
 * random wrong shape.
 */
export function randomJsonBody(draw: Draw, desc: DescMessage): string {
  const roll = draw.random();
  if (roll < 0.1) return pick(draw.random, malformedJson);
  if (roll < 0.2) return JSON.stringify(randomJson(draw, 0));
  return JSON.stringify(randomJsonObject(draw, desc, 0));
}

const malformedJson = [
  "",
  "{",
  "nul",
  '{"a":}',
  "\u0000",
  '{"limit": 1e400}',
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  `{"points":[{"id":"p","vector":[1,2,3,4],"payload":${'{"a":'.repeat(300)}1${"}".repeat(301)}]}`,
];

const jsonNumbers = [0, -0, -1, 0.5, 1e308, -1e308, 2 ** 53 + 2, 4_294_967_296, "NaN", "Infinity"];
const timestamps = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-30T00:00:00Z", "soon"];
const durations = ["0s", "1.5s", "-1s", "315576000001s", "1h"];

function randomJsonObject(draw: Draw, desc: DescMessage, depth: number): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const field of desc.fields) {
    if (odd(draw) && draw.random() < 0.5) continue;
    const key = draw.random() < 0.8 ? field.jsonName : field.name;
    entries.push([key, odd(draw) ? randomJson(draw, depth) : jsonFor(draw, field, depth)]);
  }
  if (odd(draw)) entries.push([randomString(draw), randomJson(draw, depth)]);
  return Object.fromEntries(entries);
}

function jsonFor(draw: Draw, field: DescField, depth: number): unknown {
  const { random } = draw;
  const single = (): unknown => {
    if (field.enum !== undefined) {
      const number = randomEnumNumber(draw, field.enum.values);
      return field.enum.values.find((value) => value.number === number)?.name ?? number;
    }
    if (field.message !== undefined) return jsonForMessage(draw, field.message, depth + 1);
    const scalar = randomScalar(draw, field.scalar ?? ScalarType.STRING);
    if (scalar instanceof Uint8Array) return Buffer.from(scalar).toString("base64");
    if (typeof scalar === "bigint") return random() < 0.5 ? String(scalar) : Number(scalar);
    if (typeof scalar === "number" && !Number.isFinite(scalar)) return String(scalar);
    return scalar;
  };
  if (field.fieldKind === "list") return Array.from({ length: randomLength(draw, depth) }, single);
  if (field.fieldKind === "map") {
    const size = randomLength(draw, depth);
    return Object.fromEntries(Array.from({ length: size }, () => [randomString(draw), single()]));
  }
  return single();
}

function jsonForMessage(draw: Draw, desc: DescMessage, depth: number): unknown {
  switch (desc.typeName) {
    case TimestampSchema.typeName:
      return odd(draw)
        ? pick(draw.random, timestamps)
        : new Date(Date.now() + 3_600_000).toISOString();
    case DurationSchema.typeName:
      return odd(draw) ? pick(draw.random, durations) : "60s";
    case ValueSchema.typeName:
    case StructSchema.typeName:
      return randomJson(draw, depth);
  }
  return depth >= maxDepth ? {} : randomJsonObject(draw, desc, depth);
}

function randomJson(draw: Draw, depth: number): unknown {
  const { random } = draw;
  const kind = randomIndex(random, depth >= maxDepth ? 4 : 6);
  if (kind === 0) return null;
  if (kind === 1) return random() < 0.5;
  if (kind === 2) return pick(random, jsonNumbers);
  if (kind === 3) return randomString(draw);
  const size = randomLength(draw, depth + 1);
  if (kind === 4) return Array.from({ length: size }, () => randomJson(draw, depth + 1));
  return Object.fromEntries(
    Array.from({ length: size }, () => [randomString(draw), randomJson(draw, depth + 1)]),
  );
}
