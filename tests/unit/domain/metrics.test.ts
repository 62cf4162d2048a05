import { describe, expect, it } from 'vitest';
import { computeMetrics, latencyOf, median } from '../../../functions/domain/metrics.js';
import { emptyOrder, withOrderPlaced } from '../../../functions/domain/orders.js';
import { item } from '../../helpers/events.js';

const order = (id: string, placedAt: string, amount: number) =>
  withOrderPlaced(
    emptyOrder('generic', id),
    { id, placedAt, total: { amount, currency: 'USD' }, lineItems: [item('p', amount)] },
    placedAt,
  );

describe('purchase latency', () => {
  it('is computed by hand on a small case', () => {
    // Intervals: 10, 20, 30 days → mean 20, median 20, population sd 8.16…, variation 0.41.
    const latency = latencyOf([
      '2026-01-01T00:00:00Z',
      '2026-01-11T00:00:00Z',
      '2026-01-31T00:00:00Z',
      '2026-03-02T00:00:00Z',
    ]);
    expect(latency).toEqual({ meanDays: 20, medianDays: 20, stdDevDays: 8.16, variation: 0.41, intervals: 3 });
  });

  it('needs two orders', () => {
    expect(latencyOf(['2026-01-01T00:00:00Z'])).toBeUndefined();
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 10, 2])).toBe(3);
  });
});

describe('customer metrics', () => {
  it('adds up orders in date order whatever the input order, with the average of repeat orders', () => {
    const metrics = computeMetrics(
      [
        order('b', '2026-02-01T00:00:00Z', 3000),
        order('a', '2026-01-01T00:00:00Z', 1000),
        order('c', '2026-03-03T00:00:00Z', 5000),
      ],
      'USD',
      {},
    );
    expect(metrics).toMatchObject({
      orderCount: 3,
      revenue: { amount: 9000 },
      averageOrderValue: { amount: 3000 },
      repeatAverageValue: { amount: 4000 },
      firstOrderAt: '2026-01-01T00:00:00Z',
      lastOrderAt: '2026-03-03T00:00:00Z',
      latency: { meanDays: 30.5, medianDays: 30.5, intervals: 2 },
    });
  });
});
