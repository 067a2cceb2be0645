import type { JsonValue } from "@bufbuild/protobuf";

/** One step of a payload key path: an object key, an array index, or every array element. */
export type PathStep =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "each" };

const plainKeyChar = /[^.[\]"]/;

/**
 * Parses a payload key the way Qdrant does: dotted object keys (`meta.lang`), `[]` for
 * every element of an array (`tags[].name`), `[N]` for one element, and double-quoted
 * keys that contain dots (`meta."a.b"`). Returns undefined when the key is malformed.
 */
export function parseKeyPath(key: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  let i = 0;
  let expectKey = true;
  while (i < key.length) {
    const char = key[i];
    if (char === "[") {
      const close = key.indexOf("]", i);
      if (close < 0 || steps.length === 0) return undefined;
      const inner = key.slice(i + 1, close);
      if (inner === "") steps.push({ kind: "each" });
      else if (/^\d{1,9}$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else return undefined;
      i = close + 1;
      expectKey = false;
      continue;
    }
    if (char === ".") {
      if (expectKey) return undefined;
      i += 1;
      expectKey = true;
      if (i === key.length) return undefined;
      continue;
    }
    if (!expectKey) return undefined;
    if (char === '"') {
      const close = key.indexOf('"', i + 1);
      if (close < 0 || close === i + 1) return undefined;
      steps.push({ kind: "key", key: key.slice(i + 1, close) });
      i = close + 1;
    } else {
      let end = i;
      while (end < key.length && plainKeyChar.test(key[end] as string)) end += 1;
      steps.push({ kind: "key", key: key.slice(i, end) });
      i = end;
    }
    expectKey = false;
  }
  return steps.length > 0 && !expectKey ? steps : undefined;
}

/**
 * Whether `test` holds for any value the path selects in a payload, as Qdrant decides it:
 * a final array is flattened one level, so a condition on `tags` is tested against each
 * tag; `[]` visits every element; a missing key selects nothing. Allocates nothing.
 */
export function anyValueAt(
  value: JsonValue | undefined,
  steps: readonly PathStep[],
  at: number,
  test: (value: JsonValue) => boolean,
): boolean {
  if (value === undefined) return false;
  const step = steps[at];
  if (step === undefined) {
    if (!Array.isArray(value)) return test(value);
    for (const element of value) if (test(element)) return true;
    return false;
  }
  if (step.kind === "key") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    return Object.hasOwn(value, step.key) && anyValueAt(value[step.key], steps, at + 1, test);
  }
  if (!Array.isArray(value)) return false;
  const last = at + 1 === steps.length;
  if (step.kind === "index") {
    const element = value[step.index];
    if (element === undefined) return false;
    return last ? test(element) : anyValueAt(element, steps, at + 1, test);
  }
  for (const element of value) {
    if (last ? test(element) : anyValueAt(element, steps, at + 1, test)) return true;
  }
  return false;
}
