import { instantAt, wallClock } from './schedule/local-time.js';
import * as z from './zod.js';

/**
 * ISO 8601 durations, e.g. `P2D`, `PT1H`, `P1DT12H`, `P2W`, and, where a journey counts in the calendar,
 * `P1M`, `P1Y` or `P1Y2M3D`. Weeks, days, hours, minutes and seconds are fixed lengths (a day is 24
 * hours). Months and years are calendar units: their length depends on the date they are added to, so they
 * are accepted only where a time zone is known ({@link CalendarDurationSchema}, {@link addCalendarDuration})
 * and refused everywhere else ({@link DurationSchema}).
 */
const PATTERN =
  /^P(?:(?<years>\d+)Y)?(?:(?<months>\d+)M)?(?:(?<weeks>\d+)W)?(?:(?<days>\d+)D)?(?:T(?:(?<hours>\d+)H)?(?:(?<minutes>\d+)M)?(?:(?<seconds>\d+)S)?)?$/;

const MS = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1_000 };

/** A duration split into its calendar part (months; a year is 12) and its fixed part (milliseconds). */
export interface CalendarDuration {
  readonly months: number;
  readonly ms: number;
}

/** The calendar and fixed parts of an ISO 8601 duration, or `undefined` when the text is not one we accept. */
export function parseCalendarDuration(text: string): CalendarDuration | undefined {
  // Journeys and configuration name a handful of durations, parsed again at every step and every event.
  const known = parsedDurations.get(text);
  if (known !== undefined || parsedDurations.has(text)) return known;
  const parsed = parseUncached(text);
  if (text.length <= MAX_KEPT_DURATION_LENGTH) {
    if (parsedDurations.size >= MAX_KEPT_DURATIONS) parsedDurations.clear();
    parsedDurations.set(text, parsed);
  }
  return parsed;
}

/** What {@link parseCalendarDuration} answered for the texts it met last (frozen: the answer is shared). */
const parsedDurations = new Map<string, CalendarDuration | undefined>();
const MAX_KEPT_DURATIONS = 256;
const MAX_KEPT_DURATION_LENGTH = 64;

function parseUncached(text: string): CalendarDuration | undefined {
  const match = PATTERN.exec(text);
  if (!match?.groups || text === 'P' || text.endsWith('T')) return undefined;
  let ms = 0;
  for (const [unit, length] of Object.entries(MS)) {
    const value = match.groups[unit];
    if (value !== undefined) ms += Number(value) * length;
  }
  const months = Number(match.groups.years ?? 0) * 12 + Number(match.groups.months ?? 0);
  return Object.freeze({ months, ms });
}

/** Milliseconds in a fixed-length ISO 8601 duration; `undefined` when the text is not one, or counts months or years. */
export function parseDuration(text: string): number | undefined {
  const parsed = parseCalendarDuration(text);
  return parsed === undefined || parsed.months > 0 ? undefined : parsed.ms;
}

/** A zod schema for a fixed-length duration; keeps the text so that configs and journeys stay readable. */
export const DurationSchema = z.string().check(
  z.superRefine((text, context) => {
    if (parseDuration(text) !== undefined) return;
    context.addIssue({
      code: 'custom',
      message:
        (parseCalendarDuration(text)?.months ?? 0) > 0
          ? 'months and years are not allowed here, their length depends on the calendar: give weeks or days, such as P30D'
          : 'expected an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as P2D or PT1H',
    });
  }),
);

/** A zod schema for a duration that may count in months and years, for what is added in a customer's time zone. */
export const CalendarDurationSchema = z.string().check(
  z.refine((text) => parseCalendarDuration(text) !== undefined, {
    message: 'expected an ISO 8601 duration such as P1Y, P1M, P2D or PT1H',
  }),
);

/** A non-empty calendar duration: something that repeats must move on. */
export const RecurrenceSchema = CalendarDurationSchema.check(
  z.refine(
    (text) => {
      const parsed = parseCalendarDuration(text);
      return parsed === undefined || parsed.months > 0 || parsed.ms > 0;
    },
    { message: 'a recurrence must be longer than zero, such as P1Y or P1M' },
  ),
);

/** Milliseconds of a duration that was already validated by {@link DurationSchema}. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a supported ISO 8601 duration: ${text}`);
  return ms;
}

/** `at` plus the fixed-length duration, as a Date. */
export function addDuration(at: Date, duration: string): Date {
  return new Date(at.getTime() + durationMs(duration));
}

/**
 * `at` plus `times` times the duration, in calendar terms in `timeZone`: months and years move the local
 * date, keeping the local time of day, and a day the target month lacks becomes its last day (a month
 * after 31 January is the last day of February; a year after 29 February is 28 February in a common year).
 * The fixed part (weeks, days, hours…) is added after, as elapsed time, as {@link addDuration} does.
 * Multiplying, rather than adding `times` times, keeps the day: three months after 31 January is 30 April,
 * not 28 April. A local time skipped by a clock change moves forward by the gap, as everywhere else.
 */
export function addCalendarDuration(at: Date, duration: string, timeZone: string, times = 1): Date {
  const parsed = parseCalendarDuration(duration);
  if (parsed === undefined) throw new RangeError(`not a supported ISO 8601 duration: ${duration}`);
  return addCalendarParts(at, { months: parsed.months * times, ms: parsed.ms * times }, timeZone);
}

/** `at` plus the calendar parts, as {@link addCalendarDuration} describes. */
export function addCalendarParts(at: Date, parts: CalendarDuration, timeZone: string): Date {
  if (parts.months === 0) return new Date(at.getTime() + parts.ms);
  const wall = wallClock(at, timeZone);
  const monthIndex = wall.year * 12 + (wall.month - 1) + parts.months;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(wall.day, daysInMonth(year, month));
  const secondsAndBelow = wall.second * 1000 + (((at.getTime() % 1000) + 1000) % 1000);
  const local = instantAt({ year, month, day }, wall.hour * 60 + wall.minute, timeZone);
  return new Date(local.getTime() + secondsAndBelow + parts.ms);
}

/** Days in a month of the Gregorian calendar (`month` 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
