import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { randomIds } from '../../functions/adapters/random-ids.js';
import { createUnsubscribeToken } from '../../functions/adapters/unsubscribe-token.js';
import { EnvironmentWebhookSecrets } from '../../functions/adapters/webhook-secrets.js';
import { enabledWebhookSources } from '../../functions/adapters/webhooks/index.js';
import { STOREFRONT_EVENT_SOURCE } from '../../functions/domain/events.js';
import { createCustomerHandler } from '../../functions/handlers/customer.js';
import { createUnsubscribeHandler } from '../../functions/handlers/unsubscribe.js';
import { createWebhookHandler, MAX_WEBHOOK_BODY_BYTES } from '../../functions/handlers/webhook.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { apiEvent } from '../helpers/api-event.js';
import { testConfig } from '../helpers/config.js';
import { freshStore, uniqueEmail } from '../helpers/engines.js';
import { signedGenericEvent, signupBody, TEST_GENERIC_SECRET } from '../helpers/generic-webhook.js';

const config = testConfig();
const tools = () => ({ logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: 'Test' }) });
let store: DynamoDbCustomerStore;
const published: BusEvent[] = [];

beforeAll(async () => {
  ({ store } = await freshStore());
});

function webhookHandler() {
  return createWebhookHandler({
    sources: enabledWebhookSources(config),
    secrets: new EnvironmentWebhookSecrets({}),
    publisher: { publish: async (events) => void published.push(...events) },
    wallClock: () => new Date(),
    ...tools(),
  });
}

function signed(body: unknown, secret = TEST_GENERIC_SECRET) {
  return signedGenericEvent(JSON.stringify(body), secret);
}

describe('the webhook handler, through the full middy chain', () => {
  it('publishes a canonical event on the bus and answers 200', async () => {
    const handler = webhookHandler();
    const body = signupBody(uniqueEmail());
    const response = await invokeLocally('webhook', handler, signed(body));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ status: 'accepted', events: [`generic:${body.id}`] });
    expect(published.at(-1)).toMatchObject({
      source: STOREFRONT_EVENT_SOURCE,
      detailType: 'customer.signed_up',
      detail: { id: `generic:${body.id}`, schemaVersion: 1 },
    });
  });

  it('publishes a redelivery again under the same event id, for the customer function to apply once', async () => {
    const handler = webhookHandler();
    const body = signupBody(uniqueEmail());
    const event = signed(body);
    await invokeLocally('webhook', handler, event);
    const again = await invokeLocally('webhook', handler, event);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body ?? '{}')).toEqual({ status: 'accepted', events: [`generic:${body.id}`] });
    expect(published.slice(-2).map((entry) => (entry.detail as { id: string }).id)).toEqual(
      Array(2).fill(`generic:${body.id}`),
    );
  });

  it('answers 401 to a wrong secret and a missing signature, 404 to an unknown source, 413 to a huge body', async () => {
    const handler = webhookHandler();
    const before = published.length;
    expect((await invokeLocally('webhook', handler, signed(signupBody(uniqueEmail()), 'wrong'))).statusCode).toBe(401);
    const unsigned = apiEvent('POST', '/webhooks/generic', '{}', {}, { pathParameters: { source: 'generic' } });
    const missing = await invokeLocally('webhook', handler, unsigned);
    expect(missing.statusCode).toBe(401);
    expect(JSON.parse(missing.body ?? '{}')).toEqual({
      error: 'InvalidSignature',
      message: 'the signature header is missing',
    });
    const unknown = await invokeLocally('webhook', handler, { ...unsigned, pathParameters: { source: 'magento' } });
    expect(unknown.statusCode).toBe(404);
    const huge = apiEvent(
      'POST',
      '/webhooks/generic',
      'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1),
      {},
      { pathParameters: { source: 'generic' } },
    );
    expect((await invokeLocally('webhook', handler, huge)).statusCode).toBe(413);
    expect(published.length).toBe(before);
  });

  it('answers 400 naming the field of a well-signed malformed body, without echoing personal data', async () => {
    const response = await invokeLocally('webhook', webhookHandler(), signed(signupBody('ada.lovelace@@example')));
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body ?? '{}');
    expect(body).toMatchObject({ error: 'InvalidPayload', field: 'data.customer.email' });
    expect(response.body).not.toContain('lovelace');
  });
});

