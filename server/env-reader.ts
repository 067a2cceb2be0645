/** The environment as read by {@link EnvReader}. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values from the environment, collecting every problem instead of
 * stopping at the first, so that one start reports all bad variables.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  required(name: string, because: string): string {
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is required when ${because} is set`);
    return value ?? "";
  }

  pattern(name: string, fallback: string, pattern: RegExp): string {
    const value = this.raw(name) ?? fallback;
    if (!pattern.test(value))
      this.problems.push(`${name}=${JSON.stringify(value)} must match ${pattern}`);
    return value;
  }

  url(name: string, value: string, protocols: readonly string[]): string {
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !protocols.includes(parsed.protocol)) {
      this.problems.push(
        `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
      );
    }
    return value;
  }

  hostPorts(name: string, value: string): string[] {
    const entries = value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    if (
      entries.length === 0 ||
      !entries.every((entry) => /^[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(entry))
    ) {
      this.problems.push(
        `${name}=${JSON.stringify(value)} must be a comma-separated list of host:port`,
      );
    }
    return entries;
  }

  /** A comma-separated list, trimmed, empty entries dropped; `fallback` when unset. */
  list(name: string, fallback: readonly string[]): string[] {
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    return value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
  }

  /** Records a problem found by a caller's own check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(
        `${name}=${JSON.stringify(value)} must be an integer from ${min} to ${max}`,
      );
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    this.problems.push(`${name}=${JSON.stringify(value)} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${JSON.stringify(value)} must be one of ${allowed.join(", ")}`);
    return fallback;
  }
}
