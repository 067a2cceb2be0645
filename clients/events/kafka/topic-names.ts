/** Longest topic name Kafka accepts. */
export const maxKafkaTopicLength = 249;

const prefixPattern = /^[A-Za-z0-9-]{1,64}$/;
/** A platform tenant (`security/tenant.ts`), or a reserved one such as `_system`. */
const tenantPattern = /^_?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const namePattern = /^[A-Za-z0-9._-]+$/;

/**
 * Maps (tenant, topic) to Kafka topic names and back: `<prefix>.<tenant>.<escaped name>`.
 *
 * - The tenant is written with no dot (see {@link escapeTenant}: [a-z0-9-] as they are,
 *   after an optional leading `_` that marks a reserved tenant such as `_system`), so the
 *   first two dots split a physical name unambiguously: no two (tenant, topic) pairs share
 *   a physical name.
 * - In the topic name `-` becomes `--` and `_` becomes `-u`; dots, letters and digits
 *   stay. The only `_` a physical name can hold is a reserved tenant's first character,
 *   right after the prefix's dot, where a `.` would mean an empty tenant. So Kafka's rule
 *   that topics equal up to `.` vs `_` collide (their metric names would) can never
 *   reject one of ours: "a.b" and "a_b" are distinct topics here, as in the embedded engine.
 * - Kafka allows 249 characters of [a-zA-Z0-9._-]. A name whose physical form would be
 *   longer has no Kafka topic: `physical` returns undefined for it.
 */
export class TopicNames {
  readonly #prefix: string;

  constructor(prefix: string) {
    if (!prefixPattern.test(prefix)) {
      throw new RangeError(
        `topicPrefix must be 1 to 64 characters of [A-Za-z0-9-], got "${prefix}"`,
      );
    }
    this.#prefix = prefix;
  }

  /** The physical name of a tenant's topic, or undefined if it cannot exist in Kafka. */
  physical(tenant: string, name: string): string | undefined {
    if (!namePattern.test(name)) return undefined;
    const physical = `${this.tenantPrefix(tenant)}${escapeName(name)}`;
    return physical.length <= maxKafkaTopicLength ? physical : undefined;
  }

  /** What every physical name of the tenant starts with. Throws for a name no tenant has. */
  tenantPrefix(tenant: string): string {
    if (!tenantPattern.test(tenant)) {
      throw new RangeError(`not a tenant id: "${tenant}"`);
    }
    return `${this.#prefix}.${escapeTenant(tenant)}.`;
  }

  /** The tenant's topic name behind a physical name, or undefined if it is not one of the tenant's. */
  logical(tenant: string, physical: string): string | undefined {
    const prefix = this.tenantPrefix(tenant);
    return physical.startsWith(prefix) ? unescapeName(physical.slice(prefix.length)) : undefined;
  }
}

/**
 * A tenant id as it stands in physical names: a leading `_` (reserved tenants), lower-case
 * letters, digits and `-` as they are, so the names of tenants made of those never
 * change; `Z` starts every other character (`Z` + the lower-case letter for an upper-case
 * one, `Z0` for `.`, `Z1` for `_`). `Z` is never written as itself, so the mapping is
 * one-to-one and holds no dot.
 */
export function escapeTenant(tenant: string): string {
  const reserved = tenant.startsWith("_") ? "_" : "";
  return (
    reserved +
    tenant
      .slice(reserved.length)
      .replace(/[A-Z._]/g, (c) => (c === "." ? "Z0" : c === "_" ? "Z1" : `Z${c.toLowerCase()}`))
  );
}

/** `-` → `--`, `_` → `-u`; everything else as is. */
export function escapeName(name: string): string {
  return name.replace(/[-_]/g, (c) => (c === "-" ? "--" : "-u"));
}

/** The inverse of {@link escapeName}; undefined for text it never produces. */
export function unescapeName(escaped: string): string | undefined {
  if (escaped.length === 0 || escaped.includes("_")) return undefined;
  let name = "";
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i];
    if (c !== "-") {
      name += c;
      continue;
    }
    const next = escaped[++i];
    if (next === "-") name += "-";
    else if (next === "u") name += "_";
    else return undefined;
  }
  return namePattern.test(name) ? name : undefined;
}
