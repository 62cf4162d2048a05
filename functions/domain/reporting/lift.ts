import type { JourneyCounters } from '../../ports/customer-store.js';

/**
 * Lift: a journey's treated group (the runs that went into a variant of a split with a holdout) against
 * its holdout (the runs that got nothing), on the goal's conversion and on revenue per customer, each with
 * a 95 % interval. Pure arithmetic on the journey's counters (docs/campaigns.md, "Lift").
 */

/** Fewer runs than this in either group: not enough data to say anything. */
export const LIFT_MINIMUM_GROUP = 30;

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

export interface LiftGroup {
  /** Runs in the group. */
  readonly customers: number;
  /** Runs with an order in the goal window after the split. */
  readonly converted: number;
  /** Their revenue, reporting minor units. */
  readonly revenue: number;
  /** Σ (revenue / 100)², see {@link revenueSquare}. */
  readonly revenueSquares: number;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface LiftFigures {
  readonly treated: LiftGroup;
  readonly holdout: LiftGroup;
  /** False below {@link LIFT_MINIMUM_GROUP} in either group: the figures below are then left out. */
  readonly enough: boolean;
  readonly conversion?: {
    readonly treatedRate: number;
    readonly holdoutRate: number;
    /** treated − holdout, as a share (0.05 = 5 points). */
    readonly difference: number;
    /** Newcombe's hybrid score interval of the difference. */
    readonly interval: Interval;
    /** difference / holdout rate; undefined when nobody in the holdout converted. */
    readonly relative?: number | undefined;
  };
  readonly revenuePerCustomer?: {
    /** Reporting minor units per customer of the group. */
    readonly treated: number;
    readonly holdout: number;
    readonly difference: number;
    /** Welch's interval of the difference. */
    readonly interval: Interval;
  };
  readonly verdict: LiftVerdict;
}

export type LiftVerdict = 'not_enough_data' | 'higher' | 'lower' | 'no_difference_shown';

/**
 * What one order adds to a group's sum of squares: (revenue / 100)², rounded. In hundreds of minor units
 * so that a store's whole history stays an exact integer counter (below 2^53): a rounding of at most half
 * a unit² per order, nothing beside the spread of order values.
 */
export function revenueSquare(revenue: number): number {
  return Math.round((revenue / 100) ** 2);
}

/** The two groups of a journey from its counters; undefined when it never split anyone into a holdout. */
export function liftGroups(
  counters: JourneyCounters,
): { readonly treated: LiftGroup; readonly holdout: LiftGroup } | undefined {
  const n = (value: unknown) => Number(value ?? 0);
  if (n(counters.holdoutEntered) === 0 && n(counters.treated) === 0) return undefined;
  return {
    treated: {
      customers: n(counters.treated),
      converted: n(counters.treatedConverted),
      revenue: n(counters.treatedRevenue),
      revenueSquares: n(counters.treatedRevenueSquares),
    },
    holdout: {
      customers: n(counters.holdoutEntered),
      converted: n(counters.holdoutConverted),
      revenue: n(counters.holdoutRevenue),
      revenueSquares: n(counters.holdoutRevenueSquares),
    },
  };
}

/** The lift of the treated group over the holdout. */
export function liftOf(treated: LiftGroup, holdout: LiftGroup): LiftFigures {
  if (treated.customers < LIFT_MINIMUM_GROUP || holdout.customers < LIFT_MINIMUM_GROUP)
    return { treated, holdout, enough: false, verdict: 'not_enough_data' };
  const conversion = conversionDifference(treated, holdout);
  const revenuePerCustomer = revenueDifference(treated, holdout);
  const { low, high } = conversion.interval;
  const verdict = low > 0 ? 'higher' : high < 0 ? 'lower' : 'no_difference_shown';
  return { treated, holdout, enough: true, conversion, revenuePerCustomer, verdict };
}

/** Wilson's score interval of a proportion x / n at 95 %. */
export function wilsonInterval(x: number, n: number): Interval {
  const p = x / n;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * p₁ − p₂ with Newcombe's hybrid score interval (his method 10): from the Wilson intervals (l₁, u₁) and
 * (l₂, u₂) of each rate, low = d − √((p₁ − l₁)² + (u₂ − p₂)²), high = d + √((u₁ − p₁)² + (p₂ − l₂)²).
 * Unlike Wald's, it stays inside [−1, 1] and behaves with rates near 0, as conversion rates are.
 */
export function conversionDifference(treated: LiftGroup, holdout: LiftGroup): NonNullable<LiftFigures['conversion']> {
  const converted = (group: LiftGroup) => Math.min(group.converted, group.customers);
  const p1 = converted(treated) / treated.customers;
  const p2 = converted(holdout) / holdout.customers;
  const w1 = wilsonInterval(converted(treated), treated.customers);
  const w2 = wilsonInterval(converted(holdout), holdout.customers);
  const difference = p1 - p2;
  return {
    treatedRate: p1,
    holdoutRate: p2,
    difference,
    interval: {
      low: difference - Math.hypot(p1 - w1.low, w2.high - p2),
      high: difference + Math.hypot(w1.high - p1, p2 - w2.low),
    },
    relative: p2 === 0 ? undefined : difference / p2,
  };
}

/**
 * Revenue per customer of each group (every customer of the group, converted or not) and Welch's
 * interval of the difference: s² = (Σx² − (Σx)²/n) / (n − 1) per group, se = √(s₁²/n₁ + s₂²/n₂), ν by
 * Welch–Satterthwaite, and the difference ± t(0.975, ν)·se.
 */
export function revenueDifference(
  treated: LiftGroup,
  holdout: LiftGroup,
): NonNullable<LiftFigures['revenuePerCustomer']> {
  const mean = (group: LiftGroup) => group.revenue / group.customers;
  const variance = (group: LiftGroup) => {
    const squares = group.revenueSquares * 10_000; // back to minor units²
    return Math.max(0, (squares - (group.revenue * group.revenue) / group.customers) / (group.customers - 1));
  };
  const difference = mean(treated) - mean(holdout);
  const a = variance(treated) / treated.customers;
  const b = variance(holdout) / holdout.customers;
  const se = Math.sqrt(a + b);
  if (se === 0) return { treated: mean(treated), holdout: mean(holdout), difference, interval: point(difference) };
  const df = (a + b) ** 2 / (a ** 2 / (treated.customers - 1) + b ** 2 / (holdout.customers - 1));
  const half = studentT975(df) * se;
  return {
    treated: mean(treated),
    holdout: mean(holdout),
    difference,
    interval: { low: difference - half, high: difference + half },
  };
}

function point(value: number): Interval {
  return { low: value, high: value };
}

/**
 * The 97.5 % quantile of Student's t with ν degrees of freedom, by the Cornish–Fisher expansion around
 * the normal's (Abramowitz and Stegun 26.7.5): within 0.001 of the exact value from ν = 10 (2.2281 for
 * ν = 10, 2.0452 for ν = 29), and ν is at least 29 here, both groups holding 30 or more.
 */
export function studentT975(df: number): number {
  const z = Z95;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}
