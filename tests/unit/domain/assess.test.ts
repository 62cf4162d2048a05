import { describe, expect, it } from 'vitest';
import { storeModelOf } from '../../../functions/adapters/dynamodb/items.js';
import type { Customer } from '../../../functions/domain/customer.js';
import { assess, clvCustomer } from '../../../functions/domain/intelligence/assess.js';
import { timeToNextPurchase } from '../../../functions/domain/intelligence/clv.js';
import { rfmThresholds } from '../../../functions/domain/intelligence/rfm.js';
import type { StoreModel } from '../../../functions/domain/intelligence/store-model.js';
import { latencyOf } from '../../../functions/domain/metrics.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';

const config = testConfig();
const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

/** A customer who bought at the given days ago (oldest first). */
function buyer(ordersDaysAgo: number[], overrides: Partial<Customer> = {}): Customer {
  const times = ordersDaysAgo.map(daysAgo);
  return aCustomer('cus_1', 'ada@example.com', {
    metrics: {
      orderCount: times.length,
      revenue: { amount: 5000 * times.length, currency: 'USD' },
      firstOrderAt: times[0],
      lastOrderAt: times.at(-1),
      latency: latencyOf(times),
    },
    ...overrides,
  });
}

const model: StoreModel = {
  computedAt: now.toISOString(),
  reportingCurrency: 'USD',
  customersWithOrders: 100,
  medianLatencyDays: 40,
};

describe('lifecycle stages', () => {
  it('before any order: subscriber with consent, prospect without', () => {
    expect(assess(aCustomer('c', 'a@example.com'), model, now, config).stage).toBe('subscriber');
    expect(assess(aCustomer('c', 'a@example.com', { consent: { email: 'none' } }), model, now, config).stage).toBe(
      'prospect',
    );
  });

  it('first-time, repeat and loyal by order count, while on time', () => {
    expect(assess(buyer([10]), model, now, config).stage).toBe('first_time_customer');
    expect(assess(buyer([40, 10]), model, now, config).stage).toBe('repeat_customer');
    expect(assess(buyer([100, 70, 40, 10]), model, now, config).stage).toBe('loyal');
  });

  it('a repeat buyer is at risk past 1.5× and lapsed past 3× their usual latency, own median shrunk to the store’s', () => {
    // One interval of 30 days against the store's 40, weighed as two: (30 + 2 × 40) / 3 = 36.7 days.
    // Last order 44 days ago: on time; 56: at risk (past 55); 111: lapsed (past 110).
    expect(assess(buyer([74, 44]), model, now, config).stage).toBe('repeat_customer');
    expect(assess(buyer([86, 56]), model, now, config).stage).toBe('at_risk');
    expect(assess(buyer([141, 111]), model, now, config).stage).toBe('lapsed');
    // Eight intervals of 10 days outweigh the store: (8 × 10 + 2 × 40) / 10 = 16 days, at risk past 24.
    const regular = [105, 95, 85, 75, 65, 55, 45, 35, 25];
    expect(assess(buyer(regular), model, now, config).stage).toBe('at_risk');
    expect(assess(buyer(regular.map((d) => d - 3)), model, now, config).stage).toBe('loyal');
  });

  it('a one-time buyer is judged against the store median, or the default without a model', () => {
    expect(assess(buyer([59]), model, now, config).stage).toBe('first_time_customer');
    expect(assess(buyer([61]), model, now, config).stage).toBe('at_risk');
    expect(assess(buyer([121]), model, now, config).stage).toBe('lapsed');
    // Default latency 60 days: at risk after 90.
    expect(assess(buyer([89]), undefined, now, config).stage).toBe('first_time_customer');
    expect(assess(buyer([91]), undefined, now, config).stage).toBe('at_risk');
  });

  it('a promoter on time is an advocate; a late promoter is at risk all the same', () => {
    const nps = { score: 10, at: daysAgo(5) };
    expect(assess(buyer([40, 10], { nps }), model, now, config).stage).toBe('advocate');
    expect(assess(buyer([100, 70], { nps }), model, now, config).stage).toBe('at_risk');
  });

  it('VIP: the top revenue share or RFM champions', () => {
    const vipModel = { ...model, vipRevenueThreshold: 10_000 };
    expect(assess(buyer([40, 10]), vipModel, now, config).stage).toBe('vip');
    expect(assess(buyer([10]), vipModel, now, config).stage).toBe('first_time_customer');
    const rfm = rfmThresholds(
      Array.from({ length: 50 }, (_, i) => ({ recencyDays: i * 3, frequency: 1 + (i % 3), monetary: 1000 * i })),
    );
    const base = buyer([20, 10, 1]);
    const champion = { ...base, metrics: { ...base.metrics, revenue: { amount: 60_000, currency: 'USD' } } };
    expect(assess(champion, { ...model, rfm }, now, config)).toMatchObject({
      stage: 'vip',
      rfm: { segment: 'champions' },
    });
  });

  it('says when the stage will change with time alone: at the at-risk point', () => {
    const assessment = assess(buyer([74, 44]), model, now, config);
    // Usual latency 110 / 3 days → at risk 55 days after the last order, i.e. eleven days from now.
    expect(assessment.nextChangeAt).toBe(new Date(Date.parse(daysAgo(44)) + 55 * 86_400_000).toISOString());
    expect(assessment.lateByDays).toBe(7.33);
  });
});

