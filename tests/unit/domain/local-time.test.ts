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

  it('reads the wall clock Intl reads, every few minutes around clock changes and in every century kept', () => {
    // Zones whose clocks change by an hour, by half an hour (Lord Howe), twice a month apart (Casablanca
    // around Ramadan), or at odd offsets (Kathmandu, Chatham, St John's), and Kiritimati, which skipped a day.
    const zones = [
      'America/New_York',
      'Europe/Paris',
      'Australia/Lord_Howe',
      'Africa/Casablanca',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/St_Johns',
      'Pacific/Kiritimati',
      'UTC',
    ];
    const formats = new Map(
      zones.map((timeZone) => [
        timeZone,
        new Intl.DateTimeFormat('en-US', {
          timeZone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }),
      ]),
    );
    const intl = (instant: Date, timeZone: string) => {
      const parts = Object.fromEntries(
        (formats.get(timeZone) as Intl.DateTimeFormat)
          .formatToParts(instant)
          .map((part) => [part.type, Number(part.value)]),
      );
      const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
      const [hour, minute, second] = [Number(parts.hour), Number(parts.minute), Number(parts.second)];
      return { year, month, day, hour, minute, second, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
    };
    const instants: number[] = [];
    // Every 4 minutes, 59 seconds and 7 ms through 2026's spring and autumn nights of the northern and southern zones,
    // and through 1994-12-31 (Kiritimati's missing day), then an instant every 13 days from 1900 to 2300.
    for (const from of [
      '2026-03-07',
      '2026-03-28',
      '2026-04-04',
      '2026-10-03',
      '2026-10-24',
      '2026-10-31',
      '1994-12-30',
    ]) {
      const start = Date.parse(`${from}T00:00:00Z`);
      for (let t = start; t < start + 2 * 86_400_000; t += 299_007) instants.push(t);
    }
    for (let t = Date.UTC(1900, 0, 1, 0, 0, 0, 1); t < Date.UTC(2300, 0, 1); t += 13 * 86_400_000 + 3_599_999) {
      instants.push(t);
    }
    let differences = 0;
    for (const timeZone of zones) {
      for (const t of instants) {
        const instant = new Date(t);
        if (JSON.stringify(wallClock(instant, timeZone)) !== JSON.stringify(intl(instant, timeZone))) differences++;
      }
    }
    expect(differences).toBe(0);
    expect(wallClock(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toMatchObject({ hour: 3 });
  });
});
