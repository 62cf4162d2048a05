import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Customer, LIFECYCLE_STAGES, type LifecycleStage } from '../../../functions/domain/customer.js';
import { applyToCustomer } from '../../../functions/domain/customer-events.js';
import type { CanonicalEvent } from '../../../functions/domain/events.js';
import { assess, SEGMENT_FAMILIES, usualLatencyDays } from '../../../functions/domain/intelligence/assess.js';
import { fitHeuristic } from '../../../functions/domain/intelligence/clv.js';
import type { StoreModel } from '../../../functions/domain/intelligence/store-model.js';
import type { OrderRecord } from '../../../functions/domain/orders.js';
import type { TimelineEntry } from '../../../functions/domain/timeline.js';
import { simulate } from '../../../functions/simulation/simulator.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';
import { orderPlaced } from '../../helpers/events.js';

/**
 * The labels a marketer acts on, checked as properties over generated customer histories through the same
 * assessment (and, for the journeys, the same simulator) the Lambda functions use. The seed is fixed and
 * printed on failure; TRUTH_SEED=<n> replays another.
 */
const SEED = Number(process.env.TRUTH_SEED ?? 20261206);
const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const config = testConfig();
const context = { now: NOW, reportingCurrency: 'USD', rates: {} };

async function check<T>(property: fc.IAsyncProperty<T> | fc.IProperty<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, { seed: SEED, numRuns });
  } catch (error) {
    throw new Error(`property failed with seed ${SEED} (TRUTH_SEED=${SEED} to replay)\n${(error as Error).message}`);
  }
}

/** A customer's history: orders at days before NOW (any order), their values, and what email did. */
const history = fc.record({
  orders: fc.array(
    fc.record({ daysAgo: fc.double({ min: 0, max: 500, noNaN: true }), amount: fc.integer({ min: 0, max: 50_000 }) }),
    {
      maxLength: 8,
    },
  ),
  consentDaysAgo: fc.integer({ min: 0, max: 900 }),
  subscribed: fc.boolean(),
  mailed: fc.option(
    fc.record({ firstDaysAgo: fc.integer({ min: 0, max: 400 }), count: fc.integer({ min: 1, max: 30 }) }),
  ),
  openedDaysAgo: fc.option(fc.integer({ min: 0, max: 400 })),
});
type History = typeof history extends fc.Arbitrary<infer H> ? H : never;

const storeModel = fc.record({
  medianLatencyDays: fc.option(fc.double({ min: 1, max: 200, noNaN: true }), { nil: undefined }),
  meanValue: fc.constantFrom(0, 2500, 9000),
});

const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

/** The customer the event path builds from a history: orders applied one by one, as deliveries would be. */
function build(h: History): Customer {
  const createdAt = daysAgo(Math.max(h.consentDaysAgo, ...h.orders.map((o) => o.daysAgo)));
  let customer = aCustomer('cus_truth', 'truth@example.com', {
    consent: h.subscribed
      ? { email: 'subscribed', source: 'generic', updatedAt: daysAgo(h.consentDaysAgo) }
      : { email: 'none', source: 'generic', updatedAt: daysAgo(h.consentDaysAgo) },
    createdAt,
    updatedAt: createdAt,
  });
  let orders = new Map<string, OrderRecord>();
  h.orders.forEach((order, index) => {
    ({ customer, orders } = applyOrder(customer, orders, `o${index}`, order.amount, daysAgo(order.daysAgo)));
  });
  const firstSent = h.mailed ? daysAgo(h.mailed.firstDaysAgo) : undefined;
  const opened = h.openedDaysAgo === null || h.openedDaysAgo === undefined ? undefined : daysAgo(h.openedDaysAgo);
  if (firstSent !== undefined || opened !== undefined) {
    customer = {
      ...customer,
      emailEngagement: {
        firstSentAt: firstSent,
        lastSentAt: firstSent,
        lastOpenAt: opened,
        sentSinceEngagement: h.mailed?.count ?? 0,
      },
    };
  }
  return customer;
}

