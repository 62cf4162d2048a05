import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WebhookParseResult, WebhookRequest } from '../../../functions/adapters/webhooks/source.js';
import {
  createWooCommerceSource,
  signWooCommerceBody,
  verifyWooCommerceSignature,
  WOOCOMMERCE_SIGNATURE_HEADER,
  woocommerceSource,
} from '../../../functions/adapters/webhooks/woocommerce.js';
import { type CanonicalEvent, CanonicalEventSchema, MAX_LINE_ITEMS } from '../../../functions/domain/events.js';

const secret = 'wc-webhook-secret-4f1c9e';
const now = new Date('2026-11-23T12:00:00Z');

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../fixtures/woocommerce/${name}.json`, import.meta.url), 'utf8')) as Json;
}

let deliveries = 0;

/** A delivery as WC_Webhook::deliver() sends it: the JSON body, signed, with the X-WC-Webhook-* headers. */
function delivery(topic: string, body: Json | string, options: { secret?: string; deliveryId?: string } = {}) {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  const [resource, event] = topic.split('.');
  deliveries += 1;
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
      'x-wc-webhook-source': 'https://shop.example.com/',
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': resource,
      'x-wc-webhook-event': event,
      [WOOCOMMERCE_SIGNATURE_HEADER]: signWooCommerceBody(rawBody, options.secret ?? secret),
      'x-wc-webhook-id': '7',
      'x-wc-webhook-delivery-id':
        options.deliveryId ?? `d41d8cd98f00b204e9800998ecf8${String(deliveries).padStart(4, '0')}`,
    },
    rawBody,
  } satisfies WebhookRequest;
}

/** Verifies then parses, as the webhook handler does. */
function receive(request: WebhookRequest): WebhookParseResult {
  expect(woocommerceSource.verify(request, secret, now)).toEqual({ ok: true });
  return woocommerceSource.parse(request, now);
}

/** The canonical events of an accepted delivery, each checked against the canonical model. */
function eventsOf(request: WebhookRequest): CanonicalEvent[] {
  const result = receive(request);
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  for (const event of result.events) expect(CanonicalEventSchema.parse(event)).toEqual(event);
  return [...result.events];
}

function only<T extends CanonicalEvent['type']>(
  events: CanonicalEvent[],
  type: T,
): Extract<CanonicalEvent, { type: T }> {
  const matching = events.filter((event) => event.type === type);
  expect(matching).toHaveLength(1);
  return matching[0] as Extract<CanonicalEvent, { type: T }>;
}

function order(name: string, changes: Json = {}): Json {
  return { ...fixture(name), ...changes };
}

describe('woocommerce webhook signature', () => {
  const body = JSON.stringify(fixture('order-created'));

  it('accepts the base64 HMAC-SHA256 of the raw body', () => {
    const header = signWooCommerceBody(body, secret);
    expect(header).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(verifyWooCommerceSignature(header, body, secret)).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret, a missing or malformed header', () => {
    const header = signWooCommerceBody(body, secret);
    expect(verifyWooCommerceSignature(header, body.replace('"42.88"', '"0.01"'), secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWooCommerceSignature(header, `${body} `, secret)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWooCommerceSignature(signWooCommerceBody(body, 'other-secret'), body, secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWooCommerceSignature(undefined, body, secret)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyWooCommerceSignature('', body, secret)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyWooCommerceSignature('not base64!', body, secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWooCommerceSignature('abc', body, secret)).toEqual({ ok: false, reason: 'malformed' });
    // Well-formed base64 of the wrong length (a hex digest, a SHA-1) is a wrong signature, compared safely.
    expect(verifyWooCommerceSignature('c2hhMQ==', body, secret)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('goes through the source with the header WooCommerce sends', () => {
    const request = delivery('order.created', body);
    expect(woocommerceSource.verify(request, secret, now)).toEqual({ ok: true });
    expect(woocommerceSource.verify(request, 'rotated-secret', now)).toEqual({ ok: false, reason: 'mismatch' });
    const unsigned = { ...request, headers: { ...request.headers, [WOOCOMMERCE_SIGNATURE_HEADER]: undefined } };
    expect(woocommerceSource.verify(unsigned, secret, now)).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('woocommerce ping', () => {
  // WC_Webhook::deliver_ping(): a form body, no signature, none of the X-WC-Webhook-* headers.
  const ping: WebhookRequest = {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
    },
    rawBody: 'webhook_id=7',
  };

  it('is let through without a signature and answered as ignored, publishing nothing', () => {
    expect(woocommerceSource.verify(ping, secret, now)).toEqual({ ok: true });
    expect(woocommerceSource.parse(ping, now)).toEqual({ kind: 'ignored', reason: 'ping' });
  });

  it('is answered the same with a signature header, right or wrong', () => {
    for (const signature of [signWooCommerceBody(ping.rawBody, secret), 'bm90IHRoZSBzaWduYXR1cmU=']) {
      const signed = { ...ping, headers: { ...ping.headers, [WOOCOMMERCE_SIGNATURE_HEADER]: signature } };
      expect(woocommerceSource.verify(signed, secret, now)).toEqual({ ok: true });
      expect(woocommerceSource.parse(signed, now)).toEqual({ kind: 'ignored', reason: 'ping' });
    }
  });

  it('is exactly `webhook_id=<digits>`: any other unsigned body is refused', () => {
    for (const rawBody of ['webhook_id=7&x=1', 'webhook_id=', 'webhook_id=7\n', ' webhook_id=7', '{"webhook_id":7}']) {
      expect(woocommerceSource.verify({ headers: {}, rawBody }, secret, now)).toEqual({ ok: false, reason: 'missing' });
    }
  });
});

describe('woocommerce customers', () => {
  it('customer.created becomes customer.signed_up, without consent', () => {
    const [event, ...rest] = eventsOf(delivery('customer.created', fixture('customer-created')));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      schemaVersion: 1,
      id: 'woocommerce:customer:25:created',
      source: 'woocommerce',
      occurredAt: '2026-11-20T09:30:00Z',
      type: 'customer.signed_up',
      data: { customer: { email: 'ada@example.com', externalId: '25', firstName: 'Ada', lastName: 'Lovelace' } },
    });
  });

  it('customer.updated becomes customer.updated at the modification time', () => {
    const event = only(eventsOf(delivery('customer.updated', fixture('customer-updated'))), 'customer.updated');
    expect(event.id).toBe('woocommerce:customer:25:updated:2026-11-22T14:04:11Z');
    expect(event.occurredAt).toBe('2026-11-22T14:04:11Z');
    expect(event.data.customer).toEqual({
      email: 'ada.king@example.com',
      externalId: '25',
      firstName: 'Ada',
      lastName: 'King',
    });
  });

  it('takes the billing name when the account has none', () => {
    const body = { ...fixture('customer-created'), first_name: '', last_name: '' };
    const event = only(eventsOf(delivery('customer.created', body)), 'customer.signed_up');
    expect(event.data.customer).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
  });

  it('ignores a user created without an email, and rejects a malformed one without echoing it', () => {
    expect(receive(delivery('customer.created', { ...fixture('customer-created'), email: '' }))).toEqual({
      kind: 'ignored',
      reason: 'customer without an email',
    });
    const result = receive(delivery('customer.created', { ...fixture('customer-created'), email: 'ada.private@@x' }));
    expect(result).toEqual({ kind: 'invalid', field: 'email', message: 'invalid email address' });
    expect(JSON.stringify(result)).not.toContain('ada.private');
  });
});

describe('woocommerce orders', () => {
  it('a processing order is placed, with exact amounts, items, coupons, customer and attribution', () => {
    const events = eventsOf(delivery('order.created', fixture('order-created')));
    expect(events).toHaveLength(1);
    const event = only(events, 'order.placed');
    expect(event).toMatchObject({
      id: 'woocommerce:order:1042:placed:2026-11-20T09:14:09Z',
      source: 'woocommerce',
      occurredAt: '2026-11-20T09:14:09Z',
    });
    expect(event.data.customer).toEqual({
      email: 'ada@example.com',
      externalId: '25',
      firstName: 'Ada',
      lastName: 'Lovelace',
      acquisition: { source: 'instagram', medium: 'social', campaign: 'autumn-launch' },
    });
    expect(event.data.order).toEqual({
      id: '1042',
      number: '1042',
      placedAt: '2026-11-20T09:14:09Z',
      total: { amount: 4288, currency: 'USD' },
      discountCodes: ['autumn5'],
      lineItems: [
        {
          productId: '93',
          sku: 'BEANIE-MER',
          name: 'Merino Wool Beanie',
          quantity: 2,
          // subtotal 24.00 / 2, before the coupon; `price` (10.5, after it) is not used.
          unitPrice: { amount: 1200, currency: 'USD' },
        },
        {
          productId: '22',
          variantId: '23',
          sku: 'SCARF-CSH-CHR',
          name: 'Cashmere Scarf \u2013 Charcoal',
          quantity: 1,
          unitPrice: { amount: 1600, currency: 'USD' },
        },
      ],
    });
  });

  it('processing and completed are both placed; each new state is a new event of the same order', () => {
    const processing = only(eventsOf(delivery('order.created', fixture('order-created'))), 'order.placed');
    const completed = only(eventsOf(delivery('order.updated', fixture('order-updated'))), 'order.placed');
    expect(completed.data.order.id).toBe(processing.data.order.id);
    expect(completed.data.order.placedAt).toBe(processing.data.order.placedAt);
    expect(completed.occurredAt).toBe('2026-11-21T15:40:27Z');
    expect(completed.id).toBe('woocommerce:order:1042:placed:2026-11-21T15:40:27Z');
    expect(completed.id).not.toBe(processing.id);
  });

  it('the same state redelivered (new delivery id, order.created or order.updated) keeps its ids', () => {
    const first = eventsOf(delivery('order.created', fixture('order-created'), { deliveryId: 'aaaa' }));
    const again = eventsOf(delivery('order.updated', fixture('order-created'), { deliveryId: 'bbbb' }));
    expect(again.map((event) => event.id)).toEqual(first.map((event) => event.id));
  });

  it.each(['pending', 'on-hold', 'failed', 'checkout-draft', 'trash', 'ready-for-pickup'])(
    'status %s is ignored',
    (status) => {
      expect(receive(delivery('order.updated', order('order-created', { status })))).toEqual({
        kind: 'ignored',
        reason: `order status ${status} is not used`,
      });
    },
  );

  it('a cancelled order becomes order.cancelled at its modification time', () => {
    const events = eventsOf(delivery('order.updated', fixture('order-cancelled')));
    expect(events).toHaveLength(1);
    expect(only(events, 'order.cancelled')).toMatchObject({
      id: 'woocommerce:order:1044:cancelled',
      occurredAt: '2026-11-21T09:02:31Z',
      data: {
        customer: { email: 'ada@example.com', externalId: '25' },
        order: { id: '1044', cancelledAt: '2026-11-21T09:02:31Z' },
      },
    });
  });

  it('a refunded order with two partial refunds gives one order.refunded per refund, with stable ids', () => {
    const events = eventsOf(delivery('order.updated', fixture('order-refunded')));
    expect(events.map((event) => event.type)).toEqual(['order.refunded', 'order.refunded']);
    expect(events.map((event) => event.id)).toEqual([
      'woocommerce:order:1043:refund:1057',
      'woocommerce:order:1043:refund:1051',
    ]);
    const refunds = events.map((event) => (event.type === 'order.refunded' ? event.data : undefined));
    expect(refunds).toEqual([
      {
        customer: { email: 'grace@example.com', externalId: '31' },
        order: { id: '1043' },
        refund: { id: '1057', amount: { amount: 2840, currency: 'EUR' }, refundedAt: '2026-11-22T10:05:37Z' },
      },
      {
        customer: { email: 'grace@example.com', externalId: '31' },
        order: { id: '1043' },
        refund: { id: '1051', amount: { amount: 1000, currency: 'EUR' }, refundedAt: '2026-11-22T10:05:37Z' },
      },
    ]);
    // A later delivery (the order touched again) repeats both refunds under the same ids: duplicates downstream.
    const later = order('order-refunded', { date_modified_gmt: '2026-11-23T08:00:00' });
    expect(eventsOf(delivery('order.updated', later)).map((event) => event.id)).toEqual(events.map((e) => e.id));
  });

  it('a partial refund on a completed order gives order.placed and order.refunded', () => {
    const body = order('order-refunded', {
      status: 'completed',
      refunds: [{ id: 1051, reason: 'Mug arrived chipped', total: '-10.00' }],
    });
    const events = eventsOf(delivery('order.updated', body));
    expect(events.map((event) => event.type)).toEqual(['order.placed', 'order.refunded']);
    const placed = only(events, 'order.placed');
    expect(placed.data.order.total).toEqual({ amount: 3840, currency: 'EUR' });
    // Prices are entered tax included in this shop: the unit price is the line subtotal plus its tax.
    expect(placed.data.order.lineItems.map((item) => item.unitPrice.amount)).toEqual([1500, 920]);
    expect(only(events, 'order.refunded').data.refund.amount).toEqual({ amount: 1000, currency: 'EUR' });
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
  });

  it('an order marked Refunded with no refund listed is refunded in full', () => {
    const events = eventsOf(delivery('order.updated', order('order-refunded', { refunds: [] })));
    expect(only(events, 'order.refunded')).toMatchObject({
      id: 'woocommerce:order:1043:refund:1043-full',
      data: { refund: { id: '1043-full', amount: { amount: 3840, currency: 'EUR' } } },
    });
  });

  it('a guest order (customer_id 0) keeps the billing email, normalised, and no external id', () => {
    const event = only(eventsOf(delivery('order.created', fixture('order-guest'))), 'order.placed');
    expect(event.data.customer).toEqual({
      email: 'katherine.johnson@example.com',
      firstName: 'Katherine',
      lastName: 'Johnson',
      acquisition: { source: 'google', medium: 'organic' },
    });
    // Cash on delivery: not paid yet, so placed when created.
    expect(event.data.order.placedAt).toBe('2026-11-22T18:45:19Z');
    expect(event.data.order.total).toEqual({ amount: 2899, currency: 'USD' });
  });

  it('an order without an email is still placed: without a customer, or with only the account id', () => {
    const guest = order('order-guest', { billing: { ...(fixture('order-guest').billing as Json), email: '' } });
    const anonymous = only(eventsOf(delivery('order.created', guest)), 'order.placed');
    expect(anonymous.data.customer).toBeUndefined();
    expect(anonymous.data.order.total).toEqual({ amount: 2899, currency: 'USD' });

    const account = order('order-created', { billing: { ...(fixture('order-created').billing as Json), email: '' } });
    const placed = only(eventsOf(delivery('order.created', account)), 'order.placed');
    expect(placed.data.customer).toMatchObject({ externalId: '25' });
    expect(placed.data.customer?.email).toBeUndefined();

    const cancelled = order('order-cancelled', { billing: null, customer_id: 0 });
    expect(only(eventsOf(delivery('order.updated', cancelled)), 'order.cancelled').data.customer).toBeUndefined();
  });

  it('a JPY order has amounts in whole yen', () => {
    const event = only(eventsOf(delivery('order.created', fixture('order-jpy'))), 'order.placed');
    expect(event.data.order.total).toEqual({ amount: 7150, currency: 'JPY' });
    // Tax-inclusive shop: 2 x (2000 + 200) / 2 and (4000 + 400) / 1.
    expect(event.data.order.lineItems.map((item) => item.unitPrice)).toEqual([
      { amount: 1100, currency: 'JPY' },
      { amount: 4400, currency: 'JPY' },
    ]);
    // A shop that keeps two decimals for yen sends "7150.00": the same amount.
    const decimals = order('order-jpy', { total: '7150.00' });
    expect(only(eventsOf(delivery('order.created', decimals)), 'order.placed').data.order.total.amount).toBe(7150);
  });

  it(`keeps at most ${MAX_LINE_ITEMS} line items, names cut to 300 characters, skips lines without a product`, () => {
    const template = (fixture('order-created').line_items as Json[])[0] as Json;
    const lines = Array.from({ length: 120 }, (_, index) => ({
      ...template,
      id: 1000 + index,
      product_id: index === 0 ? 0 : 500 + index,
      name: `${'x'.repeat(400)}${index}`,
    }));
    const event = only(
      eventsOf(delivery('order.created', order('order-created', { line_items: lines }))),
      'order.placed',
    );
    expect(event.data.order.lineItems).toHaveLength(MAX_LINE_ITEMS);
    expect(event.data.order.lineItems[0]?.productId).toBe('501');
    expect(event.data.order.lineItems.every((item) => item.name.length === 300)).toBe(true);
  });
});

describe('woocommerce payloads the product does not use or cannot read', () => {
  it.each(['coupon.created', 'coupon.updated', 'order.deleted', 'customer.deleted', 'action.woocommerce_add_to_cart'])(
    'topic %s is ignored',
    (topic) => {
      expect(receive(delivery(topic, { id: 93 }))).toEqual({ kind: 'ignored', reason: `topic ${topic} is not used` });
    },
  );

  it('a body that is not JSON is invalid at (body)', () => {
    expect(receive(delivery('order.created', '{"id": 1042,'))).toEqual({
      kind: 'invalid',
      field: '(body)',
      message: 'the body is not valid JSON',
    });
  });

  it('a delivery without a topic is invalid', () => {
    const request = delivery('order.created', fixture('order-created'));
    const headers = { ...request.headers, 'x-wc-webhook-topic': undefined };
    expect(woocommerceSource.parse({ ...request, headers }, now)).toMatchObject({
      kind: 'invalid',
      field: 'x-wc-webhook-topic',
    });
  });

  it.each([
    [{ total: '42,88' }, 'total'],
    [{ total: 42.88 }, 'total'],
    [{ currency: 'usd' }, 'currency'],
    [{ date_created_gmt: '20 November 2026' }, 'date_created_gmt'],
    [{ date_modified_gmt: '2026-13-40T09:14:09' }, 'date_modified_gmt'],
    [{ customer_id: '25' }, 'customer_id'],
    [{ refunds: [{ id: 1051, reason: '', total: 'ten' }] }, 'refunds.0.total'],
  ])('a malformed order names the field (%#)', (changes, field) => {
    expect(receive(delivery('order.updated', order('order-created', changes)))).toMatchObject({
      kind: 'invalid',
      field,
    });
  });

  it('names the line item field', () => {
    const lines = fixture('order-created').line_items as Json[];
    const broken = [lines[0], { ...lines[1], subtotal: 'free' }];
    expect(receive(delivery('order.created', order('order-created', { line_items: broken })))).toEqual({
      kind: 'invalid',
      field: 'line_items.1.subtotal',
      message: 'expected a decimal amount',
    });
    const noQuantity = [{ ...lines[0], quantity: 1.5 }];
    expect(receive(delivery('order.created', order('order-created', { line_items: noQuantity })))).toMatchObject({
      kind: 'invalid',
      field: 'line_items.0.quantity',
    });
  });

  it('never echoes a malformed email', () => {
    const billing = { ...(fixture('order-created').billing as Json), email: 'secret.person@@example.com' };
    const result = receive(delivery('order.created', order('order-created', { billing })));
    expect(result).toEqual({ kind: 'invalid', field: 'billing.email', message: 'invalid email address' });
    expect(JSON.stringify(result)).not.toContain('secret.person');
  });
});

describe('woocommerce products: the catalogue', () => {
  const shop = createWooCommerceSource({ currency: 'USD' });
  const productEvent = (topic: string, body: Json | string, source = shop) => {
    const request = delivery(topic, body);
    expect(source.verify(request, secret, now)).toEqual({ ok: true });
    return source.parse(request, now);
  };
  const upserted = (topic: string, body: Json) => {
    const result = productEvent(topic, body);
    if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
    for (const event of result.events) expect(CanonicalEventSchema.parse(event)).toEqual(event);
    return only([...result.events], 'product.upserted');
  };

  it('a published product on sale: its page, first image, sale price struck from the regular one, categories', () => {
    const event = upserted('product.created', fixture('product-created'));
    expect(event).toMatchObject({ id: 'woocommerce:product:794:2026-11-20T09:30:00Z', source: 'woocommerce' });
    expect(event.data.product).toEqual({
      id: '794',
      title: 'Merino Scarf \u2013 Charcoal',
      url: 'https://shop.example.com/product/merino-scarf-charcoal/',
      imageUrl: 'https://shop.example.com/wp-content/uploads/2026/11/merino-scarf-charcoal.jpg',
      price: { amount: 2935, currency: 'USD' },
      compareAtPrice: { amount: 3900, currency: 'USD' },
      availability: 'in_stock',
      categories: ['Scarves & Wraps', 'Accessories'],
      updatedAt: '2026-11-20T09:30:00Z',
    });
  });

  it('out of stock after the sale: the regular price, no compare-at price, a new event of the same product', () => {
    const event = upserted('product.updated', fixture('product-updated'));
    expect(event.id).toBe('woocommerce:product:794:2026-11-22T08:00:00Z');
    expect(event.data.product).toMatchObject({ price: { amount: 3900 }, availability: 'out_of_stock' });
    expect(event.data.product).not.toHaveProperty('compareAtPrice');
  });

  it('on backorder is for sale; a draft (or private) product has no page and cannot be bought', () => {
    const backorder = upserted('product.updated', { ...fixture('product-updated'), stock_status: 'onbackorder' });
    expect(backorder.data.product.availability).toBe('in_stock');
    const draft = upserted('product.created', fixture('product-variable-draft'));
    expect(draft.data.product).toMatchObject({ id: '810', price: { amount: 2200 }, availability: 'out_of_stock' });
    expect(draft.data.product).not.toHaveProperty('url');
    expect(draft.data.product).not.toHaveProperty('variants');
    const hidden = upserted('product.updated', { ...fixture('product-created'), status: 'private' });
    expect(hidden.data.product).toMatchObject({ availability: 'out_of_stock' });
    expect(hidden.data.product).not.toHaveProperty('url');
  });

  it('prices use the currency exponent: whole yen', () => {
    const yen = createWooCommerceSource({ currency: 'JPY' });
    const body = { ...fixture('product-created'), price: '2980', regular_price: '3500', sale_price: '2980' };
    const result = productEvent('product.created', body, yen);
    expect(result).toMatchObject({
      kind: 'events',
      events: [{ data: { product: { price: { amount: 2980, currency: 'JPY' }, compareAtPrice: { amount: 3500 } } } }],
    });
  });

  it('a restored product is catalogued again; a deletion is as of its receipt, each receipt its own event', () => {
    expect(upserted('product.restored', fixture('product-updated')).data.product.id).toBe('794');
    const result = productEvent('product.deleted', fixture('product-deleted'));
    expect(result).toEqual({
      kind: 'events',
      events: [
        expect.objectContaining({
          id: `woocommerce:product:794:deleted:${now.toISOString()}`,
          type: 'product.deleted',
          occurredAt: now.toISOString(),
          data: { product: { id: '794' } },
        }),
      ],
    });
  });

  it('a product without any price is not catalogued; without a shop currency no product is', () => {
    const unpriced = { ...fixture('product-variable-draft'), price: '', regular_price: '' };
    expect(productEvent('product.created', unpriced)).toEqual({
      kind: 'ignored',
      reason: 'a product without a price is not catalogued',
    });
    expect(productEvent('product.created', fixture('product-created'), woocommerceSource)).toMatchObject({
      kind: 'ignored',
      reason: 'products need the shop currency (sources.woocommerce.currency)',
    });
  });

  it.each([
    [{ price: '29,35' }, 'price'],
    [{ price: 29.35 }, 'price'],
    [{ regular_price: '-1' }, 'regular_price'],
    [{ name: ' ' }, 'name'],
    [{ permalink: 'javascript:alert(1)' }, 'permalink'],
    [{ images: [{ src: 'ftp://shop.example.com/a.jpg' }] }, 'images.0.src'],
    [{ date_modified_gmt: 'yesterday' }, 'date_modified_gmt'],
  ])('refuses %j naming the field %s', (changes, field) => {
    const result = productEvent('product.updated', { ...fixture('product-created'), ...changes });
    expect(result).toMatchObject({ kind: 'invalid', field });
    expect(JSON.stringify(result)).not.toContain('alert');
  });

  it('a deletion without an id is invalid', () => {
    expect(productEvent('product.deleted', {})).toMatchObject({ kind: 'invalid', field: 'id' });
  });
});
