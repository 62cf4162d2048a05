import { z } from 'zod';

/**
 * ISO 8601 durations limited to fixed-length units (weeks, days, hours, minutes, seconds), e.g. `P2D`,
 * `PT1H`, `P1DT12H`, `P2W`. Months and years are refused: their length depends on the calendar, and a
 * journey that waits "one month" should say how many days it means.
 */
const PATTERN =
  /^P(?:(?<weeks>\d+)W)?(?:(?<days>\d+)D)?(?:T(?:(?<hours>\d+)H)?(?:(?<minutes>\d+)M)?(?:(?<seconds>\d+)S)?)?$/;

const MS = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1_000 };

/** Milliseconds in an ISO 8601 duration, or `undefined` when the text is not one we accept. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text);
  if (!match?.groups || text === 'P' || text.endsWith('T')) return undefined;
  let total = 0;
  for (const [unit, ms] of Object.entries(MS)) {
    const value = match.groups[unit];
    if (value !== undefined) total += Number(value) * ms;
  }
  return total;
}

/** A zod schema for a duration string; keeps the text so that configs and journeys stay readable. */
export const DurationSchema = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: 'expected an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as P2D or PT1H',
});

/** Milliseconds of a duration that was already validated by {@link DurationSchema}. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a supported ISO 8601 duration: ${text}`);
  return ms;
}

/** `at` plus the duration, as a Date. */
export function addDuration(at: Date, duration: string): Date {
  return new Date(at.getTime() + durationMs(duration));
}