describe('segments', () => {
  it('engaged by recent activity; unengaged only after the whole window as a subscriber', () => {
    const active = aCustomer('c', 'a@example.com', { lastActivityAt: daysAgo(3) });
    expect(assess(active, model, now, config).segments).toContain('engaged');
    // Mailed for 120 days without an open, a click, a visit or an order.
    const silent = aCustomer('c', 'a@example.com', {
      consent: { email: 'subscribed', updatedAt: daysAgo(120) },
      createdAt: daysAgo(120),
      emailEngagement: { firstSentAt: daysAgo(120), lastSentAt: daysAgo(3), sentSinceEngagement: 8 },
    });
    expect(assess(silent, model, now, config).segments).toContain('unengaged');
    // Mailed for 10 days only: too soon to tell, whatever the age of the consent.
    const newcomer = aCustomer('c', 'a@example.com', {
      consent: { email: 'subscribed', updatedAt: daysAgo(200) },
      createdAt: daysAgo(200),
      emailEngagement: { firstSentAt: daysAgo(10), lastSentAt: daysAgo(3), sentSinceEngagement: 3 },
    });
    expect(assess(newcomer, model, now, config).segments).not.toContain('unengaged');
    expect(assess(newcomer, model, now, config).segments).toContain('engagement_unknown');
    // The window ends 90 days after the first email: the assessment is due again then.
    expect(assess(newcomer, model, now, config).nextChangeAt).toBe(
      new Date(Date.parse(daysAgo(10)) + 90 * 86_400_000).toISOString(),
    );
  });

  it('responsive after an open, unresponsive after five emails without one', () => {
    const opened = aCustomer('c', 'a@example.com', {
      emailEngagement: { lastOpenAt: daysAgo(2), sentSinceEngagement: 0 },
    });
    expect(assess(opened, model, now, config).segments).toContain('responsive');
    const ignored = aCustomer('c', 'a@example.com', {
      emailEngagement: { lastSentAt: daysAgo(1), sentSinceEngagement: 5 },
    });
    expect(assess(ignored, model, now, config).segments).toContain('unresponsive');
  });

  it('regular and irregular buyers by the spread of their intervals', () => {
    expect(assess(buyer([90, 60, 30]), model, now, config).segments).toContain('regular');
    expect(assess(buyer([200, 190, 20]), model, now, config).segments).toContain('irregular');
  });

  it('new within 30 days of a first and only order, one-time after, repeat from the second, NPS groups', () => {
    const segments = assess(buyer([20, 5], { nps: { score: 6, at: daysAgo(1) } }), model, now, config).segments;
    expect(segments).toEqual(expect.arrayContaining(['repeat', 'active', 'detractor']));
    expect(segments).not.toContain('new');
    expect(assess(buyer([10]), model, now, config).segments).toContain('new');
    expect(assess(buyer([35]), model, now, config).segments).toContain('one_time');
    expect(assess(buyer([10], { nps: { score: 8, at: daysAgo(1) } }), model, now, config).segments).toContain(
      'passive',
    );
  });

  it('segments from config, in the shared condition language', () => {
    const custom = testConfig({
      segments: [
        { id: 'big-spenders', condition: { fact: 'revenue', op: 'gte', value: 10_000 } },
        {
          id: 'browsing-coffee',
          condition: { all: [{ event: 'product.viewed', within: 'P7D', ref: 'coffee' }, { not: { stage: 'lapsed' } }] },
        },
      ],
    });
    const customer = buyer([40, 10], {
      recentEvents: [{ type: 'product.viewed', at: daysAgo(2), ref: 'coffee' }],
    });
    const assessment = assess(customer, model, now, custom);
    expect(assessment.segments).toEqual(expect.arrayContaining(['big-spenders', 'browsing-coffee']));
    // The view leaves the 7-day window in 5 days: the assessment knows to look again then.
    expect(Date.parse(assessment.nextChangeAt ?? '')).toBeLessThanOrEqual(Date.parse(daysAgo(2)) + 7 * 86_400_000);
  });
});

