import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { EmulatedTableCustomerStore } from '../../functions/adapters/dynamodb/emulated-table.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { MAX_COLLECT_BODY_BYTES } from '../../functions/domain/collect.js';
import type { LifecycleConfigInput } from '../../functions/domain/config.js';
import { CANONICAL_SCHEMA_VERSION, STOREFRONT_EVENT_SOURCE } from '../../functions/domain/events.js';
import { eraseCustomer } from '../../functions/domain/services/erase-customer.js';
import { createCollectHandler } from '../../functions/handlers/collect.js';
import { createCustomerHandler } from '../../functions/handlers/customer.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { CollectStore } from '../../functions/ports/collect-store.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { apiEvent } from '../helpers/api-event.js';
import { testConfig } from '../helpers/config.js';
import { freshStore, uniqueEmail } from '../helpers/engines.js';

const SHOP = 'https://shop.example.com';
const WRITE_KEY = 'wk_test_0123456789abcdef';
const collectSettings = (overrides: Partial<NonNullable<LifecycleConfigInput['collect']>> = {}) =>
  testConfig({ collect: { keys: [{ name: 'web', writeKey: WRITE_KEY, origins: [SHOP] }], ...overrides } });
const tools = () => ({ logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: 'Test' }) });
const NOW = new Date('2026-09-01T10:00:10Z');

let store: DynamoDbCustomerStore;

beforeAll(async () => {
  ({ store } = await freshStore());
});

function collectHandler(
  published: BusEvent[],
  options: { config?: ReturnType<typeof collectSettings>; now?: Date; on?: CollectStore } = {},
) {
  return createCollectHandler({
    settings: (options.config ?? collectSettings()).collect,
    store: options.on ?? store,
    publisher: { publish: async (events) => void published.push(...events) },
    wallClock: () => options.now ?? NOW,
    ...tools(),
  });
}

let ips = 0;
/** A browser's POST from `origin`, from an address of its own (so that tests do not share a rate counter). */
function post(
  body: unknown,
  options: { origin?: string; contentType?: string; ip?: string; raw?: string } = {},
): ReturnType<typeof apiEvent> {
  const event = apiEvent('POST', '/collect', options.raw ?? JSON.stringify(body), {
    'content-type': options.contentType ?? 'text/plain;charset=UTF-8',
    ...(options.origin === undefined && 'origin' in options ? {} : { origin: options.origin ?? SHOP }),
  });
  const sourceIp = options.ip ?? `198.51.100.${++ips % 250}`;
  return { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, sourceIp } } };
}