function applyOrder(
  customer: Customer,
  orders: Map<string, OrderRecord>,
  id: string,
  amount: number,
  placedAt: string,
): { customer: Customer; orders: Map<string, OrderRecord> } {
  const event = orderPlaced(id, amount, { email: customer.email, placedAt, occurredAt: placedAt });
  const applied = applyToCustomer({ customer, orders }, event as CanonicalEvent as never, context);
  const next = new Map(orders);
  for (const order of applied.orders) next.set(order.key, order);
  return { customer: applied.customer, orders: next };
}

function modelOf(m: { medianLatencyDays: number | undefined; meanValue: number }): StoreModel {
  const heuristic = fitHeuristic([]);
  return {
    computedAt: NOW.toISOString(),
    reportingCurrency: 'USD',
    customersWithOrders: 10,
    medianLatencyDays: m.medianLatencyDays,
    clv: {
      method: 'heuristic-fallback',
      heuristic: { meanPurchaseRate: 1 / 45, meanValue: m.meanValue || heuristic.meanValue },
      confidence: 'low',
      reasons: ['generated'],
      customers: 10,
      repeatCustomers: 0,
    },
  };
}

const LATE: readonly LifecycleStage[] = ['at_risk', 'lapsed'];
/** The order ladder (the stages in their order, less the late ones): an order never takes a customer down it. */
const LADDER: readonly LifecycleStage[] = LIFECYCLE_STAGES.filter((stage) => !LATE.includes(stage));

function familiesOf(customer: Customer): Record<string, boolean> {
  const buyer = customer.metrics.orderCount > 0;
  return {
    engagement: customer.consent.email === 'subscribed',
    purchases: buyer,
    recency: buyer,
    rhythm: (customer.metrics.latency?.intervals ?? 0) >= 2,
    responsiveness: false,
    nps: customer.nps !== undefined,
  };
}

describe('the lifecycle labels, as properties over generated histories', () => {
  it('a buyer is never late while the time since their last order is within their usual time between orders', async () => {
    await check(
      fc.property(history, storeModel, (h, m) => {
        const customer = build(h);
        const a = assess(customer, modelOf(m), NOW, config);
        if (customer.metrics.orderCount === 0) return;
        const usual = usualLatencyDays(
          customer.metrics.latency?.medianDays,
          customer.metrics.latency?.intervals ?? 0,
          m.medianLatencyDays ?? config.intelligence.defaultLatencyDays,
        );
        expect(a.expectedLatencyDays).toBeCloseTo(usual, 9);
        if ((a.daysSinceLastOrder ?? 0) <= usual) expect(LATE).not.toContain(a.stage);
      }),
      500,
    );
  });

  it('a customer is in exactly one segment of each family that applies to them, and in none of the others', async () => {
    await check(
      fc.property(history, storeModel, (h, m) => {
        const customer = build(h);
        const a = assess(customer, modelOf(m), NOW, config);
        const applies = familiesOf(customer);
        for (const [family, members] of Object.entries(SEGMENT_FAMILIES)) {
          const held = members.filter((segment) => a.segments.includes(segment));
          if (family === 'responsiveness') expect(held.length, family).toBeLessThanOrEqual(1);
          else if (applies[family]) expect(held, family).toHaveLength(1);
          else if (family === 'engagement')
            expect(
              held.filter((s) => s !== 'engaged'),
              family,
            ).toHaveLength(0);
          else expect(held, family).toHaveLength(0);
        }
        // Recency and stage say the same.
        if (customer.metrics.orderCount > 0) {
          expect(a.segments.includes('lapsed')).toBe(a.stage === 'lapsed');
          expect(a.segments.includes('at_risk')).toBe(a.stage === 'at_risk');
        }
      }),
      500,
    );
  });

  it('engagement comes from the product’s own emails and the customer’s answers, never from the age of a consent', async () => {
    await check(
      fc.property(history, storeModel, (h, m) => {
        const customer = build({ ...h, mailed: null });
        const a = assess(customer, modelOf(m), NOW, config);
        // Nothing was ever sent: however old the consent, nobody can say they do not read.
        expect(a.segments).not.toContain('unengaged');
        if (customer.consent.email === 'subscribed' && !a.segments.includes('engaged')) {
          expect(a.segments).toContain('engagement_unknown');
        }
      }),
      300,
    );
  });

  it('predicted value is positive whenever predicted orders and the customer’s spend are', async () => {
    await check(
      fc.property(history, storeModel, (h, m) => {
        const customer = build(h);
        const a = assess(customer, modelOf(m), NOW, config);
        const spend = customer.metrics.averageOrderValue?.amount ?? 0;
        if (a.predictions && a.predictions.orders12m > 0.01 && spend > 0) {
          expect(a.predictions.clv12m.amount).toBeGreaterThan(0);
        }
      }),
      500,
    );
  });

  it('an order never moves a customer backwards: not late after it, never lower on the ladder', async () => {
    await check(
      fc.property(history, storeModel, fc.integer({ min: 100, max: 30_000 }), (h, m, amount) => {
        const model = modelOf(m);
        const before = build(h);
        let orders = new Map<string, OrderRecord>();
        // Rebuild with the orders kept, then one more placed now.
        let customer = aCustomer(before.id, before.email, { consent: before.consent, createdAt: before.createdAt });
        h.orders.forEach((order, index) => {
          ({ customer, orders } = applyOrder(customer, orders, `o${index}`, order.amount, daysAgo(order.daysAgo)));
        });
        const was = assess({ ...customer, emailEngagement: before.emailEngagement }, model, NOW, config).stage;
        ({ customer } = applyOrder(customer, orders, 'now', amount, NOW.toISOString()));
        const is = assess({ ...customer, emailEngagement: before.emailEngagement }, model, NOW, config).stage;
        expect(LATE).not.toContain(is);
        if (!LATE.includes(was)) expect(LADDER.indexOf(is)).toBeGreaterThanOrEqual(LADDER.indexOf(was));
      }),
      500,
    );
  });
});

