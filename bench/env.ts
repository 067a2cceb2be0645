/** The environment the benchmarks read their options from. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A positive number from `env[name]`, `fallback` when unset; throws naming the variable
 * when it is not a number in (0, max].
 */
export function positiveNumber(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)} must be a number above 0 and at most ${max}`);
  }
  return value;
}
