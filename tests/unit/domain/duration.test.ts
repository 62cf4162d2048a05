import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCalendarDuration,
  addDuration,
  DurationSchema,
  daysInMonth,
  parseCalendarDuration,
  parseDuration,
} from '../../../functions/domain/duration.js';
import { wallClock } from '../../../functions/domain/schedule/local-time.js';

/** Fixed, and printed when a property fails. */
const SEED = 20261206;

function check<T>(property: fc.IProperty<T>): void {
  try {
    fc.assert(property, { seed: SEED, numRuns: 500 });
  } catch (error) {
    throw new Error(`property failed with seed ${SEED}\n${(error as Error).message}`);
  }
}

describe('ISO 8601 durations', () => {
  it('answers the same for a text met before, and no caller can change the answer', () => {
    const first = parseCalendarDuration('P1M2D');
    expect(parseCalendarDuration('P1M2D')).toEqual({ months: 1, ms: 2 * 86_400_000 });
    expect(() => {
      (first as { months: number }).months = 5;
    }).toThrow(TypeError);
    expect(parseCalendarDuration('P1M2D')).toEqual({ months: 1, ms: 2 * 86_400_000 });
    expect(parseCalendarDuration('P1X')).toBeUndefined();
    expect(parseCalendarDuration('P1X')).toBeUndefined();
    expect(parseCalendarDuration(`P${'1'.repeat(80)}D`)?.ms).toBe(Number('1'.repeat(80)) * 86_400_000);
  });

  it.each([
    ['P2D', 2 * 86_400_000],
    ['PT1H', 3_600_000],
    ['PT30M', 1_800_000],
    ['P1DT12H', 36 * 3_600_000],
    ['P2W', 14 * 86_400_000],
    ['PT45S', 45_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['P', 'PT', '2D', 'P1M', 'P1Y', 'P-1D', 'P1.5D', '', 'PT1H '])('as a fixed length, refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('adds a duration to a time', () => {
    expect(addDuration(new Date('2026-03-28T12:00:00Z'), 'P2D').toISOString()).toBe('2026-03-30T12:00:00.000Z');
  });
});

describe('calendar durations', () => {
  it('splits months and years from the fixed part', () => {
    expect(parseCalendarDuration('P1Y')).toEqual({ months: 12, ms: 0 });
    expect(parseCalendarDuration('P1Y2M3DT4H')).toEqual({ months: 14, ms: 3 * 86_400_000 + 4 * 3_600_000 });
    expect(parseCalendarDuration('P2D')).toEqual({ months: 0, ms: 2 * 86_400_000 });
    expect(parseCalendarDuration('P1M1Y')).toBeUndefined();
    expect(parseCalendarDuration('P-1M')).toBeUndefined();
  });

  it('a fixed-length duration field refuses months and years, saying why', () => {
    const result = DurationSchema.safeParse('P1M');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/months and years are not allowed here/);
  });

  it.each([
    ['2027-01-31T10:00:00Z', 'P1M', 'UTC', '2027-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00Z', 'P1M', 'UTC', '2028-02-29T10:00:00.000Z'],
    ['2028-02-29T10:00:00Z', 'P1Y', 'UTC', '2029-02-28T10:00:00.000Z'],
    ['2028-02-29T10:00:00Z', 'P4Y', 'UTC', '2032-02-29T10:00:00.000Z'],
    ['2027-12-15T10:00:00Z', 'P1M', 'UTC', '2028-01-15T10:00:00.000Z'],
    ['2027-01-31T10:00:00Z', 'P1M1D', 'UTC', '2027-03-01T10:00:00.000Z'],
    // 23:30 on 31 March in New York is 03:30 UTC on 1 April: the month is New York's.
    ['2027-04-01T03:30:00Z', 'P1M', 'America/New_York', '2027-05-01T03:30:00.000Z'],
    // Across a clock change the local time of day stays: 09:00 in Berlin in winter, then in summer.
    ['2027-03-15T08:00:00Z', 'P1M', 'Europe/Berlin', '2027-04-15T07:00:00.000Z'],
  ])('%s + %s in %s is %s', (from, duration, zone, expected) => {
    expect(addCalendarDuration(new Date(from), duration, zone).toISOString()).toBe(expected);
  });

  it('n months at once keep the day: three months after 31 January is 30 April', () => {
    expect(addCalendarDuration(new Date('2027-01-31T10:00:00Z'), 'P1M', 'UTC', 3).toISOString()).toBe(
      '2027-04-30T10:00:00.000Z',
    );
  });

  const zones = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata');
  // Local noon, far from any clock change, on any day of 1990–2090.
  const start = fc.record({
    year: fc.integer({ min: 1990, max: 2090 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  });
  const noonIn = (date: { year: number; month: number; day: number }, zone: string): Date => {
    const day = Math.min(date.day, daysInMonth(date.year, date.month));
    const guess = Date.UTC(date.year, date.month - 1, day, 12);
    const wall = wallClock(new Date(guess), zone);
    return new Date(guess - (Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) - guess));
  };

  it('property: n months later is the same day, or the last day of a shorter month, at the same local time', () => {
    check(
      fc.property(start, fc.integer({ min: 0, max: 240 }), zones, (date, n, zone) => {
        const from = noonIn(date, zone);
        const before = wallClock(from, zone);
        const after = wallClock(addCalendarDuration(from, `P${n}M`, zone), zone);
        const months = before.year * 12 + before.month - 1 + n;
        expect(after.year).toBe(Math.floor(months / 12));
        expect(after.month).toBe((months % 12) + 1);
        expect(after.day).toBe(Math.min(before.day, daysInMonth(after.year, after.month)));
        expect([after.hour, after.minute]).toEqual([before.hour, before.minute]);
      }),
    );
  });

  it('property: a year is twelve months, and years from 29 February land on 28 February in common years', () => {
    check(
      fc.property(start, fc.integer({ min: 0, max: 40 }), zones, (date, n, zone) => {
        const from = noonIn(date, zone);
        expect(addCalendarDuration(from, 'P1Y', zone, n)).toEqual(addCalendarDuration(from, `P${12 * n}M`, zone));
      }),
    );
    check(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 12 }), (leap, n) => {
        const from = new Date(Date.UTC(2000 + 4 * (leap % 25), 1, 29, 12));
        const after = addCalendarDuration(from, 'P1Y', 'UTC', n);
        const year = from.getUTCFullYear() + n;
        const isLeap = daysInMonth(year, 2) === 29;
        expect([after.getUTCMonth(), after.getUTCDate()]).toEqual([1, isLeap ? 29 : 28]);
      }),
    );
  });

  it('property: later starts never end earlier, and months never go back in time', () => {
    check(
      fc.property(
        start,
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 36 }),
        zones,
        (date, gap, n, zone) => {
          const a = noonIn(date, zone);
          const b = new Date(a.getTime() + gap * 86_400_000);
          const duration = `P${n}M`;
          expect(addCalendarDuration(b, duration, zone).getTime()).toBeGreaterThanOrEqual(
            addCalendarDuration(a, duration, zone).getTime(),
          );
          expect(addCalendarDuration(a, duration, zone).getTime()).toBeGreaterThan(a.getTime());
        },
      ),
    );
  });

  it('without months or years it adds elapsed time, as before', () => {
    const from = new Date('2027-03-27T12:00:00Z');
    expect(addCalendarDuration(from, 'P2DT1H', 'Europe/Berlin')).toEqual(addDuration(from, 'P2DT1H'));
  });
});
