import { describe, expect, it } from 'vitest';
import {
  quintileBounds,
  recencyBounds,
  rfmScore,
  rfmSegment,
  rfmThresholds,
  scoreHigherIsBetter,
  scoreRecency,
} from '../../../functions/domain/intelligence/rfm.js';

describe('RFM quintiles', () => {
  it('distinct values split into five equal groups', () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    const bounds = quintileBounds(values);
    expect(bounds).toEqual([3, 5, 7, 9]);
    expect(values.map((v) => scoreHigherIsBetter(v, bounds))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('ties get the same, lower score: 60% one-time buyers all score F = 1', () => {
    const frequency = [...Array(60).fill(1), ...Array(25).fill(2), ...Array(15).fill(3)];
    const bounds = quintileBounds(frequency);
    expect(scoreHigherIsBetter(1, bounds)).toBe(1);
    expect(scoreHigherIsBetter(2, bounds)).toBe(4);
    expect(scoreHigherIsBetter(3, bounds)).toBe(5);
  });

  it('a value exactly on a boundary takes the higher quintile; all-equal values all score 1', () => {
    const bounds = quintileBounds([10, 20, 30, 40, 50]);
    expect([10, 20, 30, 40, 50].map((v) => scoreHigherIsBetter(v, bounds))).toEqual([1, 2, 3, 4, 5]);
    const flat = quintileBounds([7, 7, 7, 7]);
    expect(scoreHigherIsBetter(7, flat)).toBe(1);
    expect(flat).toEqual([
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    ]);
  });

  it('recency scores fewer days higher', () => {
    const days = [1, 5, 10, 30, 60, 90, 120, 200, 300, 400];
    const bounds = recencyBounds(days);
    expect(days.map((d) => scoreRecency(d, bounds))).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });
});

describe('RFM segments', () => {
  it('follows the documented grid at every corner', () => {
    expect(rfmSegment(5, 5)).toBe('champions');
    expect(rfmSegment(5, 1)).toBe('new');
    expect(rfmSegment(4, 1)).toBe('promising');
    expect(rfmSegment(4, 5)).toBe('loyal');
    expect(rfmSegment(3, 3)).toBe('need_attention');
    expect(rfmSegment(3, 1)).toBe('about_to_sleep');
    expect(rfmSegment(2, 3)).toBe('at_risk');
    expect(rfmSegment(1, 5)).toBe('cannot_lose_them');
    expect(rfmSegment(2, 2)).toBe('hibernating');
    expect(rfmSegment(1, 1)).toBe('lost');
    expect(rfmSegment(5, 3)).toBe('potential_loyalists');
  });

  it('scores a customer against the store thresholds', () => {
    const store = Array.from({ length: 50 }, (_, i) => ({
      recencyDays: i * 5,
      frequency: 1 + (i % 5),
      monetary: 1000 * (i + 1),
    }));
    const thresholds = rfmThresholds(store);
    expect(rfmScore({ recencyDays: 0, frequency: 5, monetary: 50_000 }, thresholds)).toEqual({
      r: 5,
      f: 5,
      m: 5,
      segment: 'champions',
    });
    expect(rfmScore({ recencyDays: 400, frequency: 1, monetary: 500 }, thresholds)).toEqual({
      r: 1,
      f: 1,
      m: 1,
      segment: 'lost',
    });
  });
});
