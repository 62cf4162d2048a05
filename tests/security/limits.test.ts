import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../functions/adapters/unsubscribe-token.js';
import type { SourceName } from '../../functions/domain/events.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../functions/handlers/webhook.js';
import { LOCAL_UNSUBSCRIBE_SECRET, type LocalStack } from '../../functions/local/local-stack.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { startTestStack } from '../helpers/local-stack.js';
import {
  allSourcesConfig,
  fixtures,
  invoke,
  SECRETS,
  signatureHeaders,
  webhookHandler,
  webhookRequest,
} from './harness.js';

/**
 * Size limits: API Gateway's (10 MiB, never reaching the function; the local server plays it), the webhook
 * function's own (4 MiB of body), EventBridge's (256 KB an entry: an event that would not fit on the bus is
 * refused before publishing, never a 5xx that the shop retries for days), and the field limits of the
 * generic format. Every answer is a 4xx naming the problem, never a 5xx.
 */

const SOURCES: readonly SourceName[] = ['generic', 'shopify', 'woocommerce', 'stripe'];
const EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;

/** The size EventBridge counts for an entry: Time (14 bytes), Source, DetailType and Detail in UTF-8. */
function entryBytes(event: BusEvent): number {
  return (
    14 +
    Buffer.byteLength(event.source) +
    Buffer.byteLength(event.detailType) +
    Buffer.byteLength(JSON.stringify(event.detail))
  );
}

/** The topic headers a source needs besides its signature. */
function deliveryHeaders(source: SourceName, topic?: string): Record<string, string> {
  if (source === 'shopify') {
    return {
      'x-shopify-topic': topic ?? 'orders/create',
      'x-shopify-webhook-id': `limits-${Math.random().toString(36).slice(2)}`,
      'x-shopify-triggered-at': '2026-11-23T11:59:58Z',
    };
  }
  if (source === 'woocommerce') return { 'x-wc-webhook-topic': topic ?? 'order.created' };
  return {};
}

function signedRequest(source: SourceName, rawBody: string, topic?: string, options: { base64?: boolean } = {}) {
  return webhookRequest(
    source,
    rawBody,
    { ...deliveryHeaders(source, topic), ...signatureHeaders(source, rawBody) },
    options,
  );
}

describe("the webhook function's body limit (4 MiB)", () => {
  const { handler, published } = webhookHandler();

  it.each(SOURCES)(
    '%s: one byte over is answered 413, in ASCII, in multi-byte text and base64-encoded',
    async (source) => {
      // `{"x":"` and `"}` are 8 bytes: each body is exactly one byte over.
      const ascii = `{"x":"${'a'.repeat(MAX_WEBHOOK_BODY_BYTES - 7)}"}`;
      const multibyte = `{"x":"${'é'.repeat((MAX_WEBHOOK_BODY_BYTES - 8) / 2)}a"}`;
      expect([Buffer.byteLength(ascii), Buffer.byteLength(multibyte)]).toEqual([
        MAX_WEBHOOK_BODY_BYTES + 1,
        MAX_WEBHOOK_BODY_BYTES + 1,
      ]);
      for (const [body, base64] of [
        [ascii, false],
        [multibyte, false],
        [ascii, true],
      ] as const) {
        const answer = await invoke(handler, signedRequest(source, body, undefined, { base64 }));
        expect(answer.status).toBe(413);
        expect(answer.body).toEqual({
          error: 'PayloadTooLarge',
          message: `the body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`,
        });
      }
      expect(published).toHaveLength(0);
    },
  );

  it.each(SOURCES)(
    '%s: a well-signed body at or just under the limit is parsed and answered 400, not 5xx',
    async (source) => {
      const padding = MAX_WEBHOOK_BODY_BYTES - 100;
      for (const body of [
        // Exactly at the limit.
        `{"x":"${'a'.repeat(MAX_WEBHOOK_BODY_BYTES - 8)}"}`,
        `{"id":"${'a'.repeat(padding)}"}`,
        // Deep nesting: 2 million levels of arrays (JSON.parse is iterative; a reviver would not be).
        `${'['.repeat(padding / 2)}${']'.repeat(padding / 2)}`,
        `{"data":${'{"a":'.repeat(padding / 10)}1${'}'.repeat(padding / 10)}}`,
      ]) {
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES);
        const answer = await invoke(handler, signedRequest(source, body));
        expect(answer.status, answer.raw).toBe(400);
        expect(answer.body.error).toBe('InvalidPayload');
      }
      expect(published).toHaveLength(0);
    },
    120_000,
  );
});

// --- Events that would not fit on the bus --------------------------------------------------------------------------

