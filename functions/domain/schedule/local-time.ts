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
  const time = instant.getTime();
  if (time >= KEPT_FROM && time < KEPT_UNTIL) {
    const offset = hourOffset(Math.floor(time / HOUR_MS), timeZone);
    if (offset !== undefined) return wallClockAt(time + offset);
  }
  return intlWallClock(instant, timeZone);
}

/** What Intl says the wall clock shows: the definition {@link wallClock} keeps to. */
function intlWallClock(instant: Date, timeZone: string): WallClock {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  return { year, month, day, hour, minute, second, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** The fields of a local time given as milliseconds since the epoch of the local calendar. */
function wallClockAt(local: number): WallClock {
  const date = new Date(local);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: date.getUTCDay(),
  };
}

/**
 * A zone's offset from UTC is the same at every instant of a UTC hour whose first and last milliseconds
 * have the same offset: a zone's offset changes only at its transitions, and no zone changes twice within
 * an hour (a change undone within the hour would be no change). For such an hour the wall clock is the UTC
 * fields of the instant plus the offset, which is how Intl computes it; Intl is asked twice per zone and hour
 * instead of at every call. An hour with a transition in it is left to Intl, instant by instant.
 * Kept for 1971–2199 only, where Intl writes the year as four plain digits; bounded over all zones.
 */
const offsets = new Map<string, Map<number, number | undefined>>();
const HOUR_MS = 3_600_000;
const KEPT_FROM = Date.UTC(1971, 0, 1);
const KEPT_UNTIL = Date.UTC(2200, 0, 1);
/** Hours kept over all zones, at most: then the whole cache starts again. */
const MAX_KEPT_HOURS = 100_000;
let keptHours = 0;

function hourOffset(hour: number, timeZone: string): number | undefined {
  const hours = offsets.get(timeZone);
  if (hours?.has(hour)) return hours.get(hour);
  const start = hour * HOUR_MS;
  // Throws, before anything is kept, for a zone Intl does not know.
  const first = intlOffsetMs(start, timeZone);
  const offset = first === intlOffsetMs(start + HOUR_MS - 1, timeZone) ? first : undefined;
  if (keptHours >= MAX_KEPT_HOURS) {
    offsets.clear();
    keptHours = 0;
  }
  const kept = offsets.get(timeZone);
  if (kept === undefined) offsets.set(timeZone, new Map([[hour, offset]]));
  else kept.set(hour, offset);
  keptHours++;
  return offset;
}

/** Offset of `timeZone` at `time` as Intl shows it, to the second (every zone's offsets are whole seconds). */
function intlOffsetMs(time: number, timeZone: string): number {
  const wall = intlWallClock(new Date(time), timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(time / 1000) * 1000;
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