let ids = 0;
const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++ids}`;
const signal = (type: string, anonymousId: string, extra: Record<string, unknown> = {}) => ({
  writeKey: WRITE_KEY,
  type,
  anonymousId,
  messageId: newId('msg'),
  timestamp: '2026-09-01T10:00:00Z',
  consent: { analytics: true },
  ...extra,
});
const productView = (anonymousId: string, productId: string, extra: Record<string, unknown> = {}) =>
  signal('product.viewed', anonymousId, { product: { id: productId, name: `Product ${productId}` }, ...extra });

const answer = (response: { body?: string }) => JSON.parse(response.body ?? '{}');
const corsHeaderNames = (headers: Record<string, unknown> | undefined) =>
  Object.keys(headers ?? {}).filter((name) => name.startsWith('access-control-'));

describe('POST /collect: who may send', () => {
  it('answers a preflight from an allowed origin with exactly that origin, POST, content-type and a max-age', async () => {
    const preflight = apiEvent('OPTIONS', '/collect', '', {
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    const response = await invokeLocally('collect', collectHandler([]), { ...preflight, body: undefined });
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': SHOP,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '7200',
      vary: 'origin',
    });
  });

  it('refuses a foreign origin with 403 and no CORS header, on the preflight and on the POST', async () => {
    const published: BusEvent[] = [];
    const handler = collectHandler(published);
    const preflight = apiEvent('OPTIONS', '/collect', '', { origin: 'https://evil.example' });
    const refused = await invokeLocally('collect', handler, { ...preflight, body: undefined });
    expect(refused.statusCode).toBe(403);
    expect(corsHeaderNames(refused.headers)).toEqual([]);
    const posted = await invokeLocally(
      'collect',
      handler,
      post(productView(newId('anon'), 'p1'), { origin: 'https://evil.example' }),
    );
    expect(posted.statusCode).toBe(403);
    expect(corsHeaderNames(posted.headers)).toEqual([]);
    // A page of an allowed origin using a key that does not allow it is refused the same way.
    const other = collectSettings({
      keys: [
        { name: 'web', writeKey: WRITE_KEY, origins: [SHOP] },
        { name: 'blog', writeKey: 'wk_blog_0123456789abcdef', origins: ['https://blog.example.com'] },
      ],
    });
    const crossKey = await invokeLocally(
      'collect',
      collectHandler(published, { config: other }),
      post({ ...productView(newId('anon'), 'p1'), writeKey: 'wk_blog_0123456789abcdef' }),
    );
    expect(crossKey.statusCode).toBe(403);
    expect(corsHeaderNames(crossKey.headers)).toEqual([]);
    expect(published).toEqual([]);
  });

  it('refuses an unknown write key with 401 that names no key', async () => {
    const response = await invokeLocally(
      'collect',
      collectHandler([]),
      post({ ...productView(newId('anon'), 'p1'), writeKey: 'wk_guess_0123456789abcdef' }),
    );
    expect(response.statusCode).toBe(401);
    expect(answer(response).error).toBe('UnknownWriteKey');
    expect(response.body).not.toContain('wk_');
    expect(response.headers?.['access-control-allow-origin']).toBe(SHOP);
  });

  it('refuses a body over 8 KB with 413 and a bad field with 400 naming it, never echoing it', async () => {
    const handler = collectHandler([]);
    const anonymousId = newId('anon');
    const big = await invokeLocally(
      'collect',
      handler,
      post(undefined, { raw: 'x'.repeat(MAX_COLLECT_BODY_BYTES + 1) }),
    );
    expect(big.statusCode).toBe(413);
    const notJson = await invokeLocally('collect', handler, post(undefined, { raw: '{"writeKey":' }));
    expect([notJson.statusCode, answer(notJson).field]).toEqual([400, '(body)']);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...productView(anonymousId, 'p1'), anonymousId: 'ada.lovelace@example.com' }, 'anonymousId'],
      [{ ...productView(anonymousId, 'p1'), email: 'ada.lovelace@example.com' }, 'email'],
      [signal('product.viewed', anonymousId), 'product'],
      [signal('identify', anonymousId, { email: 'ada.lovelace@@example' }), 'email'],
      [productView(anonymousId, 'p'.repeat(201)), 'product.id'],
      [{ ...productView(anonymousId, 'p1'), timestamp: '2099-01-01T00:00:00Z' }, 'timestamp'],
      [{ ...productView(anonymousId, 'p1'), traits: { plan: 'pro' } }, '(body)'],
      [signal('page.viewed', anonymousId, { page: { url: 'javascript:alert(1)' } }), 'page.url'],
    ];
    for (const [body, field] of cases) {
      const response = await invokeLocally('collect', handler, post(body));
      expect([response.statusCode, answer(response).field], JSON.stringify(body).slice(0, 80)).toEqual([400, field]);
      expect(response.body).not.toContain('lovelace');
    }
  });
});

describe('POST /collect: consent', () => {
  it('keeps nothing about a visitor without analytics consent: 202 dropped, nothing stored or published', async () => {
    const published: BusEvent[] = [];
    const anonymousId = newId('anon');
    const handler = collectHandler(published);
    for (const consent of [undefined, { analytics: false, marketing: true }]) {
      const response = await invokeLocally('collect', handler, post({ ...productView(anonymousId, 'p1'), consent }));
      expect(response.statusCode).toBe(202);
      expect(answer(response)).toEqual({ status: 'dropped', reason: 'no analytics consent' });
    }
    const identify = signal('identify', anonymousId, { email: uniqueEmail(), consent: undefined });
    expect(answer(await invokeLocally('collect', handler, post(identify))).status).toBe('dropped');
    expect(await store.visitor(`web#${anonymousId}`)).toBeUndefined();
    expect(published).toEqual([]);
  });

  it("keeps a consenting visitor's views anonymously, merges them into the customer on identify, then sends views straight on", async () => {
    const published: BusEvent[] = [];
    const handler = collectHandler(published);
    const anonymousId = newId('anon');
    const email = uniqueEmail();
    // sendBeacon's text/plain and fetch's application/json are both read.
    const first = await invokeLocally('collect', handler, post(productView(anonymousId, 'mug')));
    expect([first.statusCode, answer(first).status]).toEqual([202, 'kept']);
    const second = productView(anonymousId, 'kettle', { timestamp: '2026-09-01T10:00:05Z' });
    await invokeLocally('collect', handler, post(second, { contentType: 'application/json' }));
    await invokeLocally('collect', handler, post(second)); // a retried beacon: one view
    expect(await store.visitor(`web#${anonymousId}`)).toMatchObject({
      kind: 'anonymous',
      views: [{ productId: 'kettle' }, { productId: 'mug' }],
    });
    expect(published).toEqual([]);

    const identified = await invokeLocally('collect', handler, post(signal('identify', anonymousId, { email })));
    expect([identified.statusCode, answer(identified).status]).toEqual([202, 'accepted']);
    expect(
      published.map((event) => [event.source, event.detailType, (event.detail as { data: unknown }).data]),
    ).toEqual([
      [
        STOREFRONT_EVENT_SOURCE,
        'product.viewed',
        { customer: { email }, product: { id: 'kettle', name: 'Product kettle' } },
      ],
      [STOREFRONT_EVENT_SOURCE, 'product.viewed', { customer: { email }, product: { id: 'mug', name: 'Product mug' } }],
    ]);
    // The anonymous profile is gone: only the link to the person is kept.
    expect(await store.visitor(`web#${anonymousId}`)).toEqual({ kind: 'identified', email });

    const later = productView(anonymousId, 'teapot', { timestamp: '2026-09-01T10:00:08Z' });
    const direct = await invokeLocally('collect', handler, post(later));
    expect(answer(direct).status).toBe('accepted');
    // The same signal sent again goes on the bus again, under the same event id.
    const again = await invokeLocally('collect', handler, post(later));
    expect(answer(again).status).toBe('accepted');
    expect(published).toHaveLength(4);
    const ids = published.map((event) => (event.detail as { id: string }).id);
    expect(ids[3]).toBe(ids[2]);

    // The customer function applies them as any product.viewed, each event id once: three views.
    const customers = createCustomerHandler({
      ...customerChanges({
        store,
        clock: { now: () => NOW },
        config: testConfig(),
        publisher: { publish: async () => undefined },
        loadModel: async () => undefined,
      }),
      hashEmail,
      ...tools(),
    });
    const outcomes: unknown[] = [];
    for (const event of published) {
      const outcome = await invokeLocally('customer', customers, {
        version: '0',
        id: `bus-${(event.detail as { id: string }).id}`,
        'detail-type': event.detailType,
        source: event.source,
        account: '000000000000',
        time: NOW.toISOString(),
        region: 'local',
        resources: [],
        detail: event.detail,
      });
      outcomes.push(outcome.outcome);
    }
    expect(outcomes).toEqual(['recorded', 'recorded', 'recorded', 'duplicate']);
    const customerId = await store.findCustomerId(email);
    const customer = (await store.load(customerId as string))?.customer;
    expect(customer?.recentlyViewed.map((view) => view.productId)).toEqual(['teapot', 'kettle', 'mug']);
  });

  for (const [name, make] of [
    ['DynamoDB Local', () => store],
    ['emulated table', () => new EmulatedTableCustomerStore({ dueShards: 1 })],
  ] as const) {
    it(`forgets the browsers a person identified in when the person is erased (${name})`, async () => {
      const on = make();
      const published: BusEvent[] = [];
      const handler = collectHandler(published, { on });
      const anonymousId = newId('anon');
      const email = uniqueEmail();
      await invokeLocally('collect', handler, post(signal('identify', anonymousId, { email })));
      expect(await on.visitor(`web#${anonymousId}`)).toEqual({ kind: 'identified', email });

      await eraseCustomer(
        { store: on, clock: { now: () => NOW }, hashEmail },
        {
          schemaVersion: CANONICAL_SCHEMA_VERSION,
          id: newId('erasure'),
          source: 'generic',
          occurredAt: NOW.toISOString(),
          type: 'customer.erased',
          data: { customer: { email } },
        },
      );
      // Nothing in the table leads from this browser to the address any more: its next view is an
      // anonymous visitor's, kept on its own and sent nowhere.
      expect(await on.visitor(`web#${anonymousId}`)).toBeUndefined();
      const after = await invokeLocally('collect', handler, post(productView(anonymousId, 'mug')));
      expect(answer(after).status).toBe('kept');
      expect(published).toEqual([]);
    });
  }

  it('counts cart and page views of a consenting visitor and keeps nothing of them', async () => {
    const published: BusEvent[] = [];
    const anonymousId = newId('anon');
    const handler = collectHandler(published);
    for (const type of ['cart.viewed', 'page.viewed']) {
      const response = await invokeLocally(
        'collect',
        handler,
        post(signal(type, anonymousId, { page: { url: `${SHOP}/cart` } })),
      );
      expect([response.statusCode, answer(response).status]).toEqual([202, 'counted']);
    }
    expect(await store.visitor(`web#${anonymousId}`)).toBeUndefined();
    expect(published).toEqual([]);
  });
});

