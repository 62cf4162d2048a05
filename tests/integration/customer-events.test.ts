import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import type { CanonicalEvent } from '../../functions/domain/events.js';
import {
  type RecordCustomerEventDependencies,
  recordCustomerEvent,
} from '../../functions/domain/services/record-customer-event.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { testConfig } from '../helpers/config.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';
import { checkoutStarted, orderCancelled, orderPlaced, orderRefunded, signedUp } from '../helpers/events.js';

let store: DynamoDbCustomerStore;
let tableName: string;
let published: BusEvent[];
let dependencies: RecordCustomerEventDependencies;
const config = testConfig({ currencyRates: { EUR: 1.1 } });

beforeEach(async () => {
  ({ store, tableName } = await freshStore());
  published = [];
  dependencies = {
    ...customerChanges({
      store,
      clock: { now: () => new Date('2026-06-01T00:00:00Z') },
      config,
      publisher: { publish: async (events) => void published.push(...events) },
      loadModel: async () => undefined,
    }),
    hashEmail,
  };
});

const record = (event: CanonicalEvent) => recordCustomerEvent(dependencies, event);

async function allItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await engines().dynamodb.document.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function shopify<T extends CanonicalEvent>(event: T, id: string): T {
  return { ...event, id: `shopify:${id}`, source: 'shopify' };
}

describe('one customer per person across sources', () => {
  it('a guest order merges into the customer with the same email', async () => {
    const email = uniqueEmail();
    const signup = await record(signedUp(email));
    const order = await record(shopify(orderPlaced('5001', 2000, { email }), 'w1'));
    expect(signup.outcome).toBe('recorded');
    expect(order).toMatchObject({
      outcome: 'recorded',
      customerId: (signup as { customerId: string }).customerId,
      created: false,
    });
    const stored = await store.load((signup as { customerId: string }).customerId);
    expect(stored?.customer.metrics.orderCount).toBe(1);
    expect(stored?.customer.sources).toEqual(['generic', 'shopify']);
  });

  it('an order before the signup creates the customer; the signup then completes it', async () => {
    const email = uniqueEmail();
    const order = await record(orderPlaced('7001', 3000, { email }));
    expect(order).toMatchObject({ outcome: 'recorded', created: true });
    const signup = await record(signedUp(email, '2026-05-01T09:00:00Z', { firstName: 'Late' }));
    expect(signup).toMatchObject({ outcome: 'recorded', created: false });
    const stored = await store.load((order as { customerId: string }).customerId);
    expect(stored?.customer).toMatchObject({
      firstName: 'Late',
      stage: 'first_time_customer',
      consent: { email: 'subscribed' },
    });
  });

  it('an email change on the storefront moves the identity instead of forking it', async () => {
    const oldEmail = uniqueEmail('old');
    const newEmail = uniqueEmail('new');
    const created = await record(
      shopify({ ...signedUp(oldEmail), data: { customer: { email: oldEmail, externalId: '77' } } }, 'c1'),
    );
    const id = (created as { customerId: string }).customerId;
    const updated = await record(
      shopify(
        {
          ...signedUp(newEmail, '2026-05-02T00:00:00Z'),
          type: 'customer.updated',
          data: { customer: { email: newEmail, externalId: '77' } },
        } as CanonicalEvent,
        'c2',
      ),
    );
    expect(updated).toMatchObject({ outcome: 'recorded', customerId: id, created: false });
    expect(await store.findCustomerId(newEmail)).toBe(id);
    expect(await store.findCustomerId(oldEmail)).toBeUndefined();
    expect((await store.load(id))?.customer.email).toBe(newEmail);
    expect((await store.timeline(id)).some((entry) => entry.kind === 'email_changed')).toBe(true);
  });

  it('an email change to an address another customer owns is recorded, not applied', async () => {
    const mine = uniqueEmail('mine');
    const theirs = uniqueEmail('theirs');
    const me = (await record(
      shopify({ ...signedUp(mine), data: { customer: { email: mine, externalId: '88' } } }, 'd1'),
    )) as { customerId: string };
    const them = (await record(signedUp(theirs))) as { customerId: string };
    await record(
      shopify(
        {
          ...signedUp(theirs, '2026-05-03T00:00:00Z'),
          type: 'customer.updated',
          data: { customer: { email: theirs, externalId: '88' } },
        } as CanonicalEvent,
        'd2',
      ),
    );
    expect(await store.findCustomerId(theirs)).toBe(them.customerId);
    expect((await store.load(me.customerId))?.customer.email).toBe(mine);
    expect((await store.timeline(me.customerId)).find((entry) => entry.kind === 'identity_conflict')).toBeDefined();
  });
});

