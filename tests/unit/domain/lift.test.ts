import { describe, expect, it } from 'vitest';
import {
  conversionDifference,
  LIFT_MINIMUM_GROUP,
  type LiftGroup,
  liftGroups,
  liftOf,
  revenueDifference,
  revenueSquare,
  studentT975,
  wilsonInterval,
} from '../../../functions/domain/reporting/lift.js';

const group = (customers: number, converted: number, revenue = 0, revenueSquares = 0): LiftGroup => ({
  customers,
  converted,
  revenue,
  revenueSquares,
});

/**
 * Treated: 200 runs, 30 converted, each with a $50.00 order (5,000 minor units; (5000/100)² = 2,500 a
 * square). Holdout: 100 runs, 8 converted, each with a $40.00 order (4,000; 1,600 a square).
 */
const treated = group(200, 30, 30 * 5000, 30 * 2500);
const holdout = group(100, 8, 8 * 4000, 8 * 1600);

describe('the conversion difference', () => {
  it("gives Newcombe's own worked examples", () => {
    // Newcombe (1998), Statistics in Medicine 17:873, method 10: 56/70 − 48/80 = 0.2000, (0.0524, 0.3339);
    // 9/10 − 3/10 = 0.6000, (0.1705, 0.8090).
    const a = conversionDifference(group(70, 56), group(80, 48));
    expect(a.difference).toBeCloseTo(0.2, 10);
    expect(a.interval.low).toBeCloseTo(0.0524, 4);
    expect(a.interval.high).toBeCloseTo(0.3339, 4);
    const b = conversionDifference(group(10, 9), group(10, 3));
    expect(b.interval.low).toBeCloseTo(0.1705, 4);
    expect(b.interval.high).toBeCloseTo(0.809, 4);
  });

  it('works the example through by hand', () => {
    // z = 1.96, z² = 3.8415.
    // Treated p₁ = 30/200 = 0.15. Wilson: d = 1 + 3.8415/200 = 1.019207; centre = (0.15 + 3.8415/400) / d
    //   = 0.159604 / 1.019207 = 0.156596; half = 1.96 × √(0.15 × 0.85 / 200 + 3.8415/160000) / d
    //   = 1.96 × √(0.0006375 + 0.0000240) / 1.019207 = 1.96 × 0.025720 / 1.019207 = 0.049460;
    //   (l₁, u₁) = (0.107136, 0.206056).
    // Holdout p₂ = 8/100 = 0.08. d = 1.038415; centre = (0.08 + 0.019207) / d = 0.095537;
    //   half = 1.96 × √(0.000736 + 0.000096) / d = 1.96 × 0.028845 / 1.038415 = 0.054444;
    //   (l₂, u₂) = (0.041093, 0.149981).
    // Difference 0.07; low = 0.07 − √((0.15 − 0.107136)² + (0.149981 − 0.08)²) = 0.07 − √(0.001837 + 0.004897)
    //   = 0.07 − 0.082065 = −0.012065; high = 0.07 + √((0.206056 − 0.15)² + (0.08 − 0.041093)²)
    //   = 0.07 + √(0.003142 + 0.001514) = 0.07 + 0.068235 = 0.138235. Relative: 0.07 / 0.08 = 0.875.
    expect(wilsonInterval(30, 200).low).toBeCloseTo(0.107136, 6);
    expect(wilsonInterval(8, 100).high).toBeCloseTo(0.149981, 6);
    const lift = conversionDifference(treated, holdout);
    expect(lift.treatedRate).toBe(0.15);
    expect(lift.holdoutRate).toBe(0.08);
    expect(lift.difference).toBeCloseTo(0.07, 10);
    expect(lift.interval.low).toBeCloseTo(-0.012065, 5);
    expect(lift.interval.high).toBeCloseTo(0.138235, 5);
    expect(lift.relative).toBeCloseTo(0.875, 10);
  });

  it('has no relative lift when nobody in the holdout converted', () => {
    expect(conversionDifference(group(100, 5), group(50, 0)).relative).toBeUndefined();
  });
});