describe('POST /collect: rate limits shared by every instance', () => {
  for (const [name, on] of [
    ['DynamoDB', () => store],
    ['the emulated table', () => new EmulatedTableCustomerStore({ dueShards: 1 })],
  ] as const) {
    it(`answers 429 with Retry-After past the limit per IP and per key, counted in the table (${name})`, async () => {
      const shared = on();
      // A key of its own: the other tests' requests count on theirs.
      const config = collectSettings({
        keys: [{ name: `limited-${++ids}`, writeKey: WRITE_KEY, origins: [SHOP] }],
        perIpPerMinute: 3,
        perKeyPerMinute: 5,
      });
      // Two instances of the function: the counters are in the table, not in either.
      const instances = [collectHandler([], { config, on: shared }), collectHandler([], { config, on: shared })];
      const ip = `203.0.113.${++ips % 250}`;
      const statuses: number[] = [];
      for (let index = 0; index < 4; index++) {
        const instance = instances[index % 2] as (typeof instances)[0];
        const response = await invokeLocally('collect', instance, post(productView(newId('anon'), 'p1'), { ip }));
        statuses.push(response.statusCode ?? 0);
        if (index === 3) {
          expect(answer(response).error).toBe('TooManyRequests');
          // 10 seconds into the minute: the next window opens in 50.
          expect(response.headers?.['retry-after']).toBe('50');
          expect(response.headers?.['access-control-allow-origin']).toBe(SHOP);
        }
      }
      expect(statuses).toEqual([202, 202, 202, 429]);
      // The key's own limit: other addresses get two more requests, then 429 for everyone.
      const others = [];
      for (let index = 0; index < 3; index++) {
        const response = await invokeLocally(
          'collect',
          instances[0] as (typeof instances)[0],
          post(productView(newId('anon'), 'p1')),
        );
        others.push(response.statusCode);
      }
      expect(others).toEqual([202, 202, 429]);
      // The next window starts afresh.
      const next = collectHandler([], { config, on: shared, now: new Date(NOW.getTime() + 60_000) });
      expect((await invokeLocally('collect', next, post(productView(newId('anon'), 'p1'), { ip }))).statusCode).toBe(
        202,
      );
    });
  }
});
