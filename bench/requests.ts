import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import Stripe from 'stripe';
import { LOCAL_SECRET_DEFAULTS } from '../functions/adapters/webhook-secrets.js';
import { GENERIC_SIGNATURE_HEADER, signGenericBody } from '../functions/adapters/webhooks/generic.js';
import { signShopifyBody } from '../functions/adapters/webhooks/shopify.js';
import { signWooCommerceBody } from '../functions/adapters/webhooks/woocommerce.js';
import type { SourceName } from '../functions/domain/events.js';

/** The storefront sources, in the order the figures list them. */
export const SOURCES: readonly SourceName[] = ['generic', 'shopify', 'woocommerce', 'stripe'];

const fixture = (path: string) => readFileSync(`tests/fixtures/${path}`, 'utf8');

/** The HTTP API (payload 2.0) event API Gateway gives the webhook function for a POST. */
export function webhookEvent(source: string, body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const now = new Date();
  const path = `/webhooks/${source}`;
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { source },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.example.com',
      domainPrefix: 'bench',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

/**
 * An order placed, as each storefront posts it (the repository's real-format fixtures), signed with the
 * source's algorithm and the local default secret, and made unique by `n` so that every request is a new
 * event (not a duplicate) for the idempotency layer.
 */
export function signedOrderRequest(source: SourceName, n: number): APIGatewayProxyEventV2 {
  const unique = `${Date.now().toString(36)}${n}`;
  switch (source) {
    case 'generic': {
      const body = JSON.parse(fixture('generic/order-placed.json'));
      body.id = `evt_bench_${unique}`;
      body.occurredAt = new Date().toISOString();
      body.data.order.id = `ord_bench_${unique}`;
      body.data.customer.email = `bench-${unique}@example.com`;
      const raw = JSON.stringify(body);
      return webhookEvent(source, raw, {
        [GENERIC_SIGNATURE_HEADER]: signGenericBody(raw, LOCAL_SECRET_DEFAULTS.generic, Math.floor(Date.now() / 1000)),
      });
    }
    case 'shopify': {
      const raw = fixture('shopify/orders-create.json');
      return webhookEvent(source, raw, {
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': `bench-${unique}`,
        'x-shopify-shop-domain': 'demo-shop.myshopify.com',
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': signShopifyBody(raw, LOCAL_SECRET_DEFAULTS.shopify),
      });
    }
    case 'woocommerce': {
      const body = JSON.parse(fixture('woocommerce/order-created.json'));
      body.id = 100_000_000 + n;
      const raw = JSON.stringify(body);
      return webhookEvent(source, raw, {
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-resource': 'order',
        'x-wc-webhook-event': 'created',
        'x-wc-webhook-delivery-id': `bench-${unique}`,
        'x-wc-webhook-signature': signWooCommerceBody(raw, LOCAL_SECRET_DEFAULTS.woocommerce),
      });
    }
    case 'stripe': {
      const body = JSON.parse(fixture('stripe/checkout-session-completed.json'));
      body.id = `evt_bench_${unique}`;
      const raw = JSON.stringify(body);
      return webhookEvent(source, raw, {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({
          payload: raw,
          secret: LOCAL_SECRET_DEFAULTS.stripe,
          timestamp: Math.floor(Date.now() / 1000),
        }),
      });
    }
  }
}

/**
 * What every bench signup says of its customer, whether it comes signed through the webhook or straight to
 * the customer function's service: a first name, a time zone and consent to email.
 */
export function signupData(email: string) {
  return {
    customer: {
      email,
      firstName: 'Ada',
      timezone: 'Europe/London',
      consent: { email: 'subscribed' as const, source: 'bench-form' },
    },
  };
}

/** A generic-format signup with consent, for a new address. */
export function signedSignupRequest(email: string, id = `evt_${randomUUID()}`): APIGatewayProxyEventV2 {
  const raw = JSON.stringify({
    id,
    type: 'customer.signed_up',
    occurredAt: new Date().toISOString(),
    data: signupData(email),
  });
  return webhookEvent('generic', raw, {
    [GENERIC_SIGNATURE_HEADER]: signGenericBody(raw, LOCAL_SECRET_DEFAULTS.generic, Math.floor(Date.now() / 1000)),
  });
}

/** A generic-format order of an existing customer. */
export function signedGenericOrderRequest(email: string, orderId: string, amount = 4_500): APIGatewayProxyEventV2 {
  const now = new Date().toISOString();
  const raw = JSON.stringify({
    id: `evt_${randomUUID()}`,
    type: 'order.placed',
    occurredAt: now,
    data: {
      customer: { email },
      order: {
        id: orderId,
        placedAt: now,
        total: { amount, currency: 'USD' },
        lineItems: [
          {
            productId: 'coffee-beans',
            name: 'Coffee beans, 1 kg',
            quantity: 1,
            unitPrice: { amount, currency: 'USD' },
            categories: ['coffee'],
          },
        ],
      },
    },
  });
  return webhookEvent('generic', raw, {
    [GENERIC_SIGNATURE_HEADER]: signGenericBody(raw, LOCAL_SECRET_DEFAULTS.generic, Math.floor(Date.now() / 1000)),
  });
}
