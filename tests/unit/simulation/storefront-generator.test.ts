import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CanonicalEvent,
  CanonicalEventSchema,
  type EventOfType,
  eventCustomer,
} from '../../../functions/domain/events.js';
import { createRandom } from '../../../functions/simulation/random.js';
import {
  DEFAULT_STOREFRONT_PROFILE,
  generateStorefront,
  resolveStorefrontProfile,
  summariseStream,
} from '../../../functions/simulation/storefront-generator.js';

const START = new Date('2025-01-01T00:00:00.000Z');
const DAY = 86_400_000;

type OrderPlaced = EventOfType<'order.placed'>;

function personOf(event: CanonicalEvent): string | undefined {
  return eventCustomer(event)?.email;
}

function ofType<T extends CanonicalEvent['type']>(events: readonly CanonicalEvent[], type: T): EventOfType<T>[] {
  return events.filter((event): event is EventOfType<T> => event.type === type);
}

/** Events per person, in stream order. */
function byPerson(events: readonly CanonicalEvent[]): Map<string, CanonicalEvent[]> {
  const people = new Map<string, CanonicalEvent[]>();
  for (const event of events) {
    const person = personOf(event);
    if (person === undefined) continue;
    const list = people.get(person) ?? [];
    list.push(event);
    people.set(person, list);
  }
  return people;
}

describe('createRandom', () => {
  it('is deterministic for a seed, and different seeds give different streams', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () => random.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(0.5)).not.toEqual(draw(0));
  });

  it('draws uniforms in [0, 1) and inclusive integers', () => {
    const random = createRandom(7);
    const seen = new Set<number>();
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = random.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      seen.add(random.int(3, 6));
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(() => random.int(2, 1)).toThrow(RangeError);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it('has the documented distributions', () => {
    const random = createRandom(11);
    const n = 40_000;
    let exp = 0;
    let normal = 0;
    let normalSq = 0;
    let heads = 0;
    const picks = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < n; i++) {
      exp += random.exponential(3);
      const z = random.normal(10, 2);
      normal += z;
      normalSq += z * z;
      if (random.chance(0.25)) heads++;
      picks[random.weighted(['a', 'b', 'c'] as const, [1, 0, 3])]++;
    }
    expect(exp / n).toBeGreaterThan(2.9);
    expect(exp / n).toBeLessThan(3.1);
    const mean = normal / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(normalSq / n - mean * mean)).toBeCloseTo(2, 1);
    expect(heads / n).toBeCloseTo(0.25, 2);
    expect(picks.b).toBe(0);
    expect(picks.c / n).toBeCloseTo(0.75, 1);
    expect(random.chance(0)).toBe(false);
    expect(random.chance(1)).toBe(true);
  });

  it('forks streams that do not depend on what the parent has drawn', () => {
    const fresh = createRandom(5);
    const used = createRandom(5);
    for (let i = 0; i < 100; i++) used.next();
    const sample = (random: ReturnType<typeof createRandom>) => Array.from({ length: 10 }, () => random.next());
    expect(sample(fresh.fork('orders'))).toEqual(sample(used.fork('orders')));
    expect(sample(fresh.fork('orders'))).not.toEqual(sample(fresh.fork('views')));
    expect(sample(fresh.fork('orders').fork('x'))).not.toEqual(sample(fresh.fork('ordersx')));
    expect(sample(createRandom(5))).not.toEqual(sample(createRandom(5).fork('')));
  });

  it('hands out next as a plain function', () => {
    const random = createRandom(3);
    const next = random.next;
    expect(next()).toBeTypeOf('number');
  });

  it('refuses seeds that are not finite', () => {
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
  });
});