describe('orders that cannot be tied to a person', () => {
  it('an order without an email is kept for the store and creates no contactable customer', async () => {
    const result = await record(orderPlaced('anon-1', 1500));
    expect(result).toEqual({ outcome: 'store_order', orderKey: 'generic:anon-1' });
    const pointer = await store.findOrder('generic:anon-1');
    expect(pointer?.customerId).toBeUndefined();
    expect(pointer?.order?.total).toEqual({ amount: 1500, currency: 'USD' });
    expect((await allItems()).some((item) => item.entity === 'customer')).toBe(false);
    expect(await record(orderPlaced('anon-1', 1500))).toMatchObject({ outcome: 'store_order' });
  });

  it('a refund that arrives before its order (without an email) is folded in when the order arrives', async () => {
    const email = uniqueEmail();
    expect(await record(orderRefunded('early', 'r1', 700))).toMatchObject({ outcome: 'store_order' });
    const placed = (await record(orderPlaced('early', 2000, { email }))) as { customerId: string };
    expect((await store.load(placed.customerId))?.customer.metrics.revenue.amount).toBe(1300);
    // Later events about the order, without an email, find its customer through the order.
    await record(orderCancelled('early'));
    expect((await store.load(placed.customerId))?.customer.metrics.orderCount).toBe(0);
  });

  it('the same event twice changes nothing the second time', async () => {
    const email = uniqueEmail();
    const event = orderPlaced('dup', 2000, { email });
    await record(event);
    expect(await record(event)).toMatchObject({ outcome: 'duplicate' });
    const id = (await store.findCustomerId(email)) as string;
    expect((await store.timeline(id)).filter((entry) => entry.kind === 'order_placed')).toHaveLength(1);
  });
});