/** `n` line items whose texts are control characters: each one is written as six bytes (`\u0001`) in JSON. */
const escaped = (length: number) => '\u0001'.repeat(length);

function oversizedBodies(): Record<SourceName, { body: string; topic?: string }> {
  const generic = {
    id: 'evt_oversized',
    type: 'order.placed',
    occurredAt: '2026-11-23T11:59:00Z',
    data: {
      customer: { email: 'big.order@example.com' },
      order: {
        id: 'ord_big',
        placedAt: '2026-11-23T11:58:00Z',
        total: { amount: 100_000, currency: 'USD' },
        lineItems: Array.from({ length: 100 }, (_, index) => ({
          productId: `p-${index}`,
          name: escaped(300),
          sku: escaped(200),
          quantity: 1,
          unitPrice: { amount: 1000, currency: 'USD' },
          categories: Array.from({ length: 10 }, () => escaped(200)),
        })),
      },
    },
  };
  const shopify = JSON.parse(fixtures('shopify').find((f) => f.name === 'orders-create')?.text ?? '{}');
  shopify.line_items = Array.from({ length: 100 }, (_, index) => ({
    ...shopify.line_items[0],
    product_id: 1000 + index,
    name: escaped(300),
    sku: escaped(200),
  }));
  const woo = JSON.parse(fixtures('woocommerce').find((f) => f.name === 'order-created')?.text ?? '{}');
  woo.line_items = Array.from({ length: 100 }, (_, index) => ({
    ...woo.line_items[0],
    product_id: 1000 + index,
    name: escaped(300),
    sku: escaped(200),
  }));
  const stripe = JSON.parse(fixtures('stripe').find((f) => f.name === 'invoice-paid')?.text ?? '{}');
  stripe.data.object.lines.data = Array.from({ length: 100 }, (_, index) => ({
    amount: 1000,
    quantity: 1,
    description: escaped(300),
    pricing: { price_details: { price: escaped(200), product: `prod_${index}${escaped(190)}` } },
  }));
  return {
    generic: { body: JSON.stringify(generic) },
    shopify: { body: JSON.stringify(shopify), topic: 'orders/create' },
    woocommerce: { body: JSON.stringify(woo), topic: 'order.created' },
    stripe: { body: JSON.stringify(stripe) },
  };
}

describe('events larger than an EventBridge entry (256 KB)', () => {
  it.each(SOURCES)(
    '%s: a well-signed body that converts to an event over 256 KB is answered 413, nothing published',
    async (source) => {
      const { handler, published } = webhookHandler({
        publisher: (events) => {
          for (const event of events) {
            if (entryBytes(event) > EVENTBRIDGE_ENTRY_BYTES)
              throw new Error('ValidationException: Total size of the entries in the request is over the limit.');
          }
        },
      });
      const { body, topic } = oversizedBodies()[source];
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
      const answer = await invoke(handler, signedRequest(source, body, topic));
      expect(answer.status, answer.raw).toBe(413);
      expect(answer.body.error).toBe('PayloadTooLarge');
      expect(published).toHaveLength(0);
    },
  );
});

describe('the EventBridge entry limit, to the byte', () => {
  /** A generic order of 100 line items whose texts, copied as they are into the event, hold `fill` more letters. */
  function orderWith(fill: number): string {
    let left = fill;
    const text = (letter: string, room: number) => {
      const more = Math.min(left, room);
      left -= more;
      return letter.repeat(1 + more);
    };
    const lineItems = Array.from({ length: 100 }, (_, index) => ({
      productId: `p-${index}`,
      name: text('n', 299),
      sku: text('s', 199),
      quantity: 1,
      unitPrice: { amount: 1000, currency: 'USD' },
      categories: Array.from({ length: 10 }, (_, category) => text(String.fromCharCode(97 + category), 199)),
    }));
    if (left > 0) throw new Error(`no room for ${left} more letters`);
    return JSON.stringify({
      id: 'evt_boundary',
      type: 'order.placed',
      occurredAt: '2026-11-23T11:59:00Z',
      data: {
        customer: { email: 'boundary@example.com' },
        order: {
          id: 'ord_boundary',
          placedAt: '2026-11-23T11:58:00Z',
          total: { amount: 100_000, currency: 'USD' },
          lineItems,
        },
      },
    });
  }

  it('publishes an event whose entry is exactly 256 KB, and refuses one a byte larger with 413', async () => {
    const { handler, published } = webhookHandler();
    const small = await invoke(handler, signedRequest('generic', orderWith(0)));
    expect(small.status, small.raw).toBe(200);
    const room = EVENTBRIDGE_ENTRY_BYTES - entryBytes(published[0] as BusEvent);
    published.length = 0;

    const atTheLimit = await invoke(handler, signedRequest('generic', orderWith(room)));
    expect(atTheLimit.status, atTheLimit.raw).toBe(200);
    expect(published).toHaveLength(1);
    expect(entryBytes(published[0] as BusEvent)).toBe(EVENTBRIDGE_ENTRY_BYTES);
    published.length = 0;

    const overByOne = await invoke(handler, signedRequest('generic', orderWith(room + 1)));
    expect(overByOne.status, overByOne.raw).toBe(413);
    expect(overByOne.body.error).toBe('PayloadTooLarge');
    expect(published).toHaveLength(0);
  });
});

