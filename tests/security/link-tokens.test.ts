import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExpiringToken,
  createToken,
  type TokenPurpose,
  verifyExpiringToken,
  verifyToken,
} from '../../functions/adapters/unsubscribe-token.js';
import { LOCAL_UNSUBSCRIBE_SECRET, type LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The signed links of emails (/unsubscribe: preferences, topics and RFC 8058 one-click; /feedback; /confirm)
 * against forgery and reuse: a token made without the secret, for another purpose, with another customer's
 * signature, with its expiry moved, or simply another customer's token, never changes anyone but the
 * token's own customer. Through the whole local runtime (HTTP, the links function, DynamoDB Local).
 */

const TOKEN_SEED = 2369;
const TOKEN_RUNS = 10_000;
const SECRET = LOCAL_UNSUBSCRIBE_SECRET;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack(
    'security-tokens',
    testConfig({ deliverability: { doubleOptIn: ['generic'], confirmationValidFor: 'P7D' } }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

interface Person {
  readonly email: string;
  readonly id: string;
}

async function signUp(name: string): Promise<Person> {
  const email = uniqueEmail(name);
  expect((await postGeneric(stack.urls.api, signupBody(email))).status).toBe(200);
  await stack.settle();
  const id = await stack.store.findCustomerId(email);
  if (!id) throw new Error(`${name} was not created`);
  return { email, id };
}

const customer = async (person: Person) => {
  const stored = await stack.store.load(person.id);
  if (!stored) throw new Error('customer missing');
  return stored.customer;
};

async function request(method: 'GET' | 'POST', path: string, query: Record<string, string>, form = '') {
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${stack.urls.api}${path}?${search}`, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...(method === 'POST' ? { body: form } : {}),
  });
  return { status: response.status, body: await response.text() };
}

const confirmToken = (person: Person, validFor = 7 * 86_400_000, secret = SECRET, purpose: TokenPurpose = 'confirm') =>
  createExpiringToken(person.id, secret, purpose, new Date(stack.clock.now().getTime() + validFor));
/** The signature part of a token. */
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

let alice: Person;
let bob: Person;
let carol: Person;

describe('signed links', () => {
  beforeAll(async () => {
    alice = await signUp('alice');
    bob = await signUp('bob');
    carol = await signUp('carol');
  });

  it('/confirm: forged, moved, expired, cross-purpose and cross-customer tokens confirm nobody', async () => {
    expect((await customer(alice)).consent.email).toBe('pending');
    const aliceToken = confirmToken(alice);
    const [, expiry] = aliceToken.split('.') as [string, string, string];
    const forged: Record<string, [string, number]> = {
      "alice's id with bob's signature": [`${alice.id}.${expiry}.${signatureOf(confirmToken(bob))}`, 400],
      "alice's token with a later expiry": [
        `${alice.id}.${(Number.parseInt(expiry, 36) + 86_400 * 365).toString(36)}.${signatureOf(aliceToken)}`,
        400,
      ],
      'made with another secret': [confirmToken(alice, undefined, 'guessed-secret'), 400],
      'made for unsubscribing': [confirmToken(alice, undefined, SECRET, 'unsubscribe'), 400],
      'an unsubscribe token': [createToken(alice.id, SECRET, 'unsubscribe'), 400],
      'a feedback token': [createToken(alice.id, SECRET, 'feedback'), 400],
      'no signature': [`${alice.id}.${expiry}.`, 400],
      'genuine but expired': [confirmToken(alice, -1000), 410],
    };
    for (const [name, [token, status]] of Object.entries(forged)) {
      for (const method of ['GET', 'POST'] as const) {
        const answer = await request(method, '/confirm', { token });
        expect(answer.status, `${method} ${name}`).toBe(status);
      }
    }
    expect((await customer(alice)).consent.email).toBe('pending');

    // Alice's own link confirms Alice, and only her.
    expect((await request('POST', '/confirm', { token: aliceToken })).status).toBe(200);
    expect((await request('POST', '/confirm', { token: confirmToken(carol) })).status).toBe(200);
    expect((await customer(alice)).consent.email).toBe('subscribed');
    expect((await customer(carol)).consent.email).toBe('subscribed');
    expect((await customer(bob)).consent.email).toBe('pending');
  });

  it('/unsubscribe: forged and cross-purpose tokens are refused on GET and POST; nobody is unsubscribed', async () => {
    const aliceToken = createToken(alice.id, SECRET, 'unsubscribe');
    const forged: Record<string, string> = {
      "alice's id with carol's signature": `${alice.id}.${signatureOf(createToken(carol.id, SECRET))}`,
      'made with another secret': createToken(alice.id, 'guessed-secret'),
      'a feedback token': createToken(alice.id, SECRET, 'feedback'),
      'a confirmation token': confirmToken(alice),
      'upper-cased signature': `${alice.id}.${signatureOf(aliceToken).toUpperCase()}`,
      'signature cut short': aliceToken.slice(0, -2),
      'id only': alice.id,
      empty: '',
      'an id with a path': `../${alice.id}.${signatureOf(aliceToken)}`,
      'two tokens': `${aliceToken},${createToken(carol.id, SECRET)}`,
      'very long': `${alice.id}.${'A'.repeat(5000)}`,
    };
    for (const [name, token] of Object.entries(forged)) {
      expect((await request('GET', '/unsubscribe', { token })).status, `GET ${name}`).toBe(400);
      const post = await request('POST', '/unsubscribe', { token }, 'List-Unsubscribe=One-Click');
      expect(post.status, `POST ${name}`).toBe(400);
      expect(post.body).not.toContain(alice.email);
    }
    expect((await customer(alice)).consent.email).toBe('subscribed');
    expect((await customer(carol)).consent.email).toBe('subscribed');
  });

  it("/unsubscribe: one customer's token changes that customer only, whatever the form names", async () => {
    const aliceToken = createToken(alice.id, SECRET, 'unsubscribe');
    const carolToken = createToken(carol.id, SECRET, 'unsubscribe');
    // The same parameter twice reaches the function joined by a comma (as API Gateway does): not a token.
    const both = await fetch(
      `${stack.urls.api}/unsubscribe?token=${encodeURIComponent(aliceToken)}&token=${encodeURIComponent(carolToken)}`,
      {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(both.status).toBe(400);

    const answer = await request(
      'POST',
      '/unsubscribe',
      { token: aliceToken },
      new URLSearchParams({
        'List-Unsubscribe': 'One-Click',
        token: carolToken,
        customerId: carol.id,
        email: carol.email,
      }).toString(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain(carol.email);
    expect((await customer(alice)).consent.email).toBe('unsubscribed');
    expect((await customer(carol)).consent.email).toBe('subscribed');
  });

  it('/unsubscribe topics: only the configured topics can be saved; prototype names are ignored', async () => {
    const carolToken = createToken(carol.id, SECRET, 'unsubscribe');
    const form = new URLSearchParams([
      ['action', 'topics'],
      ['topic', '__proto__'],
      ['topic', 'constructor'],
      ['topic', 'toString'],
      ['topic', 'offers'],
    ]).toString();
    expect((await request('POST', '/unsubscribe', { token: carolToken }, form)).status).toBe(200);
    const topics = Object.keys(testConfig().topics);
    const saved = (await customer(carol)).unsubscribedTopics ?? [];
    // Only the one real topic ticked stays: the others are unsubscribed, the prototype names ignored.
    expect([...saved].sort()).toEqual(topics.filter((topic) => topic !== 'offers').sort());
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await customer(carol)).consent.email).toBe('subscribed');
  });

  it('/feedback: forged, cross-purpose and cross-customer tokens and odd scores record nothing', async () => {
    const carolFeedback = createToken(carol.id, SECRET, 'feedback');
    const forged: Record<string, Record<string, string>> = {
      'an unsubscribe token': { token: createToken(carol.id, SECRET, 'unsubscribe'), score: '9' },
      "carol's id with bob's signature": {
        token: `${carol.id}.${signatureOf(createToken(bob.id, SECRET, 'feedback'))}`,
        score: '9',
      },
      'made with another secret': { token: createToken(carol.id, 'guessed-secret', 'feedback'), score: '9' },
      'score 11': { token: carolFeedback, score: '11' },
      'score -1': { token: carolFeedback, score: '-1' },
      'score 3.5': { token: carolFeedback, score: '3.5' },
      'score 5abc': { token: carolFeedback, score: '5abc' },
      'no score': { token: carolFeedback },
    };
    for (const [name, query] of Object.entries(forged)) {
      expect((await request('GET', '/feedback', query)).status, `GET ${name}`).toBe(400);
      expect((await request('POST', '/feedback', query)).status, `POST ${name}`).toBe(400);
    }
    expect((await customer(carol)).nps).toBeUndefined();

    expect((await request('POST', '/feedback', { token: carolFeedback, score: '9' })).status).toBe(200);
    expect((await customer(carol)).nps?.score).toBe(9);
    expect((await customer(bob)).nps).toBeUndefined();
    expect((await customer(alice)).nps).toBeUndefined();
  });
});

describe(`token verification, ${TOKEN_RUNS} runs a property (seed ${TOKEN_SEED})`, () => {
  const customerId = fc.stringMatching(/^cus_[A-Za-z0-9_-]{1,40}$/);
  const purpose = fc.constantFrom<TokenPurpose>('unsubscribe', 'feedback', 'confirm');
  const character = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  const options = { seed: TOKEN_SEED, numRuns: TOKEN_RUNS };

  it('a token verifies for its own purpose and customer only, and any one-character change breaks it', () => {
    fc.assert(
      fc.property(customerId, purpose, purpose, fc.nat(), character, (id, made, used, at, replacement) => {
        const token = createToken(id, SECRET, made);
        if (verifyToken(token, SECRET, used) !== (made === used ? id : undefined)) return false;
        if (verifyToken(token, `${SECRET}x`, made) !== undefined) return false;
        const index = at % token.length;
        if (token[index] === replacement) return true;
        // A changed id no longer matches the signature, and a changed signature no longer matches the id.
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        return verifyToken(changed, SECRET, made) === undefined;
      }),
      options,
    );
  });

  it('an expiring token verifies for its own customer and expiry only; an altered one never', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    fc.assert(
      fc.property(customerId, fc.integer({ min: -30, max: 30 }), fc.nat(), character, (id, days, at, replacement) => {
        const token = createExpiringToken(id, SECRET, 'confirm', new Date(now.getTime() + days * 86_400_000 + 1000));
        const verified = verifyExpiringToken(token, SECRET, 'confirm', now);
        if (verified?.customerId !== id || verified.expired !== days < 0) return false;
        if (verifyExpiringToken(token, SECRET, 'unsubscribe', now) !== undefined) return false;
        if (verifyToken(token, SECRET, 'confirm') !== undefined) return false;
        const index = at % token.length;
        if (token[index] === replacement) return true;
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        return verifyExpiringToken(changed, SECRET, 'confirm', now) === undefined;
      }),
      options,
    );
  });

  it('arbitrary strings never verify, and verification never throws', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        purpose,
        (token, used) =>
          verifyToken(token, SECRET, used) === undefined &&
          verifyExpiringToken(token, SECRET, used, new Date()) === undefined,
      ),
      options,
    );
  });
});