describe('the customer handler, through the full middy chain', () => {
  /** An EventBridge delivery of a canonical event, as the customer function receives it. */
  const busEnvelope = (detail: Record<string, unknown>) => ({
    version: '0',
    id: `bus-${String(detail.id)}`,
    'detail-type': String(detail.type),
    source: STOREFRONT_EVENT_SOURCE,
    account: '000000000000',
    time: '2026-09-01T09:59:00Z',
    region: 'local',
    resources: [],
    detail,
  });
  const customerHandler = () =>
    createCustomerHandler({
      ...customerChanges({
        store,
        clock: { now: () => new Date('2026-09-01T10:00:00Z') },
        config,
        publisher: { publish: async () => undefined },
        loadModel: async () => undefined,
      }),
      hashEmail,
      ...tools(),
    });

  it('parses the EventBridge envelope and records the customer once', async () => {
    const handler = customerHandler();
    const email = uniqueEmail();
    const detail = {
      schemaVersion: 1,
      id: 'generic:evt-h1',
      source: 'generic',
      type: 'customer.signed_up',
      occurredAt: '2026-09-01T09:59:00Z',
      data: { customer: { email, consent: { email: 'subscribed' } } },
    };
    const event = busEnvelope(detail);
    const first = await invokeLocally('customer', handler, event);
    expect(first).toMatchObject({ outcome: 'recorded', created: true, journeysEntered: ['welcome-series'] });
    const again = await invokeLocally('customer', handler, event);
    expect(again).toMatchObject({ outcome: 'duplicate' });
    await expect(
      invokeLocally('customer', handler, { ...event, detail: { ...detail, schemaVersion: 2 } }),
    ).rejects.toThrow();
  });

  it('moves a customer to a new address, held on the address not being suppressed meanwhile', async () => {
    const handler = customerHandler();
    const email = uniqueEmail();
    const renamed = uniqueEmail();
    const externalId = `ext-${email.split('@')[0]}`;
    await invokeLocally(
      'customer',
      handler,
      busEnvelope({
        schemaVersion: 1,
        id: `generic:signup-${externalId}`,
        source: 'generic',
        type: 'customer.signed_up',
        occurredAt: '2026-09-01T09:00:00Z',
        data: { customer: { email, externalId, consent: { email: 'subscribed' } } },
      }),
    );
    const changed = await invokeLocally(
      'customer',
      handler,
      busEnvelope({
        schemaVersion: 1,
        id: `generic:update-${externalId}`,
        source: 'generic',
        type: 'customer.updated',
        occurredAt: '2026-09-01T09:30:00Z',
        data: { customer: { externalId, email: renamed } },
      }),
    );
    expect(changed).toMatchObject({ outcome: 'recorded', created: false });
    const customerId = await store.findCustomerId(renamed);
    expect(customerId).toBeDefined();
    expect(await store.findCustomerId(email)).toBeUndefined();
    expect((await store.load(customerId as string))?.customer.email).toBe(renamed);
  });
});

describe('the unsubscribe handler', () => {
  it('one-click POST unsubscribes at once and idempotently; GET only shows the page; a forged token is refused', async () => {
    const email = uniqueEmail();
    const clock = { now: () => new Date('2026-09-02T10:00:00Z') };
    const customerHandler = createCustomerHandler({
      store,
      clock,
      config,
      journeys: new Map(),
      newId: randomIds,
      hashEmail,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
      ...tools(),
    });
    const detail = {
      schemaVersion: 1,
      id: 'generic:evt-u1',
      source: 'generic',
      type: 'customer.signed_up',
      occurredAt: '2026-09-02T09:00:00Z',
      data: { customer: { email, consent: { email: 'subscribed' } } },
    };
    await invokeLocally('customer', customerHandler, {
      version: '0',
      id: 'e',
      'detail-type': 'customer.signed_up',
      source: STOREFRONT_EVENT_SOURCE,
      account: '0',
      time: '2026-09-02T09:00:00Z',
      region: 'local',
      resources: [],
      detail,
    });
    const customerId = (await store.findCustomerId(email)) as string;
    const handler = createUnsubscribeHandler({
      store,
      clock,
      config,
      journeys: new Map(),
      newId: randomIds,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
      storeName: 'Test Shop',
      tokenSecret: async () => 'secret',
      ...tools(),
    });
    const token = createUnsubscribeToken(customerId, 'secret');

    const page = await invokeLocally(
      'unsubscribe',
      handler,
      apiEvent('GET', '/unsubscribe', '', {}, { queryStringParameters: { token } }),
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Unsubscribe from everything');
    expect((await store.load(customerId))?.customer.consent.email).toBe('subscribed');

    const oneClick = apiEvent(
      'POST',
      '/unsubscribe',
      'List-Unsubscribe=One-Click',
      { 'content-type': 'application/x-www-form-urlencoded' },
      { queryStringParameters: { token } },
    );
    expect((await invokeLocally('unsubscribe', handler, oneClick)).statusCode).toBe(200);
    expect((await invokeLocally('unsubscribe', handler, oneClick)).statusCode).toBe(200);
    const stored = await store.load(customerId);
    expect(stored?.customer.consent).toMatchObject({ email: 'unsubscribed', source: 'one-click' });
    expect((await store.timeline(customerId)).filter((entry) => entry.kind === 'unsubscribed')).toHaveLength(1);

    const forged = await invokeLocally(
      'unsubscribe',
      handler,
      apiEvent('POST', '/unsubscribe', '', {}, { queryStringParameters: { token: `${customerId}.forged` } }),
    );
    expect(forged.statusCode).toBe(400);
  });
});