describe('generateStorefront', () => {
  const small = () => generateStorefront({ customers: 300, days: 120, start: START, seed: 1 });

  it('is deterministic for a seed and differs between seeds', () => {
    const first = small();
    expect(first.length).toBeGreaterThan(500);
    expect(small()).toEqual(first);
    expect(generateStorefront({ customers: 300, days: 120, start: START, seed: 2 })).not.toEqual(first);
  });

  it('keeps each customer the same whatever the number of customers', () => {
    const only = (events: CanonicalEvent[]) => events.filter((event) => personOf(event) === 'sim-7@example.com');
    const fewer = only(generateStorefront({ customers: 50, days: 200, start: START, seed: 3 }));
    const more = only(generateStorefront({ customers: 150, days: 200, start: START, seed: 3 }));
    // Order numbers run over the whole store, so they differ; everything else is the customer's own.
    const withoutNumbers = (events: CanonicalEvent[]) =>
      events.map((event) =>
        event.type === 'order.placed'
          ? { ...event, data: { ...event.data, order: { ...event.data.order, number: undefined } } }
          : event,
      );
    expect(fewer.some((event) => event.type === 'order.placed')).toBe(true);
    expect(withoutNumbers(more)).toEqual(withoutNumbers(fewer));
  });

  it('produces only valid canonical events, of source generic, with the documented ids and emails', () => {
    const events = generateStorefront({ customers: 400, days: 365, start: START, seed: 9 });
    const ids = new Set<string>();
    for (const event of events) {
      // parse strips unknown keys: equality also proves nothing unexpected was sent.
      expect(CanonicalEventSchema.parse(event)).toEqual(event);
      expect(event.source).toBe('generic');
      expect(event.id).toMatch(/^generic:sim-\d+-\d+$/);
      ids.add(event.id);
      expect(personOf(event)).toMatch(/^sim-\d+@example\.com$/);
    }
    expect(ids.size).toBe(events.length);
  });

  it('sorts events by time, inside the period, and numbers orders in time order', () => {
    const events = generateStorefront({ customers: 500, days: 90, start: new Date('2025-06-15T13:45:00Z'), seed: 4 });
    const times = events.map((event) => Date.parse(event.occurredAt));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
    expect(times[0]).toBeGreaterThanOrEqual(Date.parse('2025-06-15T13:45:00Z'));
    expect(times[times.length - 1]).toBeLessThan(Date.parse('2025-06-15T13:45:00Z') + 90 * DAY);
    const numbers = ofType(events, 'order.placed').map((event) => Number(event.data.order.number?.slice(1)));
    expect(numbers).toEqual(numbers.map((_, index) => 1001 + index));
  });

  it('applies profile overrides one level deep and checks them', () => {
    const profile = resolveStorefrontProfile({ checkout: { abandonmentRate: 0 }, currency: 'EUR' });
    expect(profile.checkout.abandonmentRate).toBe(0);
    expect(profile.checkout.recoveryRate).toBe(DEFAULT_STOREFRONT_PROFILE.checkout.recoveryRate);
    expect(() => resolveStorefrontProfile({ consent: { share: 1.5 } })).toThrow(/consent\.share/);
    expect(() => resolveStorefrontProfile({ currency: 'usd' })).toThrow(RangeError);

    const events = generateStorefront({
      customers: 300,
      days: 180,
      start: START,
      seed: 6,
      profile: { currency: 'EUR', checkout: { abandonmentRate: 0 }, views: { neverBuyerCheckoutShare: 0 } },
    });
    const summary = summariseStream(events);
    expect(Object.keys(summary.revenue)).toEqual(['EUR']);
    expect(summary.checkouts.abandoned).toBe(0);
    for (const order of ofType(events, 'order.placed')) {
      expect(order.data.order.total.currency).toBe('EUR');
      for (const line of order.data.order.lineItems) expect(line.unitPrice.currency).toBe('EUR');
    }
  });

  it('refuses impossible options', () => {
    expect(() => generateStorefront({ customers: -1, days: 10, start: START, seed: 1 })).toThrow(RangeError);
    expect(() => generateStorefront({ customers: 1.5, days: 10, start: START, seed: 1 })).toThrow(RangeError);
    expect(() => generateStorefront({ customers: 10, days: 0, start: START, seed: 1 })).toThrow(RangeError);
    expect(() => generateStorefront({ customers: 10, days: 10, start: new Date('nope'), seed: 1 })).toThrow(RangeError);
    expect(generateStorefront({ customers: 0, days: 10, start: START, seed: 1 })).toEqual([]);
  });

  describe('with the default profile, 10,000 customers over a year', () => {
    const profile = DEFAULT_STOREFRONT_PROFILE;
    let events: CanonicalEvent[];
    let people: Map<string, CanonicalEvent[]>;
    let orders: OrderPlaced[];
    let summary: ReturnType<typeof summariseStream>;

    beforeAll(() => {
      // Performance is measured elsewhere; here it only has to finish, with a plausible volume.
      events = generateStorefront({ customers: 10_000, days: 365, start: START, seed: 42 });
      people = byPerson(events);
      orders = ofType(events, 'order.placed');
      summary = summariseStream(events);
    });

    it('generates a plausible volume, every sampled event valid', () => {
      expect(events.length).toBeGreaterThan(40_000);
      expect(events.length).toBeLessThan(200_000);
      expect(summary.customers).toBeGreaterThan(9_500);
      expect(summary.customers).toBeLessThanOrEqual(10_000);
      for (let i = 0; i < events.length; i += 97) CanonicalEventSchema.parse(events[i]);
    });

    it('has a realistic repeat purchase rate and order value', () => {
      expect(summary.repeatPurchaseRate).toBeGreaterThan(0.2);
      expect(summary.repeatPurchaseRate).toBeLessThan(0.6);
      const usd = summary.revenue.USD!;
      expect(usd.averageOrderValue).toBeGreaterThan(profile.averageOrderValue * 0.7);
      expect(usd.averageOrderValue).toBeLessThan(profile.averageOrderValue * 1.4);
    });

    it('totals every order as its line items minus its discount code, and every checkout as its line items', () => {
      const percent = new Map(Object.values(profile.discounts).map((code) => [code.code, code.percent]));
      let discounted = 0;
      for (const { data } of orders) {
        const sum = data.order.lineItems.reduce((total, line) => total + line.unitPrice.amount * line.quantity, 0);
        const codes = data.order.discountCodes ?? [];
        if (codes.length > 0) discounted++;
        const off = codes.reduce(
          (total, code) => total + Math.round((sum * (percent.get(code) ?? Number.NaN)) / 100),
          0,
        );
        expect(data.order.total.amount).toBe(sum - off);
        expect(data.order.lineItems.length).toBeGreaterThan(0);
        expect(data.order.lineItems.length).toBeLessThanOrEqual(profile.catalogue.maxLines);
      }
      expect(discounted).toBeGreaterThan(0);
      for (const { data } of ofType(events, 'checkout.started')) {
        const sum = data.checkout.lineItems.reduce((total, line) => total + line.unitPrice.amount * line.quantity, 0);
        expect(data.checkout.total.amount).toBe(sum);
      }
    });

    it('refunds and cancels a few percent of orders, consistently', () => {
      const placed = new Map(orders.map((event) => [event.data.order.id, event]));
      const refunds = ofType(events, 'order.refunded');
      const cancellations = ofType(events, 'order.cancelled');
      expect(refunds.length / orders.length).toBeGreaterThan(0.01);
      expect(refunds.length / orders.length).toBeLessThan(0.08);
      expect(cancellations.length / orders.length).toBeGreaterThan(0.003);
      expect(cancellations.length / orders.length).toBeLessThan(0.04);
      let partial = 0;
      for (const { data, occurredAt } of refunds) {
        const order = placed.get(data.order.id);
        expect(order).toBeDefined();
        expect(occurredAt > order!.occurredAt).toBe(true);
        expect(data.refund.amount.amount).toBeGreaterThan(0);
        expect(data.refund.amount.amount).toBeLessThanOrEqual(order!.data.order.total.amount);
        if (data.refund.amount.amount < order!.data.order.total.amount) partial++;
      }
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(refunds.length);
      const refunded = new Set(refunds.map((event) => event.data.order.id));
      for (const { data, occurredAt } of cancellations) {
        expect(placed.get(data.order.id)!.occurredAt < occurredAt).toBe(true);
        expect(refunded.has(data.order.id)).toBe(false);
      }
    });

    it('abandons checkouts, recovers some later, and never-buyers leave carts too', () => {
      const { checkouts } = summary;
      expect(checkouts.started).toBe(summary.byType['checkout.started']);
      const abandoned = checkouts.abandoned / checkouts.started;
      expect(abandoned).toBeGreaterThan(0.1);
      expect(abandoned).toBeLessThan(0.4);
      expect(checkouts.recovered).toBeGreaterThan(0);
      expect(checkouts.converted + checkouts.abandoned).toBe(checkouts.started);
    });

    it('states consent at first contact near the configured shares, and some unsubscribe later', () => {
      const first = new Map<string, { email: string; source?: string | undefined }>();
      for (const event of events) {
        if (event.type === 'customer.signed_up' || event.type === 'checkout.started' || event.type === 'order.placed') {
          const consent = event.data.customer?.consent;
          const person = personOf(event);
          if (consent && person && !first.has(person)) first.set(person, consent);
        }
      }
      const atCheckout = [...first.values()].filter((consent) => consent.source === 'checkout');
      const fromForm = [...first.values()].filter((consent) => consent.source === 'newsletter_form');
      const subscribed = atCheckout.filter((consent) => consent.email === 'subscribed').length / atCheckout.length;
      expect(Math.abs(subscribed - profile.consent.share)).toBeLessThan(0.04);
      expect(fromForm.every((consent) => consent.email === 'subscribed')).toBe(true);
      expect(fromForm.length / first.size).toBeGreaterThan(profile.newsletterShare - 0.04);
      expect(fromForm.length / first.size).toBeLessThan(profile.newsletterShare + 0.04);
      // Everyone is introduced once with consent and acquisition.
      expect(first.size).toBe(summary.customers);
      expect(summary.consent.last.unsubscribed).toBeGreaterThan(0);
      const unsubscribes = ofType(events, 'consent.changed').filter(
        (event) => event.data.consent.email === 'unsubscribed',
      );
      expect(unsubscribes.length / summary.consent.first.subscribed).toBeGreaterThan(0.05);
      expect(unsubscribes.length / summary.consent.first.subscribed).toBeLessThan(0.2);
    });

    it('spreads arrivals over the year, with sign-ups who never buy', () => {
      const quarters = [0, 0, 0, 0];
      let signedUpNeverBought = 0;
      let signedUp = 0;
      for (const list of people.values()) {
        const first = list[0]!;
        const quarter = Math.floor((Date.parse(first.occurredAt) - START.getTime()) / (91.5 * DAY));
        quarters[Math.min(3, quarter)]!++;
        if (first.type === 'customer.signed_up') {
          signedUp++;
          if (!list.some((event) => event.type === 'order.placed')) signedUpNeverBought++;
        }
      }
      for (const count of quarters) expect(count / people.size).toBeGreaterThan(0.18);
      // Never-buyers, plus sign-ups whose first order falls after the period.
      expect(signedUpNeverBought / signedUp).toBeGreaterThan(profile.neverBuyShare - 0.05);
      expect(signedUpNeverBought / signedUp).toBeLessThan(profile.neverBuyShare + 0.2);
    });

    it('shows product views before many orders', () => {
      let viewedBefore = 0;
      for (const list of people.values()) {
        for (let i = 0; i < list.length; i++) {
          const event = list[i]!;
          if (event.type !== 'order.placed') continue;
          const orderedAt = Date.parse(event.occurredAt);
          const viewed = list
            .slice(0, i)
            .some(
              (earlier) =>
                earlier.type === 'product.viewed' && orderedAt - Date.parse(earlier.occurredAt) < 3 * 3_600_000,
            );
          if (viewed) viewedBefore++;
        }
      }
      expect(viewedBefore / orders.length).toBeGreaterThan(0.35);
      expect(viewedBefore / orders.length).toBeLessThan(0.8);
    });

    it('has customers without a first name, spread over several time zones', () => {
      const firstFacts = new Map<string, { firstName?: string | undefined; timezone?: string | undefined }>();
      for (const event of events) {
        if (event.type === 'customer.signed_up' || event.type === 'checkout.started' || event.type === 'order.placed') {
          const person = personOf(event);
          if (person && event.data.customer && !firstFacts.has(person)) firstFacts.set(person, event.data.customer);
        }
      }
      const facts = [...firstFacts.values()];
      const withoutName = facts.filter((fact) => fact.firstName === undefined).length / facts.length;
      expect(Math.abs(withoutName - profile.noFirstNameShare)).toBeLessThan(0.03);
      const zones = new Set(facts.map((fact) => fact.timezone));
      expect(zones).toEqual(new Set(profile.timezones.map((zone) => zone.zone)));
    });

    it('buys products together and rebuys consumables on a rhythm', () => {
      const consumables = new Set(
        profile.catalogue.categories.filter((category) => category.consumable).map((category) => category.name),
      );
      let regulars = 0;
      for (const list of people.values()) {
        const byProduct = new Map<string, number[]>();
        for (const event of list) {
          if (event.type !== 'order.placed') continue;
          for (const line of event.data.order.lineItems) {
            if (!line.categories?.some((category) => consumables.has(category))) continue;
            const times = byProduct.get(line.productId) ?? [];
            times.push(Date.parse(event.occurredAt));
            byProduct.set(line.productId, times);
          }
        }
        if ([...byProduct.values()].some((times) => times.length >= 4)) regulars++;
      }
      expect(regulars).toBeGreaterThan(50);
      const multiLine = orders.filter((order) => order.data.order.lineItems.length > 1).length;
      expect(multiLine / orders.length).toBeGreaterThan(0.2);
    });

    it('brings more valuable customers through some channels than others', () => {
      const channelOf = new Map<string, string>();
      for (const event of events) {
        if (event.type === 'customer.signed_up' || event.type === 'checkout.started' || event.type === 'order.placed') {
          const acquisition = event.data.customer?.acquisition;
          const person = personOf(event);
          if (acquisition && person) channelOf.set(person, acquisition.medium ?? '');
        }
      }
      const revenue = new Map<string, { customers: number; amount: number }>();
      for (const medium of channelOf.values()) {
        const entry = revenue.get(medium) ?? { customers: 0, amount: 0 };
        entry.customers++;
        revenue.set(medium, entry);
      }
      for (const order of orders) {
        revenue.get(channelOf.get(personOf(order)!)!)!.amount += order.data.order.total.amount;
      }
      const perCustomer = (medium: string) => revenue.get(medium)!.amount / revenue.get(medium)!.customers;
      expect(perCustomer('word_of_mouth')).toBeGreaterThan(perCustomer('paid_social') * 1.3);
    });

    it('summarises consistently with the stream', () => {
      const counted = Object.values(summary.byType).reduce((total, count) => total + count, 0);
      expect(counted).toBe(events.length);
      expect(summary.revenue.USD!.orders).toBe(orders.length);
      expect(summary.revenue.USD!.gross).toBe(
        orders.reduce((total, order) => total + order.data.order.total.amount, 0),
      );
      expect(summary.buyers).toBeGreaterThan(summary.repeatBuyers);
      expect(summary.firstAt).toBe(events[0]!.occurredAt);
      expect(summary.lastAt).toBe(events[events.length - 1]!.occurredAt);
    });
  });
});

