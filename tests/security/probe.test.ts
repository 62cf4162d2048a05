import { describe, expect, it } from 'vitest';
import {
  SHOPIFY_SHOP_DOMAIN_HEADER,
  SHOPIFY_TOPIC_HEADER,
  SHOPIFY_TRIGGERED_AT_HEADER,
  SHOPIFY_WEBHOOK_ID_HEADER,
} from '../../functions/adapters/webhooks/shopify.js';
import { WOOCOMMERCE_TOPIC_HEADER } from '../../functions/adapters/webhooks/woocommerce.js';
import { EmailAddressSchema } from '../../functions/domain/email-address.js';
import { ALL_SOURCES, testConfig } from '../helpers/config.js';
import { fixtures, invoke, NOW, NOW_SECONDS, signatureHeaders, webhookHandler, webhookRequest } from './harness.js';

/*
 * What an adversarial probe of the webhooks found, each case signed with the right secret: a valid signature
 * proves who sent a body, not that what it says can be real.
 */

const fixture = (source: 'generic' | 'shopify' | 'stripe' | 'woocommerce', name: string) => {
  const found = fixtures(source).find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${source}/${name}`);
  return { ...found, json: JSON.parse(found.text) as Record<string, any> };
};

let deliveries = 0;
function shopifyHeaders(topic: string, raw: string, extra: Record<string, string | undefined> = {}) {
  return {
    ...signatureHeaders('shopify', raw),
    [SHOPIFY_TOPIC_HEADER]: topic,
    [SHOPIFY_WEBHOOK_ID_HEADER]: `probe-${++deliveries}`,
    [SHOPIFY_TRIGGERED_AT_HEADER]: '2026-11-24T11:00:00Z',
    [SHOPIFY_SHOP_DOMAIN_HEADER]: 'northwind-linen.myshopify.com',
    ...extra,
  };
}

async function sendGeneric(body: Record<string, unknown>, handler = webhookHandler()) {
  const raw = JSON.stringify(body);
  const answer = await invoke(handler.handler, webhookRequest('generic', raw, signatureHeaders('generic', raw)));
  return { ...answer, published: handler.published };
}

async function sendShopify(
  topic: string,
  body: unknown,
  options: { handler?: ReturnType<typeof webhookHandler> } = {},
) {
  const handler = options.handler ?? webhookHandler();
  const raw = JSON.stringify(body);
  const answer = await invoke(handler.handler, webhookRequest('shopify', raw, shopifyHeaders(topic, raw)));
  return { ...answer, published: handler.published };
}

const checkout = fixture('generic', 'checkout-started').json;
const signup = fixture('generic', 'customer-signed-up').json;
const order = fixture('generic', 'order-placed').json;
const withCheckoutUrl = (url: string) => ({
  ...checkout,
  data: { ...checkout.data, checkout: { ...checkout.data.checkout, url } },
});

describe('links from storefronts', () => {
  it('a link with markup in it is kept only in its encoded normal form', async () => {
    const hostile = 'https://shop.example.com/c"><h1>Your account is suspended</h1><a href="https://evil.example/login';
    const answer = await sendGeneric(withCheckoutUrl(hostile));
    expect(answer.status).toBe(200);
    const url = (answer.published[0]?.detail as any)?.data.checkout.url as string;
    expect(url).toBe(
      'https://shop.example.com/c%22%3E%3Ch1%3EYour%20account%20is%20suspended%3C/h1%3E%3Ca%20href=%22https://evil.example/login',
    );
    expect(url).not.toMatch(/[<>"'\s]/);
  });

  it.each([
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'JaVaScRiPt:alert(1)',
    'mailto:someone@example.com',
    'https://shop.example.com@evil.example/login',
    '//evil.example/path',
  ])('refuses %s as a checkout link, naming the field', async (url) => {
    const answer = await sendGeneric(withCheckoutUrl(url));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'InvalidPayload', field: 'data.checkout.url' });
    expect(answer.published).toHaveLength(0);
  });

  it('refuses a Shopify checkout whose link is not http(s), naming its field', async () => {
    const body = { ...fixture('shopify', 'checkouts-create').json, abandoned_checkout_url: 'javascript:alert(1)' };
    const answer = await sendShopify('checkouts/create', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'abandoned_checkout_url' });
  });
});

describe('Shopify compliance requests', () => {
  const configured = () =>
    webhookHandler({
      config: testConfig({
        sources: { ...ALL_SOURCES, shopify: { enabled: true, shopDomain: 'northwind-linen.myshopify.com' } },
      }),
    });
  const topics = [
    ['shop/redact', 'shop-redact'],
    ['customers/redact', 'customers-redact'],
    ['customers/data_request', 'customers-data-request'],
  ] as const;

  it.each(topics)('%s must name the configured shop in its signed body', async (topic, name) => {
    const body = fixture('shopify', name).json;
    const accepted = await sendShopify(topic, body, { handler: configured() });
    expect(accepted.status).toBe(200);
    for (const domain of [null, undefined, '', 'another-shop.myshopify.com']) {
      const handler = configured();
      const { shop_domain: _, ...rest } = body;
      const answer = await sendShopify(topic, domain === undefined ? rest : { ...rest, shop_domain: domain }, {
        handler,
      });
      expect(answer.status, `${topic} with shop_domain ${String(domain)}`).toBe(400);
      expect(answer.body).toMatchObject({ error: 'InvalidPayload', field: 'shop_domain' });
      expect(handler.published).toHaveLength(0);
    }
  });

  it.each(topics)('%s is identified by its signed body, not by the unsigned delivery id', async (topic, name) => {
    const handler = webhookHandler();
    const body = fixture('shopify', name).json;
    await sendShopify(topic, body, { handler });
    await sendShopify(topic, body, { handler });
    await sendShopify(topic, { ...body, shop_id: 1 }, { handler });
    const ids = handler.published.map((event) => (event.detail as { id: string }).id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toMatch(new RegExp(`^shopify:${topic}:[0-9a-f]{64}$`));
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('other topics keep the delivery id: an order is told of again under a new one', async () => {
    const handler = webhookHandler();
    const body = fixture('shopify', 'orders-create').json;
    await sendShopify('orders/create', body, { handler });
    await sendShopify('orders/create', body, { handler });
    const ids = handler.published.map((event) => (event.detail as { id: string }).id);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('email addresses', () => {
  const withEmail = (email: string) => ({ ...signup, data: { customer: { ...signup.data.customer, email } } });

  it('refuses an address over 254 characters or with a local part over 64, naming the field', async () => {
    for (const email of [
      `${'a'.repeat(3000)}@example.com`,
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(64)}.com`,
    ]) {
      const answer = await sendGeneric(withEmail(email));
      expect(answer.status, `${email.length} characters`).toBe(400);
      expect(answer.body).toMatchObject({ field: 'data.customer.email' });
      expect(answer.raw).not.toContain('aaaa');
    }
    const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(longest).toHaveLength(254);
    expect((await sendGeneric(withEmail(longest))).status).toBe(200);
  });

  it('validates before it lower-cases: a Kelvin sign is not a k', async () => {
    expect(EmailAddressSchema.safeParse('\u212Ael@example.com').success).toBe(false);
    expect(EmailAddressSchema.safeParse('ADA\u0130@example.com').success).toBe(false);
    const answer = await sendGeneric(withEmail('\u212Ael-vin@example.com'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'data.customer.email' });
    expect(EmailAddressSchema.parse('  Kel.Vin+Shop@Example.COM ')).toBe('kel.vin+shop@example.com');
  });
});

