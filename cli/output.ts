/** Where a command writes: stdout for results, stderr for errors. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Rows as a table for people: a header line and left-aligned columns separated by two
 * spaces. Control characters in cells are replaced, so stored text cannot drive the
 * terminal.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = rows.map((row) => row.map((cell) => cell.replace(/\p{Cc}/gu, "?")));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...clean.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...clean.map(line)].join("\n");
}

/** A value as indented JSON for scripts. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A byte count for people, in MiB with one decimal. */
export function mebibytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