describe('summariseStream', () => {
  const envelope = (id: string, occurredAt: string) => ({
    schemaVersion: 1 as const,
    id: `generic:${id}`,
    source: 'generic' as const,
    occurredAt,
  });
  const money = (amount: number) => ({ amount, currency: 'USD' });
  const line = { productId: 'p1', name: 'Beans', quantity: 1, unitPrice: money(1000) };
  const order = (id: string, email: string, at: string, total: number): CanonicalEvent => ({
    ...envelope(`o-${id}`, at),
    type: 'order.placed',
    data: { customer: { email }, order: { id, placedAt: at, total: money(total), lineItems: [line] } },
  });
  const checkout = (id: string, email: string, at: string): CanonicalEvent => ({
    ...envelope(`c-${id}`, at),
    type: 'checkout.started',
    data: { customer: { email }, checkout: { id, total: money(1000), lineItems: [line] } },
  });

  it('counts buyers, repeat buyers, checkouts, consent and money, whatever the input order', () => {
    const inOrder: CanonicalEvent[] = [
      {
        ...envelope('s1', '2025-01-01T10:00:00Z'),
        type: 'customer.signed_up',
        data: { customer: { email: 'a@example.com', consent: { email: 'subscribed' } } },
      },
      checkout('c1', 'a@example.com', '2025-01-02T10:00:00Z'),
      order('o1', 'a@example.com', '2025-01-02T10:05:00Z', 3000),
      checkout('c2', 'a@example.com', '2025-01-10T10:00:00Z'),
      order('o2', 'a@example.com', '2025-01-11T10:00:00Z', 2000),
      checkout('c3', 'b@example.com', '2025-01-03T10:00:00Z'),
      checkout('c4', 'b@example.com', '2025-01-04T10:00:00Z'),
      order('o3', 'b@example.com', '2025-01-04T10:01:00Z', 5000),
      {
        ...envelope('r1', '2025-01-05T10:00:00Z'),
        type: 'order.refunded',
        data: { order: { id: 'o1' }, refund: { id: 'r1', amount: money(500), refundedAt: '2025-01-05T10:00:00Z' } },
      },
      {
        ...envelope('r1-again', '2025-01-05T10:00:01Z'),
        type: 'order.refunded',
        data: { order: { id: 'o1' }, refund: { id: 'r1', amount: money(500), refundedAt: '2025-01-05T10:00:00Z' } },
      },
      {
        ...envelope('x3', '2025-01-04T12:00:00Z'),
        type: 'order.cancelled',
        data: { order: { id: 'o3', cancelledAt: '2025-01-04T12:00:00Z' } },
      },
      {
        ...envelope('u1', '2025-02-01T10:00:00Z'),
        type: 'consent.changed',
        data: { customer: { email: 'a@example.com' }, consent: { email: 'unsubscribed' } },
      },
      checkout('c5', 'c@example.com', '2025-01-20T10:00:00Z'),
    ];

    const summary = summariseStream([...inOrder].reverse());
    expect(summary.events).toBe(13);
    expect(summary.byType['checkout.started']).toBe(5);
    expect(summary.byType['customer.erased']).toBe(0);
    expect(summary.customers).toBe(3);
    expect(summary.buyers).toBe(2);
    expect(summary.repeatBuyers).toBe(1);
    expect(summary.repeatPurchaseRate).toBe(0.5);
    expect(summary.checkouts).toEqual({ started: 5, converted: 3, recovered: 1, abandoned: 2 });
    expect(summary.consent.first.subscribed).toBe(1);
    expect(summary.consent.last.unsubscribed).toBe(1);
    expect(summary.revenue.USD).toEqual({
      orders: 3,
      gross: 10_000,
      cancelled: 5000,
      refunded: 500,
      net: 4500,
      averageOrderValue: 3333,
    });
    expect(summary.firstAt).toBe('2025-01-01T10:00:00Z');
    expect(summary.lastAt).toBe('2025-02-01T10:00:00Z');
  });

  it('summarises an empty stream', () => {
    const summary = summariseStream([]);
    expect(summary.events).toBe(0);
    expect(summary.repeatPurchaseRate).toBe(0);
    expect(summary.revenue).toEqual({});
    expect(summary.firstAt).toBeUndefined();
  });
});
