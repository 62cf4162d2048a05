import { describe, expect, it } from 'vitest';
import { addDuration, parseDuration } from '../../../functions/domain/duration.js';

describe('ISO 8601 durations', () => {
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

  it.each(['P', 'PT', '2D', 'P1M', 'P1Y', 'P-1D', 'P1.5D', '', 'PT1H '])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('adds a duration to a time', () => {
    expect(addDuration(new Date('2026-03-28T12:00:00Z'), 'P2D').toISOString()).toBe('2026-03-30T12:00:00.000Z');
  });
});
