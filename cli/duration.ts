const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const pattern = /^([1-9][0-9]{0,8})([smhdw])$/;

/**
 * Milliseconds of a duration such as `45s`, `15m`, `1h`, `30d` or `2w` (one positive
 * integer and one unit); undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}