describe('times that cannot be real', () => {
  const productAt = (updatedAt: string) => {
    const body = structuredClone(fixture('generic', 'product-upserted').json) as Record<string, any>;
    body.data.product.updatedAt = updatedAt;
    return body;
  };
  const consentAt = (at: string) => ({
    ...signup,
    data: { customer: { ...signup.data.customer, consent: { email: 'subscribed', at } } },
  });

  it.each([
    ['an event in year 9999', { ...signup, occurredAt: '9999-12-31T23:59:59Z' }, 'occurredAt'],
    [
      'an event an hour ahead',
      { ...signup, occurredAt: new Date(NOW.getTime() + 3_600_000).toISOString() },
      'occurredAt',
    ],
    ['an event in 1900', { ...signup, occurredAt: '1900-01-01T00:00:00Z' }, 'occurredAt'],
    ['a consent dated 9999', consentAt('9999-12-31T00:00:00Z'), 'data.customer.consent.at'],
    ['a consent dated 1900', consentAt('1900-01-01T00:00:00Z'), 'data.customer.consent.at'],
    // A product state dated 9999 would outrank every later real change and freeze it in the catalogue.
    ['a product state dated 9999', productAt('9999-12-31T00:00:00Z'), 'data.product.updatedAt'],
    ['a product state dated 1900', productAt('1900-01-01T00:00:00Z'), 'data.product.updatedAt'],
    [
      'an order placed in 3000',
      { ...order, data: { ...order.data, order: { ...order.data.order, placedAt: '3000-01-01T00:00:00Z' } } },
      'data.order.placedAt',
    ],
  ])('refuses %s, naming the field', async (_, body, field) => {
    const answer = await sendGeneric(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'InvalidPayload', field });
  });

  it('accepts a sender clock a few minutes ahead', async () => {
    const answer = await sendGeneric({ ...signup, occurredAt: new Date(NOW.getTime() + 5 * 60_000).toISOString() });
    expect(answer.status).toBe(200);
  });

  it('refuses a Stripe event created in the future', async () => {
    const body = { ...fixture('stripe', 'checkout-session-completed').json, created: NOW_SECONDS + 86_400 * 365 };
    const raw = JSON.stringify(body);
    const handler = webhookHandler();
    const answer = await invoke(handler.handler, webhookRequest('stripe', raw, signatureHeaders('stripe', raw)));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: '(event).occurredAt' });
    expect(handler.published).toHaveLength(0);
  });
});

