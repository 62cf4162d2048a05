import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { randomIds } from '../../functions/adapters/random-ids.js';
import { createToken } from '../../functions/adapters/unsubscribe-token.js';
import type { Customer } from '../../functions/domain/customer.js';
import { evaluateSend } from '../../functions/domain/guardrails.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import { changeUnsubscribedTopics } from '../../functions/domain/services/change-topics.js';
import { createUnsubscribeHandler } from '../../functions/handlers/unsubscribe.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import { apiEvent } from '../helpers/api-event.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer } from '../helpers/customers.js';
import { freshStore, uniqueEmail } from '../helpers/engines.js';

/**
 * The preference page and the topics service against DynamoDB Local: GET shows the topics, POST saves
 * them, unsubscribes from everything or subscribes again; tokens only ever reach their own customer.
 */
const config = testConfig();
const SECRET = 'preferences-secret';
const clock = { now: () => new Date('2026-09-03T10:00:00Z') };
let store: DynamoDbCustomerStore;
let handler: ReturnType<typeof createUnsubscribeHandler>;
let counter = 0;

const dependencies = () => ({
  store,
  clock,
  config,
  journeys: new Map(),
  newId: randomIds,
  publisher: { publish: async () => undefined },
  loadModel: async () => undefined,
});

beforeAll(async () => {
  ({ store } = await freshStore());
  handler = createUnsubscribeHandler({
    ...dependencies(),
    storeName: 'Test <Shop> & Co',
    tokenSecret: async () => SECRET,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test' }),
  });
});

async function aStoredCustomer(overrides: Partial<Customer> = {}): Promise<string> {
  const id = `cus_pref${++counter}${Date.now()}`;
  const email = uniqueEmail('pref');
  await store.commitEvent({
    eventId: `seed-${id}`,
    customer: aCustomer(id, email, overrides),
    expectedVersion: undefined,
    claimEmail: email,
    enrollments: [],
    timeline: [],
  });
  return id;
}

function request(
  method: 'GET' | 'POST',
  token: string,
  body = '',
  path = '/unsubscribe',
  query: Record<string, string> = {},
): Promise<APIGatewayProxyStructuredResultV2> {
  const event = apiEvent(
    method,
    path,
    body,
    { 'content-type': 'application/x-www-form-urlencoded' },
    {
      queryStringParameters: { token, ...query },
    },
  );
  return invokeLocally('unsubscribe', handler, event) as Promise<APIGatewayProxyStructuredResultV2>;
}

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => String(response.body);
const saved = async (id: string) => (await store.load(id))?.customer;
const topicEntries = async (id: string) => (await store.timeline(id)).filter((e) => e.kind === 'topics_changed');

describe('changeUnsubscribedTopics', () => {
  it('sets the topics, in the order of the configuration, with one timeline entry; the same set writes nothing', async () => {
    const id = await aStoredCustomer();
    const first = await changeUnsubscribedTopics(dependencies(), id, ['offers', 'newsletter'], 'preference-page');
    const after = await store.load(id);
    // The customer it answers with is the one stored: the page shows it without reading it again.
    expect(first).toEqual({
      outcome: 'changed',
      unsubscribedTopics: ['newsletter', 'offers'],
      customer: after?.customer,
    });
    expect(after?.customer.unsubscribedTopics).toEqual(['newsletter', 'offers']);
    expect(after?.customer.consent.email).toBe('subscribed');
    expect(await topicEntries(id)).toEqual([
      {
        at: '2026-09-03T10:00:00.000Z',
        kind: 'topics_changed',
        unsubscribed: ['newsletter', 'offers'],
        source: 'preference-page',
      },
    ]);

    const again = await changeUnsubscribedTopics(dependencies(), id, ['newsletter', 'offers'], 'preference-page');
    expect(again.outcome).toBe('unchanged');
    expect((await store.load(id))?.version).toBe(after?.version);
    expect(await topicEntries(id)).toHaveLength(1);

    expect((await changeUnsubscribedTopics(dependencies(), id, [], 'preference-page')).outcome).toBe('changed');
    expect((await saved(id))?.unsubscribedTopics).toEqual([]);
  });

  it('never stores a topic the configuration does not know', async () => {
    const id = await aStoredCustomer();
    const outcome = await changeUnsubscribedTopics(dependencies(), id, ['offers', 'casino', '__proto__'], 'test');
    expect(outcome).toMatchObject({ outcome: 'changed', unsubscribedTopics: ['offers'] });
    expect((await saved(id))?.unsubscribedTopics).toEqual(['offers']);
  });

  it('knows no customer it does not hold', async () => {
    expect(await changeUnsubscribedTopics(dependencies(), 'cus_nobody', ['offers'], 'test')).toEqual({
      outcome: 'unknown_customer',
    });
  });
});

