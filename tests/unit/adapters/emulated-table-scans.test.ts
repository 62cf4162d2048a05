import { describe, expect, it } from 'vitest';
import {
  EmulatedTableCustomerStore,
  type EmulatedTableOptions,
} from '../../../functions/adapters/dynamodb/emulated-table.js';
import type { OrderRecord } from '../../../functions/domain/orders.js';
import type { ScanPage } from '../../../functions/ports/customer-store.js';
import { aCustomer } from '../../helpers/customers.js';

/**
 * The simulator's store scans and loads without copying: its daily model job reads every customer and order
 * of the table every simulated day, every event and send loads its customer, and copies of them were a
 * large share of a simulated year. What it hands out is what it holds, frozen, so that no reader can change
 * the store. It also keeps only the timelines it is told to: they were most of a simulated year's memory. (The default store copies, as
 * DynamoDB does: tests/integration/customer-store-contract.test.ts.)
 */
const T0 = '2026-06-01T00:00:00.000Z';
const order: OrderRecord = {
  key: 'generic:1001',
  source: 'generic',
  orderId: '1001',
  placedAt: T0,
  total: { amount: 4200, currency: 'USD' },
  lineItems: [{ productId: 'beans', name: 'Beans', quantity: 1, unitPrice: { amount: 4200, currency: 'USD' } }],
  refunds: {},
};

/** The first event of customer cus_1: the profile, one order and the event's timeline entry. */
function firstEvent() {
  return {
    eventId: 'evt-1',
    customer: aCustomer('cus_1', 'one@example.com'),
    expectedVersion: undefined,
    claimEmail: 'one@example.com',
    orders: [order],
    enrollments: [],
    timeline: [{ at: T0, kind: 'event_received' as const, eventId: 'evt-1' }],
  };
}

/** A store made with `options` that holds cus_1 after its first event. */
async function storeWithACustomer(
  options: Omit<EmulatedTableOptions, 'dueShards'>,
): Promise<EmulatedTableCustomerStore> {
  const store = new EmulatedTableCustomerStore({ dueShards: 4, ...options });
  expect(await store.commitEvent(firstEvent())).toBe('committed');
  return store;
}

const scan = (store: EmulatedTableCustomerStore): Promise<ScanPage> => store.scanCustomers(0, 1, undefined);

describe('the emulated table with read-only reads', () => {
  it('hands every scan the stored customer and orders, not a copy of them', async () => {
    const store = await storeWithACustomer({ readOnlyReads: true });
    const [first, second] = [await scan(store), await scan(store)];
    expect(first.customers[0]?.customer).toEqual(aCustomer('cus_1', 'one@example.com'));
    expect(second.customers[0]?.customer).toBe(first.customers[0]?.customer);
    expect(second.orders[0]?.order).toBe(first.orders[0]?.order);
  });

  it('refuses a reader that changes what it was handed, and the store keeps what it holds', async () => {
    const store = await storeWithACustomer({ readOnlyReads: true });
    const page = (await scan(store)) as any;
    expect(() => {
      page.customers[0].customer.firstName = 'Changed';
    }).toThrow(TypeError);
    expect(() => page.customers[0].customer.segments.push('changed')).toThrow(TypeError);
    expect(() => page.orders[0].order.lineItems.push({ productId: 'changed' })).toThrow(TypeError);
    expect((await store.load('cus_1'))?.customer).toEqual(aCustomer('cus_1', 'one@example.com'));
    expect((await scan(store)).orders[0]?.order).toEqual(order);
  });

  it('hands every load the stored customer, and refuses a reader that changes it', async () => {
    const store = await storeWithACustomer({ readOnlyReads: true });
    const [first, second] = [await store.load('cus_1'), await store.load('cus_1')];
    expect(second?.customer).toBe(first?.customer);
    expect(second?.orders.get(order.key)).toBe(first?.orders.get(order.key));
    expect(() => {
      (first?.customer as any).firstName = 'Changed';
    }).toThrow(TypeError);
    expect((await store.load('cus_1'))?.customer).toEqual(aCustomer('cus_1', 'one@example.com'));
  });

  it('keeps only the timelines it is told to, and still knows every event it committed', async () => {
    for (const keep of [true, false]) {
      const store = await storeWithACustomer({ keepsTimelineOf: (customer) => keep && customer.id === 'cus_1' });
      expect(await store.timeline('cus_1')).toHaveLength(keep ? 1 : 0);
      expect(await store.commitEvent({ ...firstEvent(), expectedVersion: 1 })).toBe('duplicate');
      expect((await store.load('cus_1'))?.orders.get(order.key)).toEqual(order);
    }
  });

  it('still hands out copies by default, as DynamoDB does', async () => {
    const store = await storeWithACustomer({ readOnlyReads: false });
    const page = (await scan(store)) as any;
    expect((await scan(store)).customers[0]?.customer).not.toBe(page.customers[0].customer);
    page.customers[0].customer.firstName = 'Changed';
    expect((await scan(store)).customers[0]?.customer.firstName).not.toBe('Changed');
  });
});

