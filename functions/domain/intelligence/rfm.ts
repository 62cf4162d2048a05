/**
 * RFM: recency, frequency and monetary scores from 1 to 5 against quintiles of the store's own current
 * distribution, and the named segments marketers use.
 *
 * Ties: equal values always get the same score, and it is the lower one. A score is
 * `1 + floor(5 × share of customers strictly worse)`, so when 60% of customers bought once they all get
 * F = 1 (not 3), two-time buyers jump to F = 4, and some scores may be empty. That is the honest reading
 * of a skewed distribution: a one-time buyer is not a frequent one, however many of them there are.
 */

/** Lower bounds of scores 2, 3, 4 and 5: a value reaching `bounds[i]` scores at least i + 2. */
export type QuintileBounds = readonly [number, number, number, number];

/** RFM thresholds of a store, refreshed by the daily model job. Recency in days (lower is better). */
export interface RfmThresholds {
  /** For recency the scale is reversed: days at most `bounds[i]` score at least i + 2. */
  readonly recencyDays: QuintileBounds;
  readonly frequency: QuintileBounds;
  /** Net revenue in reporting minor units. */
  readonly monetary: QuintileBounds;
  /** Customers (with at least one order) the thresholds were computed from. */
  readonly customers: number;
}

export interface RfmScore {
  readonly r: number;
  readonly f: number;
  readonly m: number;
  readonly segment: RfmSegment;
}

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cannot_lose_them',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/**
 * Quintile bounds of `values` where higher is better: bound i is the smallest value whose share of
 * strictly smaller values is at least (i + 1) / 5.
 */
export function quintileBounds(values: readonly number[]): QuintileBounds {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const bounds: number[] = [];
  for (let s = 1; s <= 4; s++) {
    // The first value with at least s/5 of the values strictly below it.
    // Unreachable bounds stay finite: the model is stored as JSON and in DynamoDB.
    let bound = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < n; i++) {
      const value = sorted[i] as number;
      const below = lowerBound(sorted, value);
      if (below / n >= s / 5) {
        bound = value;
        break;
      }
      i = upperBound(sorted, value) - 1;
    }
    bounds.push(bound);
  }
  return bounds as unknown as QuintileBounds;
}

/** Score 1–5 of a value against bounds where higher is better. */
export function scoreHigherIsBetter(value: number, bounds: QuintileBounds): number {
  return 1 + bounds.filter((bound) => value >= bound).length;
}

/** Score 1–5 of a recency in days against recency bounds (fewer days is better). */
export function scoreRecency(days: number, bounds: QuintileBounds): number {
  return 1 + bounds.filter((bound) => days <= bound).length;
}

/** Bounds for recency: computed on negated days so that "higher is better" holds, then turned back. */
export function recencyBounds(days: readonly number[]): QuintileBounds {
  return quintileBounds(days.map((d) => -d)).map((bound) => -bound) as unknown as QuintileBounds;
}

export function rfmThresholds(
  customers: readonly { readonly recencyDays: number; readonly frequency: number; readonly monetary: number }[],
): RfmThresholds {
  return {
    recencyDays: recencyBounds(customers.map((c) => c.recencyDays)),
    frequency: quintileBounds(customers.map((c) => c.frequency)),
    monetary: quintileBounds(customers.map((c) => c.monetary)),
    customers: customers.length,
  };
}

export function rfmScore(
  customer: { readonly recencyDays: number; readonly frequency: number; readonly monetary: number },
  thresholds: RfmThresholds,
): RfmScore {
  const r = scoreRecency(customer.recencyDays, thresholds.recencyDays);
  const f = scoreHigherIsBetter(customer.frequency, thresholds.frequency);
  const m = scoreHigherIsBetter(customer.monetary, thresholds.monetary);
  return { r, f, m, segment: rfmSegment(r, Math.round((f + m) / 2)) };
}

/**
 * The named segments, on recency and the rounded mean of frequency and monetary ("FM"): the grid most
 * RFM tools use, with `lost` split off the bottom corner of `hibernating`.
 *
 * | R \ FM | 1 | 2 | 3 | 4 | 5 |
 * | --- | --- | --- | --- | --- | --- |
 * | 5 | new | potential loyalists | potential loyalists | champions | champions |
 * | 4 | promising | potential loyalists | potential loyalists | loyal | loyal |
 * | 3 | about to sleep | about to sleep | need attention | loyal | loyal |
 * | 2 | hibernating | hibernating | at risk | at risk | cannot lose them |
 * | 1 | lost | hibernating | at risk | at risk | cannot lose them |
 */
export function rfmSegment(r: number, fm: number): RfmSegment {
  if (r >= 5 && fm >= 4) return 'champions';
  if (r >= 3 && fm >= 4) return 'loyal';
  if (r >= 4 && fm >= 2) return 'potential_loyalists';
  if (r === 5) return 'new';
  if (r === 4) return 'promising';
  if (r === 3 && fm === 3) return 'need_attention';
  if (r === 3) return 'about_to_sleep';
  if (fm === 5) return 'cannot_lose_them';
  if (fm >= 3) return 'at_risk';
  if (r === 1 && fm === 1) return 'lost';
  return 'hibernating';
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
