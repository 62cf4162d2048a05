import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createShopifySource,
  SHOPIFY_TOPICS,
  shopifySource,
  signShopifyBody,
  verifyShopifySignature,
} from '../../../functions/adapters/webhooks/shopify.js';
import type { WebhookParseResult, WebhookRequest } from '../../../functions/adapters/webhooks/source.js';
import { type CanonicalEvent, CanonicalEventSchema, type EventOfType } from '../../../functions/domain/events.js';

const secret = 'shpss_0d9c8b7a6f5e4d3c2b1a';
const now = new Date('2026-06-01T13:20:00Z');
const triggeredAt = '2026-06-01T13:19:58.123456Z';

/** The exact text of a fixture: it is what Shopify signs. */
function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/shopify/${name}`, import.meta.url), 'utf8');
}

/** A fixture's JSON to modify; re-serialised, its 13-digit ids stay exact. */
function payload(name: string): Record<string, any> {
  return JSON.parse(fixture(name));
}

let deliveries = 0;

/** A delivery as Shopify sends it: signed with the secret, with the delivery headers. */
function delivery(topic: string, rawBody: string, headers: Record<string, string | undefined> = {}): WebhookRequest {
  deliveries += 1;
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': signShopifyBody(rawBody, secret),
      'x-shopify-shop-domain': 'northwind-linen.myshopify.com',
      'x-shopify-api-version': '2026-07',
      'x-shopify-webhook-id': `b54557e4-bdd9-4b37-8a5f-${String(deliveries).padStart(12, '0')}`,
      'x-shopify-event-id': '59d6d79c-595f-4e7e-bc6f-72f5c3d0c66f',
      'x-shopify-triggered-at': triggeredAt,
      ...headers,
    },
  };
}

/** Verifies like the webhook function does, then parses. */
function receive(topic: string, body: string | object, headers: Record<string, string | undefined> = {}) {
  const request = delivery(topic, typeof body === 'string' ? body : JSON.stringify(body), headers);
  expect(shopifySource.verify(request, secret, now)).toEqual({ ok: true });
  return shopifySource.parse(request, now);
}

/** The one event of a result, checked against the canonical model. */
function single<T extends CanonicalEvent['type']>(result: WebhookParseResult, type: T): EventOfType<T> {
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  expect(result.events).toHaveLength(1);
  const [event] = result.events;
  expect(CanonicalEventSchema.parse(event)).toEqual(event);
  expect(event?.type).toBe(type);
  return event as EventOfType<T>;
}

describe('Shopify signature', () => {
  const body = fixture('orders-create.json');

  it('is the base64 HMAC-SHA256 of the raw body', () => {
    // Well-known test vector for HMAC-SHA256.
    expect(signShopifyBody('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      '97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=',
    );
  });

  it('accepts a body signed with the secret, whatever the clock says (Shopify signs no timestamp)', () => {
    const request = delivery('orders/create', body);
    expect(shopifySource.verify(request, secret, now)).toEqual({ ok: true });
    expect(shopifySource.verify(request, secret, new Date('2030-01-01T00:00:00Z'))).toEqual({ ok: true });
  });

  it('refuses a tampered body and a wrong secret', () => {
    const signature = signShopifyBody(body, secret);
    expect(verifyShopifySignature(signature, `${body} `, secret)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyShopifySignature(signature, body.replace('115.50', '1.50'), secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyShopifySignature(signature, body, 'shpss_other')).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a missing or malformed header', () => {
    const request = delivery('orders/create', body, { 'x-shopify-hmac-sha256': undefined });
    expect(shopifySource.verify(request, secret, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyShopifySignature('', body, secret)).toEqual({ ok: false, reason: 'missing' });
    const hex = signShopifyBody(body, secret);
    const hexDigest = Buffer.from(hex, 'base64').toString('hex');
    expect(verifyShopifySignature(hexDigest, body, secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyShopifySignature('not a signature', body, secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyShopifySignature(hex.slice(0, -4), body, secret)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('Shopify customers', () => {
  it('customers/create becomes customer.signed_up with consent, names and the Shopify customer id', () => {
    const event = single(receive('customers/create', fixture('customers-create.json')), 'customer.signed_up');
    expect(event).toMatchObject({
      schemaVersion: 1,
      source: 'shopify',
      occurredAt: '2026-03-02T10:14:08.000Z',
      data: {
        customer: {
          email: 'ada.lovelace@example.com',
          externalId: '7408130015395',
          firstName: 'Ada',
          lastName: 'Lovelace',
          consent: { email: 'subscribed', source: 'shopify:single_opt_in', at: '2026-03-02T10:14:07.000Z' },
        },
      },
    });
    expect(event.id).toMatch(/^shopify:b54557e4-bdd9-4b37-8a5f-\d{12}$/);
  });

  it('uses the delivery id as the event id, so a redelivery is the same event', () => {
    const body = fixture('customers-create.json');
    const headers = { 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' };
    const first = single(receive('customers/create', body, headers), 'customer.signed_up');
    const again = single(receive('customers/create', body, headers), 'customer.signed_up');
    expect(first.id).toBe('shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
    expect(again).toEqual(first);
  });

  it('reads a current (2025-01+) payload: no consent in it, and an 18-digit id kept exact', () => {
    const event = single(receive('customers/create', fixture('customers-create-2026-07.json')), 'customer.signed_up');
    expect(event.data.customer.externalId).toBe('706405506930370084');
    expect(event.data.customer.consent).toBeUndefined();
    expect(event.occurredAt).toBe('2026-05-11T12:30:00.000Z');
  });

  it.each([null, '', '   '])('ignores a new customer without email (%j)', (email) => {
    const body = { ...payload('customers-create.json'), email };
    expect(receive('customers/create', body)).toEqual({ kind: 'ignored', reason: 'customer without email' });
  });

  it('customers/update becomes customer.updated, carrying an unsubscription', () => {
    const event = single(receive('customers/update', fixture('customers-update.json')), 'customer.updated');
    expect(event.occurredAt).toBe('2026-04-18T20:03:55.000Z');
    expect(event.data.customer).toEqual({
      email: 'ada.lovelace@example.com',
      externalId: '7408130015395',
      firstName: 'Ada',
      lastName: 'Lovelace',
      consent: { email: 'unsubscribed', source: 'shopify:single_opt_in', at: '2026-04-18T20:03:54.000Z' },
    });
  });

  it('customers/update of a customer without email still identifies them by their Shopify id', () => {
    const body = { ...payload('customers-update.json'), email: null };
    const event = single(receive('customers/update', body), 'customer.updated');
    expect(event.data.customer.email).toBeUndefined();
    expect(event.data.customer.externalId).toBe('7408130015395');
  });

  it.each([
    ['subscribed', 'subscribed'],
    ['unsubscribed', 'unsubscribed'],
    ['not_subscribed', 'none'],
    ['pending', 'pending'],
    ['redacted', 'unsubscribed'],
    ['invalid', 'unsubscribed'],
  ])('maps the email marketing state %s to %s', (state, expected) => {
    const body = payload('customers-update.json');
    body.email_marketing_consent.state = state;
    const event = single(receive('customers/update', body), 'customer.updated');
    expect(event.data.customer.consent?.email).toBe(expected);
  });

  it('leaves consent out when the state is unknown or absent', () => {
    const body = payload('customers-update.json');
    for (const state of ['something_new', 'constructor']) {
      body.email_marketing_consent = { state, opt_in_level: null, consent_updated_at: null };
      expect(single(receive('customers/update', body), 'customer.updated').data.customer.consent).toBeUndefined();
    }
    body.email_marketing_consent = null;
    expect(single(receive('customers/update', body), 'customer.updated').data.customer.consent).toBeUndefined();
  });

  it('customers_email_marketing_consent/update becomes consent.changed', () => {
    const result = receive(
      'customers_email_marketing_consent/update',
      fixture('customers-email-marketing-consent-update.json'),
    );
    const event = single(result, 'consent.changed');
    expect(event.occurredAt).toBe('2026-05-11T12:41:12.000Z');
    expect(event.data).toEqual({
      customer: { email: 'grace.hopper@example.com', externalId: '706405506930370084' },
      consent: { email: 'subscribed', source: 'shopify:confirmed_opt_in', at: '2026-05-11T12:41:12.000Z' },
    });
  });

  it('takes the trigger time when Shopify leaves the timestamps null, and needs one', () => {
    const body = { ...payload('customers-create.json'), created_at: null, updated_at: null };
    const event = single(receive('customers/create', body), 'customer.signed_up');
    expect(event.occurredAt).toBe('2026-06-01T13:19:58.123Z');
    expect(receive('customers/create', body, { 'x-shopify-triggered-at': undefined })).toMatchObject({
      kind: 'invalid',
      field: 'updated_at',
    });
  });
});

describe('Shopify orders', () => {
  it('orders/create becomes order.placed: shop-currency total, line items, discount codes, customer', () => {
    const event = single(receive('orders/create', fixture('orders-create.json')), 'order.placed');
    expect(event.occurredAt).toBe('2026-06-01T13:12:45.000Z');
    expect(event.data.order).toEqual({
      id: '6183519994019',
      number: '#1001',
      placedAt: '2026-06-01T13:12:43.000Z',
      // total_price in `currency` (the shop's), not the EUR the customer saw.
      total: { amount: 11550, currency: 'USD' },
      discountCodes: ['SPRING10'],
      lineItems: [
        {
          productId: '8837166334115',
          variantId: '47281992319139',
          sku: 'LS-SAND-M',
          name: 'Linen Shirt - Sand / M',
          quantity: 2,
          unitPrice: { amount: 4200, currency: 'USD' },
        },
        {
          productId: '8837166366883',
          variantId: '47281992351907',
          sku: 'NAP-4',
          name: 'Linen Napkins (Set of 4)',
          quantity: 1,
          unitPrice: { amount: 2400, currency: 'USD' },
        },
        // The gift wrapping line has no product: it is counted in the total only.
      ],
    });
    expect(event.data.customer).toEqual({
      email: 'ada.lovelace@example.com',
      externalId: '7408130015395',
      firstName: 'Ada',
      lastName: 'Lovelace',
      locale: 'en-US',
      acquisition: { source: 'newsletter', medium: 'email', campaign: 'spring-sale' },
    });
  });

  it('orders/create and orders/paid of one order give the same order id under different event ids', () => {
    const created = single(receive('orders/create', fixture('orders-create.json')), 'order.placed');
    const paid = single(receive('orders/paid', fixture('orders-paid.json')), 'order.placed');
    expect(paid.data.order.id).toBe(created.data.order.id);
    expect(paid.data.order.total).toEqual(created.data.order.total);
    expect(paid.id).not.toBe(created.id);
    expect(paid.occurredAt > created.occurredAt).toBe(true);
  });

  it('reads a zero-decimal currency: a JPY order of 4500 is 4500, not 450000', () => {
    const event = single(receive('orders/create', fixture('orders-create-jpy.json')), 'order.placed');
    expect(event.data.order.total).toEqual({ amount: 4500, currency: 'JPY' });
    expect(event.data.order.lineItems[0]?.unitPrice).toEqual({ amount: 1500, currency: 'JPY' });
    expect(event.data.customer?.locale).toBe('ja');
  });

  it('without UTM parameters, the referring site host is a referral', () => {
    const event = single(receive('orders/create', fixture('orders-create-jpy.json')), 'order.placed');
    expect(event.data.customer?.acquisition).toEqual({ source: 'www.google.com', medium: 'referral' });
    const body = { ...payload('orders-create-jpy.json'), referring_site: null };
    expect(single(receive('orders/create', body), 'order.placed').data.customer?.acquisition).toBeUndefined();
  });

  it('reads UTM parameters from a full landing URL too, and keeps a partial set', () => {
    const body = { ...payload('orders-create.json'), landing_site: 'https://shop.example.com/?utm_source=instagram' };
    const event = single(receive('orders/create', body), 'order.placed');
    expect(event.data.customer?.acquisition).toEqual({ source: 'instagram' });
  });

  it('an order with no customer and no email is still order.placed, without a customer', () => {
    const event = single(receive('orders/create', fixture('orders-create-no-email.json')), 'order.placed');
    expect(event.data.customer).toBeUndefined();
    expect(event.data.order).toMatchObject({ id: '6183520059555', total: { amount: 2400, currency: 'USD' } });
  });

  it('a guest order takes the order email, then the contact email', () => {
    const guest = { ...payload('orders-create.json'), customer: null, email: 'Guest@Example.com' };
    expect(single(receive('orders/create', guest), 'order.placed').data.customer).toMatchObject({
      email: 'guest@example.com',
    });
    const contact = { ...guest, email: '', contact_email: 'contact@example.com' };
    const event = single(receive('orders/create', contact), 'order.placed');
    expect(event.data.customer?.email).toBe('contact@example.com');
    expect(event.data.customer?.externalId).toBeUndefined();
  });

  it("takes the customer's email marketing consent when the payload has it (API 2024-10 and before)", () => {
    const body = payload('orders-create.json');
    body.customer.email_marketing_consent = {
      state: 'subscribed',
      opt_in_level: 'confirmed_opt_in',
      consent_updated_at: '2026-06-01T09:12:40-04:00',
    };
    const event = single(receive('orders/create', body), 'order.placed');
    expect(event.data.customer?.consent).toEqual({
      email: 'subscribed',
      source: 'shopify:confirmed_opt_in',
      at: '2026-06-01T13:12:40.000Z',
    });
  });

  it(`keeps at most 100 line items`, () => {
    const body = payload('orders-create.json');
    const [item] = body.line_items;
    body.line_items = Array.from({ length: 150 }, (_, index) => ({ ...item, id: item.id + index }));
    const event = single(receive('orders/create', body), 'order.placed');
    expect(event.data.order.lineItems).toHaveLength(100);
  });

  it('cuts long names to what the canonical model holds', () => {
    const body = payload('orders-create.json');
    body.line_items[0].name = 'x'.repeat(400);
    body.customer.first_name = 'y'.repeat(250);
    const event = single(receive('orders/create', body), 'order.placed');
    expect(event.data.order.lineItems[0]?.name).toHaveLength(300);
    expect(event.data.customer?.firstName).toHaveLength(200);
  });

  it('orders/cancelled becomes order.cancelled', () => {
    const event = single(receive('orders/cancelled', fixture('orders-cancelled.json')), 'order.cancelled');
    expect(event.occurredAt).toBe('2026-06-01T19:47:31.000Z');
    expect(event.data).toEqual({
      customer: { email: 'ada.lovelace@example.com', externalId: '7408130015395' },
      order: { id: '6183519994019', cancelledAt: '2026-06-01T19:47:30.000Z' },
    });
  });

  it('an orders/create body sent as orders/cancelled is refused: it has no cancellation time', () => {
    expect(receive('orders/cancelled', fixture('orders-create.json'))).toMatchObject({
      kind: 'invalid',
      field: 'cancelled_at',
    });
  });
});

describe('Shopify refunds', () => {
  it('refunds/create becomes order.refunded with the successful refund transactions only', () => {
    const event = single(receive('refunds/create', fixture('refunds-create.json')), 'order.refunded');
    expect(event.occurredAt).toBe('2026-06-09T15:02:18.000Z');
    expect(event.data).toEqual({
      order: { id: '6183519994019' },
      // The failed attempt of 34.78 is not counted; transactions are in the currency the customer paid.
      refund: { id: '939207295139', amount: { amount: 3478, currency: 'EUR' }, refundedAt: '2026-06-09T15:02:18.000Z' },
    });
  });

  it('sums several successful transactions', () => {
    const body = payload('refunds-create.json');
    body.transactions[0].status = 'success';
    body.transactions[0].amount = '10.00';
    const event = single(receive('refunds/create', body), 'order.refunded');
    expect(event.data.refund.amount).toEqual({ amount: 4478, currency: 'EUR' });
  });

  it('takes the currency from the refund money sets when transactions carry none', () => {
    const body = payload('refunds-create.json');
    for (const transaction of body.transactions) transaction.currency = null;
    expect(single(receive('refunds/create', body), 'order.refunded').data.refund.amount).toEqual({
      amount: 3478,
      currency: 'EUR',
    });
    body.refund_line_items = [];
    body.total_duties_set.presentment_money.currency_code = 'CAD';
    expect(single(receive('refunds/create', body), 'order.refunded').data.refund.amount.currency).toBe('CAD');
  });

  it('a refund without money movement is an order.refunded of zero', () => {
    const body = { ...payload('refunds-create.json'), transactions: [] };
    expect(single(receive('refunds/create', body), 'order.refunded').data.refund.amount).toEqual({
      amount: 0,
      currency: 'EUR',
    });
  });

  it('refuses successful transactions in several currencies, naming the transaction', () => {
    const body = payload('refunds-create.json');
    body.transactions[0].status = 'success';
    body.transactions[1].currency = 'USD';
    expect(receive('refunds/create', body)).toMatchObject({ kind: 'invalid', field: 'transactions.1.currency' });
  });
});

describe('Shopify checkouts', () => {
  it('checkouts/create becomes checkout.started, identified by the checkout token', () => {
    const event = single(receive('checkouts/create', fixture('checkouts-create.json')), 'checkout.started');
    expect(event.occurredAt).toBe('2026-05-31T00:41:09.000Z');
    expect(event.data).toEqual({
      customer: {
        email: 'ada.lovelace@example.com',
        externalId: '7408130015395',
        firstName: 'Ada',
        lastName: 'Lovelace',
        locale: 'en-US',
      },
      checkout: {
        id: 'c1-7e0d3b6f5a4c4e2f9b8a7d6c5b4a3f2e',
        url: 'https://northwind-linen.example.com/checkouts/c1-7e0d3b6f5a4c4e2f9b8a7d6c5b4a3f2e/recover?key=4f1e2d3c5b6a7980',
        total: { amount: 8400, currency: 'USD' },
        lineItems: [
          {
            productId: '8837166334115',
            variantId: '47281992319139',
            sku: 'LS-SAND-M',
            name: 'Linen Shirt - Sand / M',
            quantity: 2,
            unitPrice: { amount: 4200, currency: 'USD' },
          },
        ],
      },
    });
  });

  it('checkouts/update becomes checkout.updated of the same checkout', () => {
    const started = single(receive('checkouts/create', fixture('checkouts-create.json')), 'checkout.started');
    const updated = single(receive('checkouts/update', fixture('checkouts-update.json')), 'checkout.updated');
    expect(updated.data.checkout.id).toBe(started.data.checkout.id);
    expect(updated.data.checkout.total).toEqual({ amount: 11900, currency: 'USD' });
    expect(updated.data.checkout.lineItems.map((item) => item.name)).toEqual([
      'Linen Shirt - Sand / M',
      'Linen Napkins (Set of 4)',
    ]);
  });

  it('takes the customer email when the checkout has none, and ignores a checkout without any', () => {
    const body = { ...payload('checkouts-create.json'), email: null };
    expect(single(receive('checkouts/create', body), 'checkout.started').data.customer.email).toBe(
      'ada.lovelace@example.com',
    );
    expect(receive('checkouts/update', { ...body, customer: null })).toEqual({
      kind: 'ignored',
      reason: 'checkout without email',
    });
  });

  it('ignores an update of a checkout that is already completed (the order covers it)', () => {
    const body = { ...payload('checkouts-update.json'), completed_at: '2026-05-30T20:47:02-04:00' };
    expect(receive('checkouts/update', body)).toEqual({ kind: 'ignored', reason: 'checkout already completed' });
  });
});

describe('Shopify compliance topics', () => {
  it('customers/redact becomes customer.erased, at the trigger time', () => {
    const event = single(receive('customers/redact', fixture('customers-redact.json')), 'customer.erased');
    expect(event.occurredAt).toBe('2026-06-01T13:19:58.123Z');
    expect(event.data.customer).toEqual({ email: 'ada.lovelace@example.com', externalId: '7408130015395' });
  });

  it('customers/redact with only an email or only an id still identifies the customer', () => {
    const body = payload('customers-redact.json');
    body.customer = { email: 'ada.lovelace@example.com' };
    expect(single(receive('customers/redact', body), 'customer.erased').data.customer).toEqual({
      email: 'ada.lovelace@example.com',
    });
    body.customer = { id: 7408130015395, email: null, phone: null };
    expect(single(receive('customers/redact', body), 'customer.erased').data.customer).toEqual({
      externalId: '7408130015395',
    });
    body.customer = { id: null, email: null, phone: '555-625-1199' };
    expect(receive('customers/redact', body)).toMatchObject({ kind: 'invalid', field: 'customer' });
  });

  it('customers/data_request becomes customer.data_requested with the request id', () => {
    const result = receive('customers/data_request', fixture('customers-data-request.json'));
    const event = single(result, 'customer.data_requested');
    expect(event.data).toEqual({
      customer: { email: 'ada.lovelace@example.com', externalId: '7408130015395' },
      request: { id: '9917' },
    });
  });

  it('shop/redact becomes shop.erased with the shop domain', () => {
    const event = single(receive('shop/redact', fixture('shop-redact.json')), 'shop.erased');
    expect(event.data).toEqual({ shop: { domain: 'northwind-linen.myshopify.com' } });
  });

  it('needs the trigger time, as compliance payloads carry no timestamp', () => {
    expect(receive('shop/redact', fixture('shop-redact.json'), { 'x-shopify-triggered-at': undefined })).toMatchObject({
      kind: 'invalid',
      field: '(headers).x-shopify-triggered-at',
    });
  });

  it('refuses a signed body of another topic resent under a compliance topic (headers are not signed)', () => {
    expect(receive('shop/redact', fixture('customers-redact.json'))).toMatchObject({
      kind: 'invalid',
      field: 'customer',
    });
    expect(receive('customers/redact', fixture('orders-create.json'))).toMatchObject({ kind: 'invalid' });
    expect(receive('customers/data_request', fixture('customers-redact.json'))).toMatchObject({ kind: 'invalid' });
  });
});

describe('Shopify products', () => {
  const store = createShopifySource({ storeUrl: 'https://shop.northwind-linen.example', currency: 'USD' });
  const product = (topic: string, body: string | object, headers: Record<string, string | undefined> = {}) => {
    const request = delivery(topic, typeof body === 'string' ? body : JSON.stringify(body), headers);
    expect(store.verify(request, secret, now)).toEqual({ ok: true });
    return store.parse(request, now);
  };

  it('products/create becomes product.upserted: page, image, lowest price, stock per variant, categories', () => {
    const event = single(product('products/create', fixture('products-create.json')), 'product.upserted');
    expect(event.id).toMatch(/^shopify:b54557e4-/);
    expect(event.occurredAt).toBe('2026-05-20T14:02:14.000Z');
    expect(event.data.product).toEqual({
      id: '8846208532643',
      title: 'Linen tea towel',
      url: 'https://shop.northwind-linen.example/products/linen-tea-towel',
      imageUrl: 'https://cdn.shopify.com/s/files/1/0612/3456/7890/files/tea-towel-natural.jpg?v=1716213733',
      price: { amount: 1800, currency: 'USD' },
      compareAtPrice: { amount: 2400, currency: 'USD' },
      availability: 'in_stock',
      categories: ['Kitchen', 'gift', 'linen'],
      variants: [
        { id: '46502836093091', title: 'Natural', price: { amount: 1800, currency: 'USD' }, availability: 'in_stock' },
        {
          id: '46502836125859',
          title: 'Charcoal',
          price: { amount: 1800, currency: 'USD' },
          availability: 'out_of_stock',
        },
      ],
      updatedAt: '2026-05-20T14:02:14.000Z',
    });
  });

  it('products/update carries the new price and stock, at the newest time of the product and its variants', () => {
    const body = payload('products-update.json');
    body.updated_at = '2026-05-20T10:02:14-04:00';
    const event = single(product('products/update', body), 'product.upserted');
    expect(event.data.product.updatedAt).toBe('2026-06-01T13:20:31.000Z');
    expect(event.data.product.price).toEqual({ amount: 1600, currency: 'USD' });
    expect(event.data.product.compareAtPrice).toEqual({ amount: 2400, currency: 'USD' });
    expect(event.data.product.variants?.map((variant) => variant.availability)).toEqual(['in_stock', 'in_stock']);
  });

  it("names the variants' inventory items, whether each sells without stock, and whether the product is for sale", () => {
    const body = payload('products-update.json');
    body.variants[0].inventory_policy = 'continue';
    expect(single(product('products/update', body), 'product.upserted').data.inventoryItems).toEqual([
      { itemId: '46502837093091', variantId: body.variants[0].id.toString(), alwaysAvailable: true, forSale: true },
      { itemId: '46502837125859', variantId: body.variants[1].id.toString(), alwaysAvailable: false, forSale: true },
    ]);
    body.status = 'draft';
    expect(single(product('products/update', body), 'product.upserted').data.inventoryItems?.[1]).toMatchObject({
      forSale: false,
    });
  });

  it('inventory_levels/update becomes product.inventory_changed: item, location, available, at its updated_at', () => {
    const event = single(
      product('inventory_levels/update', fixture('inventory-levels-update.json')),
      'product.inventory_changed',
    );
    expect(event.occurredAt).toBe('2026-06-02T13:15:04.000Z');
    expect(event.data.inventory).toEqual({
      itemId: '46502837125859',
      locationId: '71234560163',
      available: 0,
      updatedAt: '2026-06-02T13:15:04.000Z',
    });
    const untracked = { ...payload('inventory-levels-update.json'), available: null };
    expect(
      single(product('inventory_levels/update', untracked), 'product.inventory_changed').data.inventory,
    ).not.toHaveProperty('available');
    for (const [change, field] of [
      [{ inventory_item_id: 'abc' }, 'inventory_item_id'],
      [{ location_id: null }, 'location_id'],
      [{ available: 1.5 }, 'available'],
    ] as const) {
      const body = { ...payload('inventory-levels-update.json'), ...change };
      expect(product('inventory_levels/update', body)).toMatchObject({ kind: 'invalid', field });
    }
  });

  it('reads stock as Shopify sells it: untracked or sold past zero is for sale; all sold out is out of stock', () => {
    const body = payload('products-create.json');
    body.variants[0].inventory_quantity = 0;
    expect(single(product('products/create', body), 'product.upserted').data.product.availability).toBe('out_of_stock');
    body.variants[1].inventory_policy = 'continue';
    expect(single(product('products/create', body), 'product.upserted').data.product.availability).toBe('in_stock');
    body.variants[1].inventory_policy = 'deny';
    body.variants[0].inventory_management = null;
    expect(single(product('products/create', body), 'product.upserted').data.product.availability).toBe('in_stock');
  });

  it('a draft, archived or unpublished product has no page and cannot be bought', () => {
    for (const change of [{ status: 'draft' }, { status: 'archived' }, { published_at: null }]) {
      const { data } = single(
        product('products/update', { ...payload('products-update.json'), ...change }),
        'product.upserted',
      );
      expect(data.product.url).toBeUndefined();
      if (change.status) expect(data.product.availability).toBe('out_of_stock');
    }
  });

  it('a compare-at price not above the price is no reduction ("0.00", null)', () => {
    const body = payload('products-create.json');
    body.variants[0].compare_at_price = '0.00';
    expect(single(product('products/create', body), 'product.upserted').data.product).not.toHaveProperty(
      'compareAtPrice',
    );
  });

  it('refuses what cannot be a product, naming the field', () => {
    const withChange = (change: (body: Record<string, any>) => void) => {
      const body = payload('products-create.json');
      change(body);
      return product('products/create', body);
    };
    expect(
      withChange((body) => {
        body.image.src = 'javascript:alert(1)';
      }),
    ).toMatchObject({ kind: 'invalid', field: 'image.src' });
    expect(
      withChange((body) => {
        body.variants[1].price = '-5.00';
      }),
    ).toMatchObject({ kind: 'invalid', field: 'variants.1.price' });
    expect(
      withChange((body) => {
        body.title = '  ';
      }),
    ).toMatchObject({ kind: 'invalid', field: 'title' });
    expect(
      withChange((body) => {
        body.variants = [];
      }),
    ).toMatchObject({ kind: 'invalid', field: 'variants' });
  });

  it('keeps at most 100 variants, priced from all of them', () => {
    const body = payload('products-create.json');
    body.variants = Array.from({ length: 150 }, (_, i) => ({
      ...body.variants[0],
      id: 46502836093091 + i,
      price: i === 149 ? '9.00' : '18.00',
    }));
    const { data } = single(product('products/update', body), 'product.upserted');
    expect(data.product.variants).toHaveLength(100);
    expect(data.product.price).toEqual({ amount: 900, currency: 'USD' });
  });

  it('products/delete becomes product.deleted at the trigger time', () => {
    const event = single(product('products/delete', fixture('products-delete.json')), 'product.deleted');
    expect(event).toMatchObject({ occurredAt: '2026-06-01T13:19:58.123Z', data: { product: { id: '8846208532643' } } });
  });

  it('ignores product topics when the shop currency is not known', () => {
    expect(receive('products/create', fixture('products-create.json'))).toMatchObject({ kind: 'ignored' });
  });
});

describe('Shopify deliveries the product does not use or cannot read', () => {
  it('ignores topics the product does not use', () => {
    const body = '{"id":788032119674292922,"title":"Example T-Shirt"}';
    expect(receive('collections/update', body)).toEqual({
      kind: 'ignored',
      reason: 'topic collections/update is not used',
    });
    expect(receive('customers/delete', '{"id":706405506930370084}')).toEqual({
      kind: 'ignored',
      reason: 'topic customers/delete is not used',
    });
    expect(receive('Weird Topic <script>', body)).toEqual({ kind: 'ignored', reason: 'topic is not used' });
  });

  it('handles exactly the documented topics', () => {
    expect(Object.keys(SHOPIFY_TOPICS).sort()).toEqual([
      'checkouts/create',
      'checkouts/update',
      'customers/create',
      'customers/data_request',
      'customers/redact',
      'customers/update',
      'customers_email_marketing_consent/update',
      'inventory_levels/update',
      'orders/cancelled',
      'orders/create',
      'orders/paid',
      'products/create',
      'products/delete',
      'products/update',
      'refunds/create',
      'shop/redact',
    ]);
  });

  it('needs the delivery id and the topic', () => {
    const body = fixture('orders-create.json');
    expect(receive('orders/create', body, { 'x-shopify-webhook-id': undefined })).toEqual({
      kind: 'invalid',
      field: '(headers).x-shopify-webhook-id',
      message: 'the delivery id header is missing',
    });
    expect(receive('orders/create', body, { 'x-shopify-webhook-id': 'a b' })).toMatchObject({
      kind: 'invalid',
      field: '(headers).x-shopify-webhook-id',
    });
    expect(receive('orders/create', body, { 'x-shopify-topic': undefined })).toMatchObject({
      kind: 'invalid',
      field: '(headers).x-shopify-topic',
    });
  });

  it('answers invalid for a body that is not JSON', () => {
    expect(receive('orders/create', '{"id": 6183519994019,')).toEqual({
      kind: 'invalid',
      field: '(body)',
      message: 'the body is not valid JSON',
    });
  });

  it.each([
    ['an unparsable total', 'orders/create', { total_price: '115,50' }, 'total_price'],
    ['a bad currency', 'orders/create', { currency: 'usd' }, 'currency'],
    ['a missing order id', 'orders/create', { id: null }, 'id'],
    ['a date without offset', 'orders/create', { processed_at: '2026-06-01 09:12:43' }, 'processed_at'],
    ['no placement time at all', 'orders/create', { processed_at: null, created_at: null }, 'processed_at'],
    ['a bad checkout URL', 'checkouts/create', { abandoned_checkout_url: 'not a url' }, 'abandoned_checkout_url'],
  ])('names the field of %s', (_case, topic, change, field) => {
    const name = topic === 'orders/create' ? 'orders-create.json' : 'checkouts-create.json';
    expect(receive(topic, { ...payload(name), ...change })).toMatchObject({ kind: 'invalid', field });
  });

  it('names a line item price that is not an amount', () => {
    const body = payload('orders-create.json');
    body.line_items[1].price = 'free';
    expect(receive('orders/create', body)).toMatchObject({ kind: 'invalid', field: 'line_items.1.price' });
  });

  it('never echoes a malformed address', () => {
    const body = { ...payload('customers-create.json'), email: 'ada.secret@@example.com' };
    const result = receive('customers/create', body);
    expect(result).toMatchObject({ kind: 'invalid', field: 'email' });
    expect(JSON.stringify(result)).not.toContain('ada.secret');
    const order = { ...payload('orders-create.json'), customer: null, email: 'bob.private@@example.com' };
    const orderResult = receive('orders/create', order);
    expect(orderResult).toMatchObject({ kind: 'invalid', field: 'email' });
    expect(JSON.stringify(orderResult)).not.toContain('bob.private');
  });
});