describe('the contradictions a newcomer saw', () => {
  it('two orders three days apart, the second arriving now: not lapsed, not new and repeat at once', () => {
    let customer = aCustomer('cus_two', 'two@example.com');
    let orders = new Map<string, OrderRecord>();
    ({ customer, orders } = applyOrder(customer, orders, 'a', 4000, daysAgo(20)));
    ({ customer } = applyOrder(customer, orders, 'b', 4000, daysAgo(17)));
    const a = assess(customer, modelOf({ medianLatencyDays: 40, meanValue: 4000 }), NOW, config);
    expect(a.stage).toBe('repeat_customer');
    expect(a.segments).toEqual(expect.arrayContaining(['repeat', 'active']));
    expect(a.segments).not.toContain('lapsed');
    expect(a.segments).not.toContain('new');
  });

  it('predicted orders come with a predicted value in a store that has not seen a repeat purchase yet', () => {
    let customer = aCustomer('cus_one', 'one@example.com');
    ({ customer } = applyOrder(customer, new Map(), 'a', 4000, daysAgo(5)));
    const a = assess(customer, modelOf({ medianLatencyDays: undefined, meanValue: 0 }), NOW, config);
    expect(a.predictions?.orders12m).toBeGreaterThan(0);
    expect(a.predictions?.clv12m.amount).toBeGreaterThan(0);
  });

  it('a new subscriber whose consent is seven months old is not unengaged', () => {
    const customer = aCustomer('cus_new', 'new@example.com', {
      consent: { email: 'subscribed', source: 'shopify', updatedAt: daysAgo(210) },
      createdAt: NOW.toISOString(),
    });
    const a = assess(customer, undefined, NOW, config);
    expect(a.segments).not.toContain('unengaged');
    expect(a.segments).toContain('engagement_unknown');
  });
});

