import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRET_DEFAULTS } from '../../functions/adapters/webhook-secrets.js';
import { signShopifyBody } from '../../functions/adapters/webhooks/shopify.js';
import { signWooCommerceBody } from '../../functions/adapters/webhooks/woocommerce.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../functions/handlers/webhook.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { ALL_SOURCES, testConfig } from '../helpers/config.js';
import { engines } from '../helpers/engines.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * Every storefront through the real path of the local runtime: signed HTTP request → webhook handler →
 * bus → customer handler → DynamoDB Local. Fixtures are the vendors' payload formats, signed here with
 * each vendor's algorithm and the runtime's default local secrets.
 */
let stack: LocalStack;
let tableName: string;

beforeAll(async () => {
  tableName = `storefronts-${Date.now()}`;
  stack = await startTestStack(
    'storefronts',
    testConfig({
      sources: ALL_SOURCES,
      currencyRates: { EUR: 1.1 },
    }),
    { tableName },
  );
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  status: number;
  body: Record<string, any>;
}

async function post(source: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${stack.urls.api}/webhooks/${source}`, { method: 'POST', headers, body });
  const text = await response.text();
  await stack.bus.idle();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const fixture = (path: string) => readFileSync(resolve('tests/fixtures', path), 'utf8');

async function customer(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return response.status === 404 ? undefined : ((await response.json()) as Record<string, any>);
}

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

describe('WooCommerce', () => {
  const secret = LOCAL_SECRET_DEFAULTS.woocommerce;
  const send = (file: string, topic: string, options: { secret?: string; body?: string } = {}) => {
    const body = options.body ?? fixture(`woocommerce/${file}`);
    return post('woocommerce', body, {
      'content-type': 'application/json',
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': topic.split('.')[0] ?? '',
      'x-wc-webhook-event': topic.split('.')[1] ?? '',
      'x-wc-webhook-delivery-id': `d-${Math.random()}`,
      'x-wc-webhook-signature': signWooCommerceBody(body, options.secret ?? secret),
    });
  };

  it('answers the ping that saves a new webhook with 200', async () => {
    const response = await post('woocommerce', 'webhook_id=7', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'ping' } });
  });

  it('an update delivered before the creation it follows gives one order, counted once', async () => {
    const updated = await send('order-updated.json', 'order.updated');
    const created = await send('order-created.json', 'order.created');
    expect([updated.status, created.status]).toEqual([200, 200]);
    const email = JSON.parse(fixture('woocommerce/order-created.json')).billing.email.toLowerCase();
    const doc = await customer(email);
    expect(doc?.customer.metrics.orderCount).toBe(1);
    expect(doc?.customer.stage).toBe('first_time_customer');
  });

  it('the same delivery twice is accepted twice and applied once', async () => {
    const first = await send('order-guest.json', 'order.created');
    const again = await send('order-guest.json', 'order.created');
    expect(first.body.status).toBe('accepted');
    expect(again).toEqual({ status: 200, body: { status: 'accepted', events: first.body.events } });
    const email = JSON.parse(fixture('woocommerce/order-guest.json')).billing.email.toLowerCase();
    const doc = await customer(email);
    expect(doc?.timeline.filter((entry: { kind: string }) => entry.kind === 'order_placed')).toHaveLength(1);
  });

  it('refunds reduce revenue exactly, converted to the reporting currency', async () => {
    const refundedOrder = JSON.parse(fixture('woocommerce/order-refunded.json'));
    // The same order as it was when paid, before the refunds: status processing, no refunds yet.
    const paid = JSON.stringify({
      ...refundedOrder,
      status: 'processing',
      refunds: [],
      date_modified_gmt: refundedOrder.date_created_gmt,
    });
    expect((await send('', 'order.created', { body: paid })).status).toBe(200);
    expect((await send('order-refunded.json', 'order.updated')).status).toBe(200);
    const doc = await customer(refundedOrder.billing.email.toLowerCase());
    const total = Math.round(Number(refundedOrder.total) * 100);
    const refunded = refundedOrder.refunds.reduce(
      (sum: number, r: { total: string }) => sum + Math.round(-Number(r.total) * 100),
      0,
    );
    const orderKey = `woocommerce:${refundedOrder.id}`;
    const kinds = doc?.timeline
      .filter((entry: { orderKey?: string }) => entry.orderKey === orderKey)
      .map((entry: { kind: string }) => entry.kind);
    expect(kinds).toEqual(['order_placed', ...refundedOrder.refunds.map(() => 'order_refunded')]);
    // EUR at 1.1 to USD: each amount converted, then netted.
    const expected =
      Math.round((total / 100) * 1.1 * 100) -
      refundedOrder.refunds.reduce(
        (sum: number, r: { total: string }) => sum + Math.round(-Number(r.total) * 1.1 * 100),
        0,
      );
    expect(doc?.customer.metrics.revenue).toEqual({ amount: Math.max(0, expected), currency: 'USD' });
    expect(refunded).toBeLessThanOrEqual(total);
  });

  it('a JPY order is kept in whole yen', async () => {
    expect((await send('order-jpy.json', 'order.created')).status).toBe(200);
    const body = JSON.parse(fixture('woocommerce/order-jpy.json'));
    const doc = await customer(body.billing.email.toLowerCase());
    const order = doc?.timeline.find((entry: { kind: string }) => entry.kind === 'order_placed');
    expect(order?.total).toBe(`${body.total} JPY`);
  });

  it('keeps the catalogue from product.*: a late creation undoes no update, a deletion stays', async () => {
    const product = async () => (await allItems()).find((item) => item.pk === 'PRODUCT#woocommerce:794');
    expect((await send('product-updated.json', 'product.updated')).status).toBe(200);
    expect((await send('product-created.json', 'product.created')).status).toBe(200);
    expect(await product()).toMatchObject({
      product: {
        title: 'Merino Scarf \u2013 Charcoal',
        price: { amount: 3900, currency: 'USD' },
        availability: 'out_of_stock',
        url: 'https://shop.example.com/product/merino-scarf-charcoal/',
      },
    });
    // The same state redelivered is accepted again and changes nothing.
    const kept = await product();
    expect((await send('product-updated.json', 'product.updated')).status).toBe(200);
    expect(await product()).toEqual(kept);
    expect((await send('product-deleted.json', 'product.deleted')).status).toBe(200);
    // A state from before the deletion, delivered after it, does not bring the product back.
    const earlier = {
      ...JSON.parse(fixture('woocommerce/product-updated.json')),
      date_modified_gmt: '2026-11-25T00:00:00',
    };
    expect((await send('', 'product.updated', { body: JSON.stringify(earlier) })).body.status).toBe('accepted');
    const gone = await product();
    expect(gone).toMatchObject({ deleted: true });
    expect(gone).not.toHaveProperty('product');
  });

  it('refuses a tampered body, a wrong secret and a missing signature with 401', async () => {
    const body = fixture('woocommerce/order-created.json');
    const signature = signWooCommerceBody(body, secret);
    const headers = { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created' };
    expect(
      (
        await post('woocommerce', body.replace('processing', 'completed'), {
          ...headers,
          'x-wc-webhook-signature': signature,
        })
      ).status,
    ).toBe(401);
    expect((await send('order-created.json', 'order.created', { secret: 'wrong' })).status).toBe(401);
    expect((await post('woocommerce', body, headers)).status).toBe(401);
  });

  it('answers a malformed body 400, an unused topic 200 ignored, an oversized body 413', async () => {
    expect((await send('', 'order.created', { body: '{"id": ' })).status).toBe(400);
    expect(await send('', 'coupon.created', { body: '{"id": 5}' })).toMatchObject({
      status: 200,
      body: { status: 'ignored' },
    });
    const huge = JSON.stringify({ id: 1, padding: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    expect((await send('', 'order.created', { body: huge })).status).toBe(413);
  });
});

describe('Stripe', () => {
  const secret = LOCAL_SECRET_DEFAULTS.stripe;
  const signed = (body: string, timestamp = Math.floor(Date.now() / 1000)) =>
    Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
  const send = (body: string, signature = signed(body)) =>
    post('stripe', body, { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature });

  it('a paid checkout becomes an order with its consent; a refund of its charge reduces revenue', async () => {
    const checkout = fixture('stripe/checkout-session-completed.json');
    const refund = fixture('stripe/charge-refunded.json');
    const session = JSON.parse(checkout).data.object;
    const email = session.customer_details.email.toLowerCase();
    // The same person may already have bought through another storefront: one customer across sources.
    const before = (await customer(email))?.customer.metrics ?? { orderCount: 0, revenue: { amount: 0 } };
    expect((await send(checkout)).status).toBe(200);
    expect((await send(refund)).status).toBe(200);
    const doc = await customer(email);
    expect(doc?.customer.consent).toMatchObject({ email: 'subscribed', source: 'stripe:checkout' });
    expect(doc?.customer.metrics.orderCount).toBe(before.orderCount + 1);
    const net = session.amount_total - JSON.parse(refund).data.object.amount_refunded;
    expect(doc?.customer.metrics.revenue.amount).toBe(before.revenue.amount + net);
    expect(doc?.customer.sources).toContain('stripe');
  });

  it('keeps the catalogue from products and prices delivered out of order; a deletion stays', async () => {
    const product = async () => (await allItems()).find((item) => item.pk === 'PRODUCT#stripe:prod_TfKq2WnXb8Lm3R');
    // Newest first: the price archived, the default price set, then the older creations.
    for (const name of ['price-updated', 'product-updated', 'product-created', 'price-created']) {
      expect((await send(fixture(`stripe/${name}.json`))).status).toBe(200);
    }
    expect(await product()).toMatchObject({
      changedAt: '2026-11-23T11:59:10.000Z',
      product: {
        title: 'Stoneware mug',
        url: 'https://shop.example.com/products/stoneware-mug',
        price: { amount: 2400, currency: 'EUR' },
        availability: 'out_of_stock',
      },
    });
    expect((await send(fixture('stripe/product-deleted.json'))).status).toBe(200);
    const late = JSON.parse(fixture('stripe/price-created.json'));
    expect((await send(JSON.stringify({ ...late, id: 'evt_late_price', created: late.created + 3600 }))).status).toBe(
      200,
    );
    const gone = await product();
    expect(gone).toMatchObject({ deleted: true });
    expect(gone).not.toHaveProperty('product');
  });

  it('a redelivered event is applied once', async () => {
    const body = fixture('stripe/checkout-session-completed.json');
    const email = JSON.parse(body).data.object.customer_details.email.toLowerCase();
    expect((await send(body)).status).toBe(200);
    const once = await customer(email);
    expect((await send(body)).body.status).toBe('accepted');
    expect(await customer(email)).toEqual(once);
  });

  it('refuses a signature older than five minutes, and one made with another secret', async () => {
    const body = fixture('stripe/customer-created.json');
    const stale = await send(body, signed(body, Math.floor(Date.now() / 1000) - 301));
    expect(stale).toMatchObject({ status: 401, body: { error: 'InvalidSignature' } });
    const other = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_other' });
    expect((await send(body, other)).status).toBe(401);
  });

  it('ignores event types the product does not use, and answers malformed JSON 400', async () => {
    const body = JSON.stringify({
      id: 'evt_ignored_1',
      object: 'event',
      type: 'payout.paid',
      created: 1,
      data: { object: {} },
    });
    expect(await send(body)).toMatchObject({ status: 200, body: { status: 'ignored' } });
    expect((await send('{"id": "evt_1", ')).status).toBe(400);
  });
});

describe('Shopify', () => {
  const secret = LOCAL_SECRET_DEFAULTS.shopify;
  let delivery = 0;
  const send = (file: string, topic: string, options: { secret?: string; body?: string; webhookId?: string } = {}) => {
    const body = options.body ?? fixture(`shopify/${file}`);
    return post('shopify', body, {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': options.webhookId ?? `wh-${Date.now()}-${++delivery}`,
      'x-shopify-shop-domain': 'demo-shop.myshopify.com',
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-hmac-sha256': signShopifyBody(body, options.secret ?? secret),
    });
  };
  const ada = 'ada.lovelace@example.com';

  it('an update that arrives before its creation wins: the newer consent is kept', async () => {
    expect((await send('customers-update.json', 'customers/update')).status).toBe(200);
    expect((await send('customers-create.json', 'customers/create')).status).toBe(200);
    const doc = await customer(ada);
    // customers/update (April, unsubscribed) is newer than customers/create (March, subscribed).
    expect(doc?.customer.consent.email).toBe('unsubscribed');
    expect(doc?.customer.aliases).toContain('shopify:7408130015395');
  });

  it('keeps the catalogue from products/*: a late creation undoes no update, a deletion stays', async () => {
    const product = async () => {
      await stack.bus.idle();
      return (await allItems()).find((item) => item.pk === 'PRODUCT#shopify:8846208532643');
    };
    expect((await send('products-update.json', 'products/update')).status).toBe(200);
    expect((await send('products-create.json', 'products/create')).status).toBe(200);
    expect(await product()).toMatchObject({
      changedAt: '2026-06-01T13:20:31.000Z',
      product: { title: 'Linen tea towel', price: { amount: 1600, currency: 'USD' }, availability: 'in_stock' },
    });
    expect((await send('products-delete.json', 'products/delete')).status).toBe(200);
    expect((await send('products-update.json', 'products/update')).status).toBe(200);
    const gone = await product();
    expect(gone).toMatchObject({ deleted: true });
    expect(gone).not.toHaveProperty('product');
  });

  it("keeps stock from inventory_levels/update through the variants' inventory items, by time", async () => {
    // Its own product, whose inventory items are the fixture's plus one, so that the test above leaves it alone.
    const base = JSON.parse(fixture('shopify/products-update.json'));
    const variants = base.variants.map((variant: Record<string, any>) => ({
      ...variant,
      product_id: 8846208533000,
      inventory_item_id: variant.inventory_item_id + 1,
    }));
    const body = JSON.stringify({ ...base, id: 8846208533000, variants });
    const [itemA, itemB] = variants.map((variant: Record<string, any>) => variant.inventory_item_id);
    const level = (item: number, location: number, available: number | null, updatedAt: string) =>
      JSON.stringify({
        ...JSON.parse(fixture('shopify/inventory-levels-update.json')),
        inventory_item_id: item,
        location_id: location,
        available,
        updated_at: updatedAt,
      });
    const stock = async () => {
      const item = (await allItems()).find(
        (entry) => entry.pk === 'PRODUCT#shopify:8846208533000' && entry.sk === 'PRODUCT',
      );
      const product = item?.product as Record<string, any>;
      return [product.availability, ...product.variants.map((variant: Record<string, any>) => variant.availability)];
    };
    expect((await send('', 'products/update', { body })).status).toBe(200);
    expect(await stock()).toEqual(['in_stock', 'in_stock', 'in_stock']);

    // Both variants sold out at the one location, one after the other.
    expect(
      (await send('', 'inventory_levels/update', { body: level(itemA, 1, 0, '2026-06-02T09:00:00Z') })).status,
    ).toBe(200);
    expect(await stock()).toEqual(['in_stock', 'out_of_stock', 'in_stock']);
    const soldOut = level(itemB, 1, 0, '2026-06-02T09:05:00Z');
    expect((await send('', 'inventory_levels/update', { body: soldOut, webhookId: 'inventory-sold-out' })).status).toBe(
      200,
    );
    expect(await stock()).toEqual(['out_of_stock', 'out_of_stock', 'out_of_stock']);
    // The same delivery again, and a level older than the one kept, change nothing.
    expect((await send('', 'inventory_levels/update', { body: soldOut, webhookId: 'inventory-sold-out' })).status).toBe(
      200,
    );
    expect(
      (await send('', 'inventory_levels/update', { body: level(itemB, 1, 7, '2026-06-02T09:01:00Z') })).status,
    ).toBe(200);
    expect(await stock()).toEqual(['out_of_stock', 'out_of_stock', 'out_of_stock']);

    // Restocked at a second location: available at any location is available.
    expect(
      (await send('', 'inventory_levels/update', { body: level(itemB, 2, 3, '2026-06-02T10:00:00Z') })).status,
    ).toBe(200);
    expect(await stock()).toEqual(['in_stock', 'out_of_stock', 'in_stock']);
    // Sold out at a third location later: still some at the second.
    expect(
      (await send('', 'inventory_levels/update', { body: level(itemB, 3, 0, '2026-06-02T10:30:00Z') })).status,
    ).toBe(200);
    expect(await stock()).toEqual(['in_stock', 'out_of_stock', 'in_stock']);

    // A level older than the product's own state leaves the product as its payload said.
    expect(
      (await send('', 'inventory_levels/update', { body: level(itemA, 2, 5, '2026-05-01T00:00:00Z') })).status,
    ).toBe(200);
    expect(await stock()).toEqual(['in_stock', 'out_of_stock', 'in_stock']);

    // An item no product payload named: accepted, nothing changes.
    const unknown = await send('', 'inventory_levels/update', { body: level(999, 1, 0, '2026-06-02T11:00:00Z') });
    expect(unknown).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await stock()).toEqual(['in_stock', 'out_of_stock', 'in_stock']);
  });

  it('consent from the consent topic, orders counted once across orders/create and orders/paid', async () => {
    expect(
      (await send('customers-email-marketing-consent-update.json', 'customers_email_marketing_consent/update')).status,
    ).toBe(200);
    expect((await customer('grace.hopper@example.com'))?.customer.consent.email).toBe('subscribed');
    const created = await send('orders-create.json', 'orders/create', { webhookId: 'wh-order-1001' });
    expect(created.body.status).toBe('accepted');
    expect((await send('orders-paid.json', 'orders/paid')).status).toBe(200);
    const doc = await customer(ada);
    expect(doc?.customer.metrics.orderCount).toBe(1);
    expect(doc?.customer.acquisition).toMatchObject({ source: expect.any(String) });
    // The same delivery again, as Shopify retries it: accepted, and the customer is as it was.
    expect((await send('orders-create.json', 'orders/create', { webhookId: 'wh-order-1001' })).body.status).toBe(
      'accepted',
    );
    expect(await customer(ada)).toEqual(doc);
  });

  it('a refund (which names only the order) and a cancellation find the customer through the order', async () => {
    expect((await send('refunds-create.json', 'refunds/create')).status).toBe(200);
    expect((await send('orders-cancelled.json', 'orders/cancelled')).status).toBe(200);
    const doc = await customer(ada);
    const kinds = doc?.timeline.map((entry: { kind: string }) => entry.kind);
    expect(kinds).toContain('order_refunded');
    expect(kinds).toContain('order_cancelled');
    expect(doc?.customer.metrics.orderCount).toBe(0);
  });

  it('checkouts are kept on the customer; a JPY order is in whole yen; an order without email counts for the store', async () => {
    expect((await send('checkouts-create.json', 'checkouts/create')).status).toBe(200);
    expect((await send('checkouts-update.json', 'checkouts/update')).status).toBe(200);
    // Ada's order of 1 June was placed after this checkout started (30 May): whichever arrived first, the
    // order completes it, so no abandoned-checkout reminder is due.
    expect((await customer(ada))?.customer.checkout).toMatchObject({
      key: expect.stringMatching(/^shopify:/),
      status: 'completed',
    });
    expect((await send('orders-create-jpy.json', 'orders/create')).status).toBe(200);
    const jpy = await customer('hokusai@example.com');
    expect(jpy?.timeline.find((entry: { kind: string }) => entry.kind === 'order_placed')?.total).toBe('4500 JPY');
    expect((await send('orders-create-no-email.json', 'orders/create')).status).toBe(200);
    const pointer = (await allItems()).find((item) => item.pk === 'ORDER#shopify:6183520059555' && item.sk === 'ORDER');
    expect(pointer).toMatchObject({ order: { total: { currency: expect.any(String) } } });
    expect(pointer?.customerId).toBeUndefined();
  });

  it('refuses a tampered body, a wrong secret and a missing signature; ignores unused topics; 400 and 413 as documented', async () => {
    const body = fixture('shopify/orders-create.json');
    const headers = {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-webhook-id': 'wh-x',
    };
    expect(
      (
        await post('shopify', body.replace('1001', '1002'), {
          ...headers,
          'x-shopify-hmac-sha256': signShopifyBody(body, secret),
        })
      ).status,
    ).toBe(401);
    expect((await send('orders-create.json', 'orders/create', { secret: 'wrong' })).status).toBe(401);
    expect((await post('shopify', body, headers)).status).toBe(401);
    expect(await send('', 'collections/update', { body: '{"id": 1}' })).toMatchObject({
      status: 200,
      body: { status: 'ignored' },
    });
    expect((await send('', 'orders/create', { body: '{"id": ' })).status).toBe(400);
    expect((await send('', 'orders/create', { body: `{"pad": "${'x'.repeat(MAX_WEBHOOK_BODY_BYTES)}"}` })).status).toBe(
      413,
    );
  });

  it('a data request stores an export; an erasure leaves nothing personal about the customer in the table', async () => {
    expect((await send('customers-data-request.json', 'customers/data_request')).status).toBe(200);
    // The export in the customer's partition (erased with them), and a pointer to it under the request.
    const exports = (await allItems()).filter((item) => item.entity === 'export');
    expect(exports).toHaveLength(1);
    expect(JSON.stringify(exports[0])).toContain(ada);
    expect((await allItems()).filter((item) => item.entity === 'export-pointer')).toHaveLength(1);
    expect((await send('customers-redact.json', 'customers/redact')).status).toBe(200);
    const items = await allItems();
    const text = JSON.stringify(items);
    for (const personal of [ada, '7408130015395']) expect(text, `found ${personal}`).not.toContain(personal);
    expect(await customer(ada)).toBeUndefined();
    expect(items.some((item) => String(item.pk).startsWith('SUPPRESSION#'))).toBe(true);
  });
});

describe('what is kept', () => {
  it('only the canonical facts: no storefront payload is stored as it came', async () => {
    const text = JSON.stringify(await allItems());
    expect(text.length).toBeGreaterThan(1000);
    for (const vendorOnly of ['"_links"', '"meta_data"', '"livemode"', '"payment_method_details"', '"billing"']) {
      expect(text).not.toContain(vendorOnly);
    }
  });
});

describe('the generic format', () => {
  it('serves its JSON Schema', async () => {
    const response = await fetch(`${stack.urls.api}/webhooks/generic/schema`);
    expect(response.status).toBe(200);
    // The same schema the docs publish (npm run schema writes it), one entry per generic event.
    const published = JSON.parse(readFileSync('docs/generic-webhook.schema.json', 'utf8')) as { oneOf: unknown[] };
    expect(await response.json()).toEqual(published);
    expect(published.oneOf).toHaveLength(13);
  });

  it('a disabled or unknown source is 404', async () => {
    expect((await post('magento', '{}', {})).status).toBe(404);
  });
});

describe('a shop erasure (Shopify shop/redact), last since it erases everything', () => {
  it('leaves only suppression hashes of the store data', async () => {
    const body = fixture('shopify/shop-redact.json');
    const response = await post('shopify', body, {
      'content-type': 'application/json',
      'x-shopify-topic': 'shop/redact',
      'x-shopify-webhook-id': 'wh-shop-redact',
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-hmac-sha256': signShopifyBody(body, LOCAL_SECRET_DEFAULTS.shopify),
    });
    expect(response.status).toBe(200);
    await stack.bus.idle();
    const left = await allItems();
    const personal = left.filter((item) => /^(CUSTOMER|EMAIL|ALIAS|ORDER|EXPORT)#/.test(String(item.pk)));
    expect(personal).toEqual([]);
  });
});