describe('predictions', () => {
  const bgNbd = { r: 0.6, alpha: 40, a: 0.7, b: 3 };
  const heuristic = { meanPurchaseRate: 0.02, meanValue: 4000 };
  const withClv: StoreModel = {
    ...model,
    clv: {
      method: 'maximum-a-posteriori',
      bgNbd,
      bgNbdCovariance: [
        [0.04, 0.03, 0, 0],
        [0.03, 0.05, 0, 0],
        [0, 0, 0.1, 0.08],
        [0, 0, 0.08, 0.12],
      ],
      gammaGamma: { p: 6, q: 4, v: 6000 },
      heuristic,
      confidence: 'medium',
      reasons: [],
      customers: 500,
      repeatCustomers: 200,
    },
  };

  it('the next order comes from the model: when the customer has bought again with probability one half', () => {
    const customer = buyer([120, 80, 40, 10]);
    const assessment = assess(customer, withClv, now, config);
    const s = timeToNextPurchase(withClv.clv!, clvCustomer(customer, now))!;
    expect(assessment.expectedNextOrderAt).toBe(new Date(now.getTime() + s * 86_400_000).toISOString());
    // Not last order + the usual 40 days; lateness still reads the usual latency.
    expect(assessment.expectedNextOrderAt).not.toBe(daysAgo(-30));
    expect(assessment.lateByDays).toBe(-30);
  });

  it('no next order for a customer the model finds more likely gone than not', () => {
    // Weekly for a month, then silent for a year.
    const gone = buyer([400, 393, 386, 379, 372]);
    const assessment = assess(gone, withClv, now, config);
    expect(assessment.predictions!.probabilityAlive).toBeLessThan(0.5);
    expect(assessment.expectedNextOrderAt).toBeUndefined();
  });

  it('every prediction has an 80% interval of orders and of CLV around it', () => {
    const predictions = assess(buyer([120, 80, 40, 10]), withClv, now, config).predictions!;
    const { orders12m, orders12mInterval, clv12m, clv12mInterval } = predictions;
    expect(orders12mInterval.low).toBeLessThanOrEqual(orders12m);
    expect(orders12mInterval.high).toBeGreaterThan(orders12m);
    expect(Number.isInteger(orders12mInterval.low) && Number.isInteger(orders12mInterval.high)).toBe(true);
    expect(clv12mInterval.low.amount).toBeLessThanOrEqual(clv12m.amount);
    expect(clv12mInterval.high.amount).toBeGreaterThan(clv12m.amount);
    expect(clv12mInterval.high.currency).toBe('USD');
  });

  it('a model stored before the priors and intervals is still read, and predicts with intervals', () => {
    // The item as the model job wrote it before: maximum likelihood, no covariance.
    const item = {
      pk: 'STORE',
      sk: 'MODEL',
      model: JSON.stringify({
        computedAt: '2026-05-31T03:00:00.000Z',
        reportingCurrency: 'USD',
        customersWithOrders: 300,
        medianLatencyDays: 40,
        clv: {
          method: 'maximum-likelihood',
          bgNbd,
          gammaGamma: { p: 6, q: 4, v: 6000 },
          heuristic,
          confidence: 'medium',
          reasons: ['150 customers with a repeat purchase, fewer than 200'],
          customers: 300,
          repeatCustomers: 150,
        },
      }),
    };
    const stored = storeModelOf(item);
    const customer = buyer([120, 80, 40, 10]);
    const old = assess(customer, stored, now, config).predictions!;
    const current = assess(customer, withClv, now, config).predictions!;
    expect(old.method).toBe('maximum-likelihood');
    expect(old.confidence).toBe('medium');
    // The same point predictions (spend model included); the interval without parameter uncertainty is no wider.
    expect(old.clv12m).toEqual(current.clv12m);
    expect(old.orders12m).toBe(current.orders12m);
    expect(old.orders12mInterval.high).toBeLessThanOrEqual(current.orders12mInterval.high);
    expect(old.orders12mInterval.high).toBeGreaterThan(old.orders12m);
  });
});
