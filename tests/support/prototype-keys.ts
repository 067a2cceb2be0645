/**
 * Stands in for the key `__proto__` while a test builds a message: it has the same length
 * and, unlike `__proto__`, protobuf-es keeps it.
 */
export const prototypeKeyStandIn = "__PROTO__";

const standIn = Buffer.from(prototypeKeyStandIn);
const prototypeKey = Buffer.from("__proto__");

/** An encoded message (binary or JSON) with every stand-in replaced by `__proto__`. */
export function withPrototypeKeys(encoded: Uint8Array | string): Buffer {
  const bytes = Buffer.from(typeof encoded === "string" ? Buffer.from(encoded) : encoded);
  for (let at = bytes.indexOf(standIn); at >= 0; at = bytes.indexOf(standIn, at)) {
    prototypeKey.copy(bytes, at);
  }
  return bytes;
}