/** The marketing emails of a timeline, oldest first. */
const marketingSends = (timeline: readonly TimelineEntry[]) =>
  timeline
    .filter(
      (entry) => entry.kind === 'email_sent' && (entry as { journeyId?: string }).journeyId !== 'confirm-subscription',
    )
    .map((entry) => ({ at: entry.at, journeyId: (entry as { journeyId?: string }).journeyId ?? '' }))
    .sort((a, b) => a.at.localeCompare(b.at));

describe('the first emails, through the simulator', () => {
  it('a new subscriber hears from the welcome series first, and no one gets re-engagement without the chance to engage', async () => {
    const start = new Date('2026-01-05T09:00:00Z');
    const subscriber = fc.record({
      signupDay: fc.integer({ min: 0, max: 60 }),
      consentDaysBefore: fc.integer({ min: 0, max: 400 }),
      named: fc.boolean(),
      orderDays: fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 3 }),
    });
    await check(
      fc.asyncProperty(fc.array(subscriber, { minLength: 1, maxLength: 6 }), async (people) => {
        const events: CanonicalEvent[] = [];
        people.forEach((person, index) => {
          const email = `truth-${index}@example.com`;
          const at = new Date(start.getTime() + person.signupDay * DAY + index * 60_000);
          events.push({
            id: `signup-${index}`,
            type: 'customer.signed_up',
            source: 'generic',
            occurredAt: at.toISOString(),
            data: {
              customer: {
                email,
                ...(person.named ? { firstName: 'Ada' } : {}),
                consent: {
                  email: 'subscribed',
                  at: new Date(at.getTime() - person.consentDaysBefore * DAY).toISOString(),
                },
              },
            },
          } as CanonicalEvent);
          person.orderDays.forEach((day, n) => {
            const placedAt = new Date(at.getTime() + (day + 1) * DAY).toISOString();
            events.push(
              orderPlaced(`t${index}-${n}`, 3000, { email, placedAt, occurredAt: placedAt }) as CanonicalEvent,
            );
          });
        });
        const simulation = await simulate({
          config,
          events,
          seed: SEED,
          start,
          end: new Date(start.getTime() + 300 * DAY),
        });
        const window = 90 * DAY;
        for (const [index] of people.entries()) {
          const view = await simulation.customer(`truth-${index}@example.com`);
          const sends = marketingSends(view?.timeline ?? []);
          const firstOrder = view?.customer.metrics.firstOrderAt;
          const first = sends[0];
          if (first !== undefined && (firstOrder === undefined || first.at <= firstOrder)) {
            expect(first.journeyId, `customer ${index}`).toBe('welcome-series');
          }
          for (const send of sends.filter((s) => s.journeyId === 're-engagement')) {
            const earliest = sends[0]?.at ?? send.at;
            expect(Date.parse(send.at) - Date.parse(earliest), `customer ${index}`).toBeGreaterThanOrEqual(window);
          }
        }
      }),
      8,
    );
  }, 120_000);
});

describe('the engagement window, without any delivery report', () => {
  it('a subscriber who never answers is asked whether to stay 90 days after the first email, not before', async () => {
    const start = new Date('2026-01-05T09:00:00Z');
    const email = 'silent@example.com';
    const simulation = await simulate({
      config,
      events: [
        {
          id: 'signup-silent',
          type: 'customer.signed_up',
          source: 'generic',
          occurredAt: start.toISOString(),
          data: { customer: { email, consent: { email: 'subscribed', at: '2025-06-01T00:00:00Z' } } },
        } as CanonicalEvent,
      ],
      seed: SEED,
      start,
      end: new Date(start.getTime() + 120 * DAY),
    });
    const sends = marketingSends((await simulation.customer(email))?.timeline ?? []);
    expect(sends[0]?.journeyId).toBe('welcome-series');
    const asked = sends.find((send) => send.journeyId === 're-engagement');
    expect(asked, 'a re-engagement email').toBeDefined();
    const after = (Date.parse(asked?.at ?? '') - Date.parse(sends[0]?.at ?? '')) / DAY;
    expect(after).toBeGreaterThanOrEqual(90);
    expect(after).toBeLessThan(92);
  });
});