describe('privacy requests', () => {
  it('erasure removes every personal item, stops messages, keeps anonymous orders and a hash for suppression', async () => {
    const email = uniqueEmail('erase');
    const created = (await record(
      shopify(
        {
          ...signedUp(email),
          data: {
            customer: {
              email,
              externalId: '999',
              firstName: 'Grace',
              lastName: 'Hopper',
              consent: { email: 'subscribed', ip: '198.51.100.4' },
            },
          },
        },
        'e1',
      ),
    )) as { customerId: string };
    await record(shopify(orderPlaced('E1', 4200, { email, externalId: '999' }), 'e2'));
    await record(checkoutStarted(email, 'chk-e'));
    // Journeys are running for this customer (welcome, post-purchase, abandoned checkout…).
    expect((await store.load(created.customerId))?.enrollments.size).toBeGreaterThan(0);

    await record({
      schemaVersion: 1,
      id: 'shopify:dr-e',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'customer.data_requested',
      data: { customer: { email }, request: { id: 'before-erasure' } },
    });
    const erased = await record(
      shopify(
        {
          schemaVersion: 1,
          id: 'x',
          source: 'shopify',
          occurredAt: '2026-06-01T00:00:00Z',
          type: 'customer.erased',
          data: { customer: { email, externalId: '999' } },
        },
        'e3',
      ),
    );
    expect(erased).toEqual({ outcome: 'erased', customers: 1 });

    const items = await allItems();
    const text = JSON.stringify(items);
    for (const personal of [email, 'Grace', 'Hopper', '198.51.100.4', created.customerId, 'shopify:999']) {
      expect(text, `found ${personal}`).not.toContain(personal);
    }
    expect(items.filter((item) => item.entity === 'journey-run')).toHaveLength(0);
    expect(items.find((item) => item.pk === 'ORDER#shopify:E1')).toMatchObject({ order: { total: { amount: 4200 } } });
    expect(await store.findSuppression(hashEmail(email))).toMatchObject({ reason: 'erased' });
    // A late delivery about the erased person does not bring the old data back: at most a fresh record.
    expect(await store.findCustomerId(email)).toBeUndefined();
  });

  it('a data request stores an export of everything held, for the store owner', async () => {
    const email = uniqueEmail('export');
    await record(signedUp(email, '2026-05-01T10:00:00Z', { firstName: 'Ada' }));
    await record(orderPlaced('X1', 1000, { email }));
    const result = await record({
      schemaVersion: 1,
      id: 'shopify:dr1',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'customer.data_requested',
      data: { customer: { email }, request: { id: '9001' } },
    });
    expect(result).toEqual({ outcome: 'exported', requestKey: 'shopify:9001', found: true });
    const exported = (await store.findExport('shopify:9001'))?.document as Record<string, any>;
    expect(exported.customer).toMatchObject({ email, firstName: 'Ada' });
    expect(exported.orders).toHaveLength(1);
    expect(exported.timeline.some((entry: { kind: string }) => entry.kind === 'order_placed')).toBe(true);
    const unknown = await record({
      schemaVersion: 1,
      id: 'shopify:dr2',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'customer.data_requested',
      data: { customer: { email: uniqueEmail('nobody') }, request: { id: '9002' } },
    });
    expect(unknown).toMatchObject({ found: false });
    expect((await store.findExport('shopify:9002'))?.document).toMatchObject({ customer: null });
  });

  it('a shop erasure deletes everything but the suppression hashes, page by page through the bus', async () => {
    for (let i = 0; i < 5; i++) await record(orderPlaced(`S${i}`, 1000, { email: uniqueEmail(`shop${i}`) }));
    await record({
      schemaVersion: 1,
      id: 'shopify:x',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'customer.erased',
      data: { customer: { email: uniqueEmail('gone') } },
    });
    let event: CanonicalEvent = {
      schemaVersion: 1,
      id: 'shopify:shop-redact',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'shop.erased',
      data: { shop: { domain: 'acme.myshopify.com' } },
    };
    let pages = 0;
    for (;;) {
      pages++;
      const before = published.length;
      const result = await recordCustomerEvent({ ...dependencies, shopErasurePageSize: 5 }, event);
      if (result.outcome === 'shop_erasure' && result.finished) break;
      expect(published.length).toBe(before + 1);
      event = published.at(-1)?.detail as CanonicalEvent;
      expect(pages).toBeLessThan(200);
    }
    expect(pages).toBeGreaterThan(3);
    const left = await allItems();
    // The suppression hash of the erased address, and the receipts of the two requests carried out.
    expect(left.map((item) => String(item.pk).split('#')[0]).sort()).toEqual(['PRIVACY', 'PRIVACY', 'SUPPRESSION']);
    expect(left.filter((item) => item.entity === 'privacy-request').map((item) => item.pk)).toEqual(
      expect.arrayContaining(['PRIVACY#shopify:x', 'PRIVACY#shopify:shop-redact']),
    );

    // The same request again, once the store has data anew: nothing is erased.
    await record(orderPlaced('S-after', 1000, { email: uniqueEmail('after') }));
    const replay: CanonicalEvent = {
      schemaVersion: 1,
      id: 'shopify:shop-redact',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'shop.erased',
      data: { shop: { domain: 'acme.myshopify.com' } },
    };
    expect(await record(replay)).toEqual({ outcome: 'duplicate' });
    expect((await allItems()).some((item) => item.pk === 'ORDER#generic:S-after')).toBe(true);
  });

  it('an erasure replayed after the person signed up anew changes nothing', async () => {
    const email = uniqueEmail('again');
    const erasure: CanonicalEvent = {
      schemaVersion: 1,
      id: 'shopify:customers/redact:4f1c',
      source: 'shopify',
      occurredAt: '2026-06-01T00:00:00Z',
      type: 'customer.erased',
      data: { customer: { email } },
    };
    await record(signedUp(email));
    expect(await record(erasure)).toEqual({ outcome: 'erased', customers: 1 });
    const back = (await record({ ...signedUp(email), id: 'generic:back' })) as { customerId: string };
    expect(back).toMatchObject({ outcome: 'recorded', created: true });
    expect(await record(erasure)).toEqual({ outcome: 'duplicate' });
    expect(await store.findCustomerId(email)).toBe(back.customerId);
  });
});

describe('an order told of many times', () => {
  it('is on the timeline once, however many delivery ids it comes under', async () => {
    const email = uniqueEmail('redelivered');
    const order = orderPlaced('R1', 2000, { email });
    for (let delivery = 0; delivery < 100; delivery++) await record(shopify(order, `delivery-${delivery}`));
    const id = (await store.findCustomerId(email)) as string;
    const timeline = await store.timeline(id);
    expect(timeline.filter((entry) => entry.kind === 'order_placed')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.kind === 'event_received')).toHaveLength(100);
    expect((await store.load(id))?.customer.metrics.orderCount).toBe(1);
  });
});
