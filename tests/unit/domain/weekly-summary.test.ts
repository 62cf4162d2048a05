import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../../functions/domain/metrics.js';
import type { OrderRecord } from '../../../functions/domain/orders.js';
import { isWeeklyRunDue, nextWeeklyRun } from '../../../functions/domain/reporting/weekly-email.js';
import { type SummaryJourneyRow, weeklySummary } from '../../../functions/domain/reporting/weekly-summary.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';

const config = testConfig();
// A Monday morning: the week is 30 November 08:00 to 7 December 08:00, the week before the seven days before.
const now = new Date('2026-12-07T08:00:00Z');

function order(id: string, placedAt: string, cents: number): OrderRecord {
  return {
    key: `generic:${id}`,
    source: 'generic',
    orderId: id,
    placedAt,
    total: { amount: cents, currency: 'USD' },
    lineItems: [],
    refunds: {},
  };
}

/** A buyer as the store holds them: metrics from their orders. */
function buyer(id: string, orders: readonly OrderRecord[], createdAt = orders[0]?.placedAt ?? '2026-01-01T00:00:00Z') {
  return {
    customer: aCustomer(id, `${id}@example.com`, { metrics: computeMetrics(orders, 'USD', {}), createdAt }),
    orders: orders.map((o) => ({ customerId: id, order: o })),
  };
}

// With no store model, the usual time between orders is 60 days: at risk after 90, lapsed after 180.
const people = [
  // First order this week: a new customer.
  buyer('new', [order('a1', '2026-12-03T10:00:00Z', 5_000)]),
  // Ordered 4 June: at risk at the start of the week (179 days), lapsed since 1 December (180 days).
  buyer('lapsing', [order('b1', '2026-06-04T00:00:00Z', 9_900)]),
  // Ordered 5 September: 86 days at the start of the week, at risk since 4 December (90 days).
  buyer('drifting', [order('c1', '2026-09-05T00:00:00Z', 4_000)]),
  // A repeat buyer: one order the week before, one this week.
  buyer('regular', [order('d1', '2026-11-25T12:00:00Z', 3_000), order('d2', '2026-12-02T12:00:00Z', 2_000)]),
  // Lapsed long before the week: not lost this week.
  buyer('gone', [order('e1', '2025-01-01T00:00:00Z', 1_000)]),
];
const storeOnly = { order: order('s1', '2026-12-01T09:00:00Z', 1_000) };

const journeys: SummaryJourneyRow[] = [
  { journeyId: 'welcome-series', entered: 100, sent: 100, delivered: 95, bounced: 3, complained: 1, revenue: 12_000 },
  {
    journeyId: 'win-back',
    entered: 50,
    sent: 50,
    delivered: 49,
    bounced: 1,
    complained: 0,
    revenue: 3_000,
    lift: { revenuePerCustomer: { difference: 150 } },
  },
  // Sent nothing: neither best nor worst.
  { journeyId: 'browse-abandonment', entered: 0, sent: 0 },
  {
    journeyId: 'campaign-black-friday',
    campaign: true,
    entered: 200,
    sent: 200,
    delivered: 190,
    bounced: 6,
    complained: 1,
    revenue: 40_000,
    lift: { revenuePerCustomer: { difference: 220 } },
  },
  { journeyId: 'campaign-newsletter', campaign: true, entered: 50, sent: 50, delivered: 50 },
];

function summary(rows = journeys) {
  return weeklySummary({
    customers: people.map((p) => p.customer),
    orders: [...people.flatMap((p) => p.orders), storeOnly],
    model: undefined,
    config,
    now,
    journeys: rows,
  });
}

