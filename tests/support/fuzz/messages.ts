import {
  create,
  type DescField,
  type DescMessage,
  type Message,
  toBinary,
} from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { DurationSchema, TimestampSchema, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { randomIndex } from "../../../bench/prng.js";
import {
  type Draw,
  maxDepth,
  odd,
  pick,
  randomEnumNumber,
  randomLength,
  randomScalar,
} from "./draw.js";

/**
 * A message of type `desc` with plausible values in its fields and, as often as
 * `wildness` says, a field left out or an odd value: odd strings (empty, 300 bytes,
 * non-ASCII), boundary and non-finite numbers, unknown enum numbers, 0 to 50 list items
 * (past the batch limit now and then), and now and then a google.protobuf.Value nested
 * close to the decoder's recursion limit.
 */
export function randomMessage(draw: Draw, desc: DescMessage, depth = 0): Message {
  const wellKnown = plausibleWellKnown(draw, desc);
  if (wellKnown !== undefined) return wellKnown;
  const message = reflect(desc);
  for (const field of message.fields) {
    if (odd(draw) && draw.random() < 0.5) continue;
    if (field.fieldKind !== "scalar" && field.fieldKind !== "enum" && depth >= maxDepth) continue;
    setRandomField(draw, message, field, depth);
  }
  return message.message;
}

/** A timestamp within a day of now or a duration of up to a day, unless the draw is odd. */
function plausibleWellKnown(draw: Draw, desc: DescMessage): Message | undefined {
  const { random } = draw;
  if (desc.typeName === TimestampSchema.typeName && !odd(draw)) {
    const seconds = Math.floor(Date.now() / 1000) + randomIndex(random, 172_800) - 86_400;
    return create(TimestampSchema, { seconds: BigInt(seconds) });
  }
  if (desc.typeName === DurationSchema.typeName && !odd(draw)) {
    return create(DurationSchema, { seconds: BigInt(1 + randomIndex(random, 86_400)) });
  }
  return undefined;
}

function setRandomField(draw: Draw, message: ReflectMessage, field: DescField, depth: number) {
  const nested = (desc: DescMessage) => reflect(desc, randomNested(draw, desc, depth));
  switch (field.fieldKind) {
    case "scalar":
      return message.set(field, randomScalar(draw, field.scalar));
    case "enum":
      return message.set(field, randomEnumNumber(draw, field.enum.values));
    case "message":
      return message.set(field, nested(field.message));
    case "list": {
      const list = message.get(field);
      for (let i = randomLength(draw, depth); i > 0; i--) {
        if (field.listKind === "scalar") list.add(randomScalar(draw, field.scalar));
        else if (field.listKind === "enum") list.add(randomEnumNumber(draw, field.enum.values));
        else list.add(nested(field.message));
      }
      return;
    }
    case "map": {
      const map = message.get(field);
      for (let i = randomLength(draw, depth); i > 0; i--) {
        const key = randomScalar(draw, field.mapKey);
        if (field.mapKind === "scalar") map.set(key, randomScalar(draw, field.scalar));
        else if (field.mapKind === "enum") map.set(key, randomEnumNumber(draw, field.enum.values));
        else map.set(key, nested(field.message));
      }
      return;
    }
  }
}

function randomNested(draw: Draw, desc: DescMessage, depth: number): Message {
  if (desc.typeName === ValueSchema.typeName && draw.random() < 0.01) {
    return nestedListValue(pick(draw.random, [20, 45, 60]));
  }
  return randomMessage(draw, desc, depth + 1);
}

/** A google.protobuf.Value that is a list in a list … `levels` deep, around a number. */
function nestedListValue(levels: number): Value {
  let value = create(ValueSchema, { kind: { case: "numberValue", value: 1 } });
  for (let i = 0; i < levels; i++) {
    value = create(ValueSchema, { kind: { case: "listValue", value: { values: [value] } } });
  }
  return value;
}

/** The encoding of a random message of type `desc` (see {@link randomMessage}). */
export function randomEncoding(draw: Draw, desc: DescMessage): Uint8Array {
  return toBinary(desc, randomMessage(draw, desc));
}