describe('the revenue per customer difference', () => {
  it('works the example through by hand', () => {
    // Means: treated 150,000 / 200 = 750; holdout 32,000 / 100 = 320 (minor units); difference 430.
    // Treated: Σx² = 75,000 × 10⁴ = 7.5e8; (Σx)²/n = 150,000² / 200 = 1.125e8;
    //   s² = (7.5e8 − 1.125e8) / 199 = 3,203,517.6; s²/n = 16,017.588.
    // Holdout: Σx² = 12,800 × 10⁴ = 1.28e8; (Σx)²/n = 32,000² / 100 = 1.024e7;
    //   s² = (1.28e8 − 1.024e7) / 99 = 1,189,494.9; s²/n = 11,894.949.
    // se = √(16,017.588 + 11,894.949) = √27,912.537 = 167.0705.
    // ν = 27,912.537² / (16,017.588² / 199 + 11,894.949² / 99) = 7.79110e8 / (1,289,236 + 1,429,196) = 286.60;
    // t(0.975, 286.6) = 1.96828 (tables: 1.9695 at ν = 250, 1.9679 at ν = 300).
    // Interval: 430 ± 1.96828 × 167.0705 = 430 ± 328.84 → (101.16, 758.84).
    const revenue = revenueDifference(treated, holdout);
    expect(revenue.treated).toBe(750);
    expect(revenue.holdout).toBe(320);
    expect(revenue.difference).toBe(430);
    expect(revenue.interval.low).toBeCloseTo(101.16, 1);
    expect(revenue.interval.high).toBeCloseTo(758.84, 1);
  });

  it("uses Student's t, not the normal, at the group sizes it allows", () => {
    // Tables: t(0.975, 10) = 2.2281, t(0.975, 29) = 2.0452, t(0.975, 100) = 1.9840.
    expect(studentT975(10)).toBeCloseTo(2.2281, 3);
    expect(studentT975(29)).toBeCloseTo(2.0452, 4);
    expect(studentT975(100)).toBeCloseTo(1.984, 4);
  });

  it('gives a point when every customer spent the same', () => {
    const revenue = revenueDifference(group(40, 0), group(40, 0));
    expect(revenue.interval).toEqual({ low: 0, high: 0 });
  });

  it('keeps each square in hundreds of minor units', () => {
    // $50.00 → (5000 / 100)² = 2,500; $0.49 → 0.2401 → 0; $1,000,000.00 → 10⁸ minor → 10¹².
    expect(revenueSquare(5000)).toBe(2500);
    expect(revenueSquare(49)).toBe(0);
    expect(revenueSquare(100_000_000)).toBe(1e12);
  });
});

describe('the lift of a journey', () => {
  it(`says there is not enough data below ${LIFT_MINIMUM_GROUP} in either group`, () => {
    const lift = liftOf(group(500, 50), group(LIFT_MINIMUM_GROUP - 1, 1));
    expect(lift.enough).toBe(false);
    expect(lift.verdict).toBe('not_enough_data');
    expect(lift.conversion).toBeUndefined();
    expect(liftOf(group(LIFT_MINIMUM_GROUP, 3), group(LIFT_MINIMUM_GROUP, 3)).enough).toBe(true);
  });

  it('reads the interval: higher only when it is above 0', () => {
    // 60/200 − 8/100 = 0.22, (0.1283, 0.2973) by the same arithmetic: wholly above 0.
    expect(liftOf(group(200, 60), group(100, 8)).verdict).toBe('higher');
    expect(liftOf(group(100, 8), group(200, 60)).verdict).toBe('lower');
    expect(liftOf(treated, holdout).verdict).toBe('no_difference_shown');
  });

  it('reads the groups from the journey counters', () => {
    expect(liftGroups({ entered: 10, converted: 2 })).toBeUndefined();
    expect(
      liftGroups({
        treated: 200,
        treatedConverted: 30,
        treatedRevenue: 150_000,
        treatedRevenueSquares: 75_000,
        holdoutEntered: 100,
        holdoutConverted: 8,
        holdoutRevenue: 32_000,
        holdoutRevenueSquares: 12_800,
      }),
    ).toEqual({ treated, holdout });
  });
});