describe("the emulated table's due index", () => {
  it("hands out runs due at the same time in DynamoDB's order of their keys, by code point", async () => {
    // UTF-16 puts an emoji (a surrogate pair, U+D83D …) before U+E000; DynamoDB, which orders by UTF-8
    // bytes, after it. Plain ASCII keys sort the same either way.
    const ids = ['cus_\u{1F600}', 'cus_a', 'cus_\uE000', 'cus_b\u{1F600}'];
    const store = new EmulatedTableCustomerStore({ dueShards: 1, readOnlyReads: true });
    for (const [index, id] of ids.entries()) {
      const committed = await store.commitEvent({
        eventId: `evt-${index}`,
        customer: aCustomer(id, `c${index}@example.com`),
        expectedVersion: undefined,
        enrollments: [],
        timeline: [],
        reassessAt: T0,
      });
      expect(committed).toBe('committed');
    }
    const due = await store.dueRuns(new Date(T0), 10);
    expect(due.map((run) => run.customerId)).toEqual(['cus_a', 'cus_b\u{1F600}', 'cus_\uE000', 'cus_\u{1F600}']);
  });

  it('keeps thousands of runs in order as they move, leave and come back', async () => {
    const store = new EmulatedTableCustomerStore({ dueShards: 1, readOnlyReads: true });
    // A fixed sequence of due times (a linear congruential generator), so that a failure repeats.
    let seed = 7;
    const nextDue = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return new Date(Date.parse(T0) + (seed % 5_000) * 60_000).toISOString();
    };
    const due = new Map<string, string>();
    const versions = new Map<string, number>();
    const commit = async (id: string, reassessAt: string | null) => {
      const version = versions.get(id);
      const customer = { ...aCustomer(id, `${id}@example.com`), version: (version ?? 0) + 1 };
      const result = await store.commitEvent({
        eventId: `evt-${id}-${version ?? 0}`,
        customer,
        expectedVersion: version,
        enrollments: [],
        timeline: [],
        reassessAt,
      });
      expect(result).toBe('committed');
      versions.set(id, (version ?? 0) + 1);
      if (reassessAt === null) due.delete(id);
      else due.set(id, reassessAt);
    };
    for (let i = 0; i < 2_000; i++) await commit(`cus_${i}`, nextDue());
    // Moved, removed and put back, in an order that touches every part of the index.
    for (let i = 0; i < 2_000; i += 3) await commit(`cus_${i}`, i % 2 === 0 ? null : nextDue());
    for (let i = 0; i < 2_000; i += 6) await commit(`cus_${i}`, nextDue());
    const expected = [...due]
      .map(([id, at]) => ({ id, at, pk: `CUSTOMER#${id}` }))
      .sort((a, b) => (a.at === b.at ? (a.pk < b.pk ? -1 : 1) : a.at < b.at ? -1 : 1))
      .map(({ id }) => id);
    const runs = await store.dueRuns(new Date('2030-01-01T00:00:00Z'), 5_000);
    expect(runs.map((run) => run.customerId)).toEqual(expected);
    expect(runs.length).toBeGreaterThan(1_500);
    expect(await store.nextDueAt()).toBe(runs[0]?.dueAt);
  });
});

describe("the emulated table's parallel scan", () => {
  it('hands each customer to one segment once, page by page, while customers come and go between pages', async () => {
    const store = new EmulatedTableCustomerStore({ dueShards: 1, scanPageSize: 2, readOnlyReads: true });
    const commit = async (id: string) => {
      const result = await store.commitEvent({
        eventId: `evt-${id}`,
        customer: aCustomer(id, `${id}@example.com`),
        expectedVersion: undefined,
        claimEmail: `${id}@example.com`,
        orders: [{ ...order, key: `generic:${id}`, orderId: id }],
        enrollments: [],
        timeline: [],
      });
      expect(result).toBe('committed');
    };
    const before = Array.from({ length: 40 }, (_, i) => `cus_${i}`);
    for (const id of before) await commit(id);
    const erase = (id: string) =>
      store.eraseCustomer({
        customerId: id,
        emails: [`${id}@example.com`],
        aliases: [],
        suppressions: [],
        anonymisedOrders: [],
      });
    const seen: string[] = [];
    let added = 0;
    for (let segment = 0; segment < 4; segment++) {
      let resumeAfter: string | undefined;
      do {
        const page = await store.scanCustomers(segment, 4, resumeAfter);
        expect(page.customers.length + page.orders.length).toBeLessThanOrEqual(2);
        seen.push(...page.customers.map(({ customer }) => customer.id));
        for (const { customerId } of page.orders)
          expect(page.customers.map(({ customer }) => customer.id)).toContain(customerId);
        resumeAfter = page.resumeAfter;
        // Between pages: a customer arrives, and one scanned already leaves.
        if (added < 20) await commit(`new_${added++}`);
        if (seen.length > 0 && added % 3 === 0) await erase(seen[seen.length - 1] as string);
      } while (resumeAfter !== undefined);
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });
});
