/**
 * Checks an option that must be a finite number above zero and returns it; throws a
 * `RangeError` naming the option otherwise.
 */
export function positiveNumber(value: number, option: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${option} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Checks an option that must be a safe integer of at least 1 and returns it; throws a
 * `RangeError` naming the option otherwise.
 */
export function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${option} must be a positive integer, got ${value}`);
  }
  return value;
}
