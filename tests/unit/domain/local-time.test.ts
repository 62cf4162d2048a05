import { describe, expect, it } from 'vitest';
import {
  instantAt,
  inWindow,
  nextTimeInWindow,
  parseClockTime,
  wallClock,
} from '../../../functions/domain/schedule/local-time.js';

describe('local time', () => {
  it('reads the wall clock in a zone', () => {
    expect(wallClock(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toMatchObject({
      hour: 14,
      minute: 0,
      weekday: 3,
    });
    expect(wallClock(new Date('2026-01-01T03:30:00Z'), 'America/New_York')).toMatchObject({
      year: 2025,
      month: 12,
      day: 31,
      hour: 22,
      minute: 30,
    });
  });

  it('finds the instant of a local time, across daylight saving changes', () => {
    expect(instantAt({ year: 2026, month: 3, day: 28 }, parseClockTime('08:00'), 'Europe/Paris').toISOString()).toBe(
      '2026-03-28T07:00:00.000Z',
    );
    expect(instantAt({ year: 2026, month: 3, day: 29 }, parseClockTime('08:00'), 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
    // 02:30 does not exist in Paris on 29 March 2026: moved forward by the hour skipped, to 03:30 CEST.
    expect(instantAt({ year: 2026, month: 3, day: 29 }, parseClockTime('02:30'), 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // 01:30 happens twice in New York on 1 November 2026: the first one.
    expect(
      instantAt({ year: 2026, month: 11, day: 1 }, parseClockTime('01:30'), 'America/New_York').toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
  });

  it('windows may cross midnight', () => {
    const [start, end] = [parseClockTime('21:00'), parseClockTime('08:00')];
    expect(inWindow(parseClockTime('23:59'), start, end)).toBe(true);
    expect(inWindow(parseClockTime('07:59'), start, end)).toBe(true);
    expect(inWindow(parseClockTime('08:00'), start, end)).toBe(false);
    expect(inWindow(parseClockTime('12:00'), parseClockTime('09:00'), parseClockTime('17:00'))).toBe(true);
  });

  it('the next instant inside a window, in the customer zone', () => {
    const nine = parseClockTime('09:00');
    const noon = parseClockTime('12:00');
    // 14:00 in Tokyo: next 09:00 Tokyo is the next day.
    expect(nextTimeInWindow(new Date('2026-05-01T05:00:00Z'), 'Asia/Tokyo', nine, noon).toISOString()).toBe(
      '2026-05-02T00:00:00.000Z',
    );
    // 10:00 in Tokyo: already inside.
    expect(nextTimeInWindow(new Date('2026-05-01T01:00:00Z'), 'Asia/Tokyo', nine, noon).toISOString()).toBe(
      '2026-05-01T01:00:00.000Z',
    );
    // 06:00 in Tokyo: later the same day.
    expect(nextTimeInWindow(new Date('2026-04-30T21:00:00Z'), 'Asia/Tokyo', nine, noon).toISOString()).toBe(
      '2026-05-01T00:00:00.000Z',
    );
  });
});