describe('the preference page', () => {
  it('GET shows the store, the state and one labelled checkbox per topic, escaped, and changes nothing', async () => {
    const id = await aStoredCustomer({ unsubscribedTopics: ['offers'] });
    const response = await request('GET', createToken(id, SECRET));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-security-policy']).toContain("default-src 'none'");
    const html = bodyOf(response);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('Test &lt;Shop&gt; &amp; Co');
    expect(html).not.toContain('Test <Shop>');
    expect(html).toContain('You receive our emails.');
    expect(html).toContain('<fieldset><legend>');
    for (const [topic, topicConfig] of Object.entries(config.topics)) {
      expect(html).toContain(`<label for="topic-${topic}">${topicConfig.label}</label>`);
      const box = new RegExp(
        `<input type="checkbox" id="topic-${topic}" name="topic" value="${topic}"( checked)?`,
      ).exec(html);
      expect(box, topic).not.toBeNull();
      expect(box?.[1] === ' checked', topic).toBe(topic !== 'offers');
    }
    expect(html).toContain('Save my choices');
    expect(html).toContain('Unsubscribe from everything');
    expect(html).not.toContain('Subscribe again');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(await saved(id)).toMatchObject({ consent: { email: 'subscribed' }, unsubscribedTopics: ['offers'] });
  });

  it('action=topics saves the topics ticked, ignores unknown ones, and shows what was saved', async () => {
    const id = await aStoredCustomer();
    const token = createToken(id, SECRET);
    const response = await request('POST', token, 'action=topics&topic=newsletter&topic=orders&topic=casino');
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toContain(
      'role="status">Your choices are saved. You will receive: Newsletter, About your orders.',
    );
    expect(bodyOf(response)).toMatch(/id="topic-offers" name="topic" value="offers" aria-describedby/);
    expect(await saved(id)).toMatchObject({ consent: { email: 'subscribed' }, unsubscribedTopics: ['offers'] });

    // The same choices again: 200, nothing written.
    const version = (await store.load(id))?.version;
    expect((await request('POST', token, 'action=topics&topic=newsletter&topic=orders')).statusCode).toBe(200);
    expect((await store.load(id))?.version).toBe(version);
    expect(await topicEntries(id)).toHaveLength(1);

    // Nothing ticked: no topic at all, still subscribed.
    const none = await request('POST', token, 'action=topics');
    expect(bodyOf(none)).toContain('You chose no topic: we will send you no marketing email.');
    expect(await saved(id)).toMatchObject({
      consent: { email: 'subscribed' },
      unsubscribedTopics: ['newsletter', 'orders', 'offers'],
    });
  });

  it('unsubscribe from everything, then subscribe again with the topics ticked', async () => {
    const id = await aStoredCustomer({ unsubscribedTopics: ['offers'] });
    const token = createToken(id, SECRET);
    const out = await request('POST', token, 'action=unsubscribe');
    expect(out.statusCode).toBe(200);
    expect(bodyOf(out)).toContain('role="status">You are unsubscribed from all our emails.');
    expect(bodyOf(out)).toContain('Subscribe again');
    expect(bodyOf(out)).toContain('name="topics-shown"');
    expect(await saved(id)).toMatchObject({
      consent: { email: 'unsubscribed', source: 'preference-page' },
      unsubscribedTopics: ['offers'],
    });

    // The button alone (no topics in the form) keeps the topics held.
    const back = await request('POST', token, 'action=resubscribe');
    expect(bodyOf(back)).toContain('You are subscribed again. You will receive: Newsletter, About your orders.');
    expect(await saved(id)).toMatchObject({ consent: { email: 'subscribed' }, unsubscribedTopics: ['offers'] });

    // From the page, the topics ticked come with it.
    await request('POST', token, 'action=unsubscribe');
    await request('POST', token, 'action=resubscribe&topics-shown=1&topic=offers');
    expect(await saved(id)).toMatchObject({
      consent: { email: 'subscribed' },
      unsubscribedTopics: ['newsletter', 'orders'],
    });
  });

  it('RFC 8058 one-click unsubscribes from everything at once, whatever else the body says; again is still 200', async () => {
    const id = await aStoredCustomer();
    const token = createToken(id, SECRET);
    const first = await request('POST', token, 'List-Unsubscribe=One-Click');
    const second = await request('POST', token, 'List-Unsubscribe=One-Click&action=resubscribe');
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(bodyOf(second)).toContain('You are unsubscribed from all our emails.');
    expect((await saved(id))?.consent).toMatchObject({ email: 'unsubscribed', source: 'one-click' });
    expect((await store.timeline(id)).filter((e) => e.kind === 'unsubscribed')).toHaveLength(1);
    expect((await saved(id))?.unsubscribedTopics).toBeUndefined();
  });

  it('a token only ever changes its own customer; forged, altered and feedback tokens get the 400 page', async () => {
    const a = await aStoredCustomer();
    const b = await aStoredCustomer();
    const tokenA = createToken(a, SECRET);
    const before = await store.load(b);

    // Nothing in the body or the query names another customer.
    await request('POST', tokenA, `action=topics&topic=newsletter&customerId=${b}&id=${b}`, '/unsubscribe', {
      customerId: b,
    });
    await request('POST', tokenA, `action=unsubscribe&customerId=${b}`);
    expect((await store.load(b))?.version).toBe(before?.version);
    expect(await saved(a)).toMatchObject({ consent: { email: 'unsubscribed' } });

    const signatureOfA = tokenA.slice(tokenA.lastIndexOf('.') + 1);
    const refused = [
      `${b}.${signatureOfA}`, // A's signature on B's id
      `${b}.forged`,
      `${tokenA.slice(0, -1)}${tokenA.endsWith('A') ? 'B' : 'A'}`, // one character changed
      createToken(b, 'another secret'),
      createToken(b, SECRET, 'feedback'),
      '',
    ];
    for (const token of refused) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await request(method, token, 'List-Unsubscribe=One-Click');
        expect(response.statusCode, `${method} ${token}`).toBe(400);
        expect(bodyOf(response)).toContain('This link is not valid');
      }
    }
    expect((await store.load(b))?.version).toBe(before?.version);
    expect((await saved(b))?.consent.email).toBe('subscribed');
  });

  it('keep=1 still asks to keep sending, and action=keep records the click; /feedback still works', async () => {
    const id = await aStoredCustomer();
    const page = await request('GET', createToken(id, SECRET), '', '/unsubscribe', { keep: '1' });
    expect(bodyOf(page)).toContain('Yes, keep sending me emails');
    const kept = await request('POST', createToken(id, SECRET), 'action=keep');
    expect(bodyOf(kept)).toContain('You will keep receiving our emails.');
    expect((await saved(id))?.emailEngagement?.lastClickAt).toBe('2026-09-03T10:00:00.000Z');

    const feedback = createToken(id, SECRET, 'feedback');
    expect((await request('GET', feedback, '', '/feedback', { score: '9' })).statusCode).toBe(200);
    expect((await request('POST', feedback, '', '/feedback', { score: '9' })).statusCode).toBe(200);
    expect((await saved(id))?.nps?.score).toBe(9);
    // An unsubscribe token does not answer the survey.
    expect((await request('POST', createToken(id, SECRET), '', '/feedback', { score: '0' })).statusCode).toBe(400);
  });

  it('an unknown customer gets the 404 page', async () => {
    const token = createToken('cus_gone', SECRET);
    expect((await request('GET', token)).statusCode).toBe(404);
    expect((await request('POST', token, 'action=topics&topic=offers')).statusCode).toBe(404);
  });
});

describe('what the topics do to sending', () => {
  it("a marketing send of an 'offers' journey is suppressed once offers is unticked; other topics still go", async () => {
    const id = await aStoredCustomer();
    await request('POST', createToken(id, SECRET), 'action=topics&topic=newsletter&topic=orders');
    const customer = (await saved(id)) as Customer;
    const journeys = enabledJourneys(config);
    const settings = { ...config, quietHours: false as const };
    const decide = (journeyId: string) => {
      const journey = journeys.get(journeyId);
      const step = journey?.steps.find((s) => s.type === 'send');
      if (!journey || step?.type !== 'send') throw new Error(`no send step in ${journeyId}`);
      return evaluateSend(customer, { ...step, topic: journey.topic }, { now: clock.now(), settings });
    };
    expect(decide('cross-sell')).toEqual({ outcome: 'suppressed', reason: 'topic_unsubscribed' });
    expect(decide('repeat-incentive')).toEqual({ outcome: 'suppressed', reason: 'topic_unsubscribed' });
    expect(decide('welcome-series')).toEqual({ outcome: 'send' });
    expect(decide('replenishment')).toEqual({ outcome: 'send' });
  });
});
