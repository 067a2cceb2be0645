/**
 * Helpers every graph adapter shares for data subjects: how an absent subject is stored
 * and returned, and how a page of a subject's items is cut.
 */

/** The subject to store: the given one, or undefined for none (absent or empty). */
export function storedSubject(subject: string | undefined): string | undefined {
  return subject === undefined || subject === "" ? undefined : subject;
}

/** `{ subject }` when `subject` is a non-empty string, else `{}`: how reads set it. */
export function subjectField(subject: unknown): { readonly subject?: string } {
  return typeof subject === "string" && subject !== "" ? { subject } : {};
}

/**
 * Checks a page's `limit` (a positive safe integer: a `RangeError` otherwise, a caller's
 * bug) and returns how many items to fetch: one more than `limit`, to know whether more
 * may follow.
 */
export function fetchSizeOf(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`a page's limit must be a positive integer, not ${limit}`);
  }
  return limit + 1;
}

/**
 * The page of `fetched` (at most `limit + 1` items in id order): the first `limit`, and
 * `nextAfter` (the last id returned) only when an item beyond them was fetched.
 */
export function pageOf<T extends { readonly id: string }>(
  fetched: readonly T[],
  limit: number,
): { readonly items: T[]; readonly nextAfter?: string } {
  if (fetched.length <= limit) return { items: [...fetched] };
  const items = fetched.slice(0, limit);
  return { items, nextAfter: items.at(-1)!.id };
}

/** Checks `deleteSubject`'s `limit`: a positive safe integer (a `RangeError` otherwise). */
export function checkDeleteLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`deleteSubject's limit must be a positive integer, not ${limit}`);
  }
}
