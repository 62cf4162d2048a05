import { describe, expect, it } from 'vitest';
import { clvCustomer } from '../../../functions/domain/intelligence/assess.js';
import { computeMetrics, latencyOf, median } from '../../../functions/domain/metrics.js';
import { emptyOrder, withOrderPlaced } from '../../../functions/domain/orders.js';
import { aCustomer } from '../../helpers/customers.js';
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

describe('purchase days, as the CLV models count purchases', () => {
  // Two orders on 1 January, one on 31 January and a second that evening; times with an offset are UTC days.
  const orders = [
    order('a', '2026-01-01T09:00:00Z', 1000),
    order('b', '2026-01-01T18:30:00+02:00', 2000),
    order('c', '2026-01-31T08:00:00Z', 3000),
    order('d', '2026-01-31T20:00:00Z', 5000),
  ];

  it('keeps every order in counts and revenue, and counts days for the models', () => {
    const metrics = computeMetrics(orders, 'USD', {});
    expect(metrics).toMatchObject({
      orderCount: 4,
      revenue: { amount: 11_000 },
      purchaseDays: 2,
      lastPurchaseDayAt: '2026-01-31T08:00:00Z',
      repeatDayAverageValue: { amount: 8000 },
    });
  });

  it('same-day orders are one purchase and do not make the customer more recent', () => {
    const customer = aCustomer('c', 'a@example.com', { metrics: computeMetrics(orders, 'USD', {}) });
    const model = clvCustomer(customer, new Date('2026-03-02T09:00:00Z'));
    expect(model).toEqual({ x: 1, tx: 29 + 23 / 24, T: 60, monetaryValue: 8000 });
  });

  it('metrics stored before purchase days were kept still give the models an input', () => {
    const { purchaseDays, lastPurchaseDayAt, repeatDayAverageValue, ...older } = computeMetrics(orders, 'USD', {});
    const customer = aCustomer('c', 'a@example.com', { metrics: older });
    expect(clvCustomer(customer, new Date('2026-03-02T09:00:00Z'))).toMatchObject({ x: 3, monetaryValue: 3333 });
  });
});