describe('money that no order holds', () => {
  const orderWith = (change: (o: Record<string, any>) => Record<string, any>) => ({
    ...order,
    data: { ...order.data, order: change(structuredClone(order.data.order)) },
  });
  const withLine = (change: Record<string, unknown>) =>
    orderWith((o) => ({ ...o, lineItems: [{ ...o.lineItems[0], ...change }] }));

  it.each([
    [
      'a negative total',
      orderWith((o) => ({ ...o, total: { amount: -100_000_000, currency: 'USD' } })),
      'data.order.total.amount',
    ],
    [
      'a negative unit price',
      withLine({ unitPrice: { amount: -1, currency: 'USD' } }),
      'data.order.lineItems.0.unitPrice.amount',
    ],
    ['10^9 units', withLine({ quantity: 1e9 }), 'data.order.lineItems.0.quantity'],
    [
      '10^6 units at 10^9 each',
      withLine({ quantity: 1e6, unitPrice: { amount: 1e9, currency: 'USD' } }),
      'data.order.lineItems.0.quantity',
    ],
    [
      'a total of 10^15',
      orderWith((o) => ({ ...o, total: { amount: 1e15, currency: 'USD' } })),
      'data.order.total.amount',
    ],
    [
      'the currency XYZ',
      orderWith((o) => ({ ...o, total: { amount: 100, currency: 'XYZ' } })),
      'data.order.total.currency',
    ],
    [
      'the test currency XTS',
      orderWith((o) => ({ ...o, total: { amount: 100, currency: 'XTS' } })),
      'data.order.total.currency',
    ],
  ])('refuses %s, naming the field', async (_, body, field) => {
    const answer = await sendGeneric(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'InvalidPayload', field });
  });

  it('refuses a Shopify order in an unknown currency and a WooCommerce order with a negative total', async () => {
    const shopify = await sendShopify('orders/create', {
      ...fixture('shopify', 'orders-create').json,
      currency: 'XYZ',
    });
    expect(shopify.status).toBe(400);
    expect(shopify.body).toMatchObject({ field: 'currency' });
    const woo = { ...fixture('woocommerce', 'order-created').json, total: '-1000000.00' };
    const raw = JSON.stringify(woo);
    const handler = webhookHandler();
    const answer = await invoke(
      handler.handler,
      webhookRequest('woocommerce', raw, {
        ...signatureHeaders('woocommerce', raw),
        [WOOCOMMERCE_TOPIC_HEADER]: 'order.created',
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'total' });
  });
});