describe("the generic format's field limits", () => {
  const { handler, published } = webhookHandler();
  const order = JSON.parse(fixtures('generic').find((f) => f.name === 'order-placed')?.text ?? '{}');
  const signup = JSON.parse(fixtures('generic').find((f) => f.name === 'customer-signed-up')?.text ?? '{}');
  const item = order.data.order.lineItems[0];

  it.each([
    ['id', { ...signup, id: 'x'.repeat(201) }],
    [
      'data.customer.firstName',
      { ...signup, data: { customer: { ...signup.data.customer, firstName: 'A'.repeat(201) } } },
    ],
    [
      'data.customer.email',
      { ...signup, data: { customer: { ...signup.data.customer, email: `${'a'.repeat(300)}\r\n@example.com` } } },
    ],
    [
      'data.order.lineItems',
      { ...order, data: { ...order.data, order: { ...order.data.order, lineItems: Array(101).fill(item) } } },
    ],
    [
      'data.order.lineItems.0.categories',
      {
        ...order,
        data: {
          ...order.data,
          order: { ...order.data.order, lineItems: [{ ...item, categories: Array(11).fill('c') }] },
        },
      },
    ],
    [
      'data.order.discountCodes',
      { ...order, data: { ...order.data, order: { ...order.data.order, discountCodes: Array(21).fill('C') } } },
    ],
  ])('a value over the limit of %s is answered 400 naming it', async (field, body) => {
    const answer = await invoke(handler, signedRequest('generic', JSON.stringify(body)));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'InvalidPayload', field });
    expect(published).toHaveLength(0);
  });
});

// --- Through HTTP, as API Gateway and the local runtime serve it ----------------------------------------------------

describe('limits through the local runtime (API Gateway: 10 MiB)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack('security-limits', allSourcesConfig(), {
      environment: {
        GENERIC_WEBHOOK_SECRET: SECRETS.generic,
        SHOPIFY_WEBHOOK_SECRET: SECRETS.shopify,
        WOOCOMMERCE_WEBHOOK_SECRET: SECRETS.woocommerce,
        STRIPE_WEBHOOK_SECRET: SECRETS.stripe,
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${stack.urls.api}${path}`, { method: 'POST', body, headers });
    return { status: response.status, text: await response.text() };
  }

  it('a body over 10 MiB is answered 413 before any function runs, on every route', async () => {
    const huge = 'a'.repeat(10 * 1024 * 1024 + 1);
    for (const path of ['/webhooks/generic', '/webhooks/shopify', '/unsubscribe?token=x', '/feedback', '/confirm']) {
      const answer = await post(path, huge);
      expect(answer.status, path).toBe(413);
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'PayloadTooLarge' });
    }
  }, 60_000);

  it.each(SOURCES)(
    '%s: a signed 5 MiB body reaches the function and is answered its own 413',
    async (source) => {
      const body = `{"x":"${'a'.repeat(5 * 1024 * 1024)}"}`;
      const headers = {
        'content-type': 'application/json',
        ...deliveryHeaders(source),
        ...signatureHeaders(source, body, Math.floor(Date.now() / 1000)),
      };
      const answer = await post(`/webhooks/${source}`, body, headers);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text)).toEqual({
        error: 'PayloadTooLarge',
        message: `the body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`,
      });
    },
    60_000,
  );

  it('the links function has no limit of its own: a 9 MiB form with a valid or a forged token is a 4xx, not 5xx', async () => {
    const form = `List-Unsubscribe=One-Click&${'topic=offers&'.repeat((9 * 1024 * 1024) / 13)}`;
    const valid = createUnsubscribeToken('cus_nobody', LOCAL_UNSUBSCRIBE_SECRET);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    // Signed but for nobody: no customer to change.
    expect((await post(`/unsubscribe?token=${valid}`, form, headers)).status).toBe(404);
    expect((await post('/unsubscribe?token=cus_nobody.forged', form, headers)).status).toBe(400);
    expect((await post(`/feedback?token=${valid}&score=5`, form, headers)).status).toBe(400);
    expect((await post(`/confirm?token=${valid}`, form, headers)).status).toBe(400);
  }, 60_000);
});
