/** A least-squares line through samples, and whether it rises beyond their noise. */
export interface Trend {
  /** Samples fitted. */
  readonly samples: number;
  /** Slope of the line, per minute. */
  readonly perMinute: number;
  /** The line's rise from the first fitted sample to the last. */
  readonly change: number;
  /** Mean of the fitted samples. */
  readonly mean: number;
  /** Standard deviation of the samples around the line: their noise. */
  readonly residualSd: number;
  /**
   * `flat` when `|change|` is within {@link flatWithin} of the noise (twice the residual
   * standard deviation) or of the mean (1 %); otherwise `growing` or `shrinking`.
   */
  readonly verdict: "flat" | "growing" | "shrinking";
}

/** What a change must exceed to count as a trend. */
export const flatWithin = { residualSds: 2, shareOfMean: 0.01 } as const;

/**
 * Fits a least-squares line to the samples taken at `atMs` or later (the second half of
 * a run, so warm-up does not count) and judges it.
 */
export function trend(
  samples: readonly { readonly atMs: number; readonly value: number }[],
  fromMs: number,
): Trend {
  const fitted = samples.filter((sample) => sample.atMs >= fromMs);
  const n = fitted.length;
  if (n < 3) throw new Error(`a trend needs 3 samples or more, found ${n}`);
  const minutes = fitted.map((sample) => sample.atMs / 60_000);
  const values = fitted.map((sample) => sample.value);
  const meanX = minutes.reduce((sum, x) => sum + x, 0) / n;
  const mean = values.reduce((sum, y) => sum + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (minutes[i]! - meanX) * (values[i]! - mean);
    sxx += (minutes[i]! - meanX) ** 2;
  }
  const perMinute = sxx > 0 ? sxy / sxx : 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    squares += (values[i]! - (mean + perMinute * (minutes[i]! - meanX))) ** 2;
  }
  const residualSd = Math.sqrt(squares / Math.max(1, n - 2));
  const change = perMinute * (minutes[n - 1]! - minutes[0]!);
  const noise = Math.max(
    flatWithin.residualSds * residualSd,
    flatWithin.shareOfMean * Math.abs(mean),
  );
  return {
    samples: n,
    perMinute,
    change,
    mean,
    residualSd,
    verdict: Math.abs(change) <= noise ? "flat" : change > 0 ? "growing" : "shrinking",
  };
}
