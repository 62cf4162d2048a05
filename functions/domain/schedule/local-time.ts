/**
 * Local time in a customer's time zone, with the standard library only (Intl): what time it is there,
 * and the next instant the wall clock there shows a given time. Daylight saving is handled the way people
 * live it: a wall time skipped by a spring-forward is moved forward by the length of the gap (02:30 on
 * the night clocks go from 02:00 to 03:00 becomes 03:30, as calendars and Temporal's "compatible" mode
 * do), a wall time repeated by a fall-back happens the first time.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

/** The wall clock in `timeZone` at `instant`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  return {
    year,
    month,
    day,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
export function offsetMs(instant: Date, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows `hh:mm` on the given local date. A time that
 * does not exist that day (spring forward) is moved forward by the gap; a time that exists twice (fall
 * back) gives the first one.
 */
export function instantAt(date: { year: number; month: number; day: number }, minutes: number, timeZone: string): Date {
  return instantsAt(date, minutes, timeZone)[0] as Date;
}

/**
 * Every instant at which the wall clock in `timeZone` shows `hh:mm` on the given local date, earliest
 * first: one on most days, two for a time a fall-back repeats, and for a time a spring-forward skips, the
 * one instant it is moved forward to.
 */
export function instantsAt(
  date: { year: number; month: number; day: number },
  minutes: number,
  timeZone: string,
): Date[] {
  const wanted = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minutes / 60), minutes % 60);
  // Two offsets around the wanted time cover both sides of any transition that day.
  const candidates = [
    wanted - offsetMs(new Date(wanted - 86_400_000 / 2), timeZone),
    wanted - offsetMs(new Date(wanted + 86_400_000 / 2), timeZone),
  ];
  const exact = [
    ...new Set(
      candidates.filter((instant) => {
        const wall = wallClock(new Date(instant), timeZone);
        return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) === wanted;
      }),
    ),
  ].sort((a, b) => a - b);
  if (exact.length > 0) return exact.map((instant) => new Date(instant));
  // In a gap: the clock jumps over the wanted time; the later candidate is the time moved forward by the gap.
  return [new Date(Math.max(...candidates))];
}

/** `"HH:MM"` to minutes after midnight. */
export function parseClockTime(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new RangeError(`not a time of day: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Minutes after midnight of the wall clock at `instant` in `timeZone`. */
export function minutesOfDay(instant: Date, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  return wall.hour * 60 + wall.minute;
}

/** The local calendar date `days` after the wall-clock date of `instant`. */
export function localDatePlus(
  instant: Date,
  timeZone: string,
  days: number,
): { year: number; month: number; day: number } {
  const wall = wallClock(instant, timeZone);
  const shifted = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Whether minute `m` of the day lies in the window [start, end), which may cross midnight. */
export function inWindow(m: number, start: number, end: number): boolean {
  return start <= end ? m >= start && m < end : m >= start || m < end;
}

/**
 * The first instant at or after `from` when the local wall clock is inside [start, end) (a window that
 * may cross midnight). `from` itself when it already is.
 */
export function nextTimeInWindow(from: Date, timeZone: string, start: number, end: number): Date {
  if (inWindow(minutesOfDay(from, timeZone), start, end)) return from;
  for (let days = 0; days <= 2; days++) {
    // A start the fall-back night shows twice counts twice: after the first has passed, the second comes.
    const candidate = instantsAt(localDatePlus(from, timeZone, days), start, timeZone).find((at) => at > from);
    if (candidate) return candidate;
  }
  return instantAt(localDatePlus(from, timeZone, 1), start, timeZone);
}