describe('the weekly summary', () => {
  it('is the seven days before the moment it is made', () => {
    expect(summary()).toMatchObject({
      storeName: 'Test Shop',
      reportingCurrency: 'USD',
      weekStart: '2026-11-30T08:00:00.000Z',
      weekEnd: '2026-12-07T08:00:00.000Z',
    });
  });

  it("compares the week's revenue and orders, the store's own orders included, with the week before", () => {
    // This week: 50.00 + 20.00 + 10.00 (no customer) in 3 orders; the week before: 30.00 in 1.
    expect(summary().revenue).toEqual({ thisWeek: 8_000, weekBefore: 3_000, change: 1.6667 });
    expect(summary().orders).toEqual({ thisWeek: 3, weekBefore: 1, change: 2 });
  });

  it('counts first orders of the week as new customers, by the stage they are in now', () => {
    expect(summary().newCustomers).toEqual({ total: 1, byStage: [{ stage: 'first_time_customer', customers: 1 }] });
  });

  it('counts the customers who became at risk or lapsed during the week, by the stage they moved to', () => {
    expect(summary().lostCustomers).toEqual({
      total: 2,
      byStage: [
        { stage: 'at_risk', customers: 1 },
        { stage: 'lapsed', customers: 1 },
      ],
    });
  });

  it('names the best and worst journeys and campaigns by revenue, and by lift where it is measured', () => {
    const { journeys: j, campaigns: c } = summary();
    expect(j.byRevenue).toEqual({
      best: { journeyId: 'welcome-series', value: 12_000 },
      worst: { journeyId: 'win-back', value: 3_000 },
    });
    expect(j.byLift).toEqual({ best: { journeyId: 'win-back', value: 150 }, worst: undefined });
    expect(c.byRevenue).toEqual({
      best: { journeyId: 'campaign-black-friday', value: 40_000 },
      worst: { journeyId: 'campaign-newsletter', value: 0 },
    });
    expect(c.byLift).toEqual({ best: { journeyId: 'campaign-black-friday', value: 220 }, worst: undefined });
  });

  it('has no lift ranking when the report carries no lift figures', () => {
    const withoutLift = journeys.map(({ lift: _, ...row }) => row);
    expect(summary(withoutLift).journeys.byLift).toBeUndefined();
    expect(summary(withoutLift).campaigns.byLift).toBeUndefined();
  });

  it('rates delivery, bounces and complaints on the emails sent', () => {
    // 400 sent: 384 delivered, 10 bounced, 2 complained.
    expect(summary().deliverability).toEqual({
      sent: 400,
      delivered: 384,
      bounced: 10,
      complained: 2,
      deliveryRate: 0.96,
      bounceRate: 0.025,
      complaintRate: 0.005,
    });
  });

  it('gives no change and no rates where there is nothing to divide by', () => {
    const empty = weeklySummary({ customers: [], orders: [], model: undefined, config, now, journeys: [] });
    expect(empty.revenue).toEqual({ thisWeek: 0, weekBefore: 0, change: undefined });
    expect(empty.deliverability.deliveryRate).toBeUndefined();
    expect(empty.journeys.byRevenue).toBeUndefined();
  });
});

describe('the weekly schedule', () => {
  const paris = { weekday: 'monday', hour: 8, timeZone: 'Europe/Paris' } as const;

  it('is the weekday and local hour, in winter and in summer time', () => {
    expect(nextWeeklyRun(new Date('2026-12-03T00:00:00Z'), paris).toISOString()).toBe('2026-12-07T07:00:00.000Z');
    expect(nextWeeklyRun(new Date('2026-07-01T00:00:00Z'), paris).toISOString()).toBe('2026-07-06T06:00:00.000Z');
    // Strictly after: a run at its own time is followed by next week's.
    expect(nextWeeklyRun(new Date('2026-12-07T07:00:00Z'), paris).toISOString()).toBe('2026-12-14T07:00:00.000Z');
  });

  it('answers yes to exactly one of the hourly runs of a week', () => {
    const hours = Array.from({ length: 7 * 24 }, (_, i) => new Date(Date.UTC(2026, 11, 2, i, 0, 20)));
    expect(hours.filter((at) => isWeeklyRunDue(at, paris)).map((at) => at.toISOString())).toEqual([
      '2026-12-07T07:00:20.000Z',
    ]);
  });
});
