import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { emailsTo, header } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('local-stack', testConfig());
});

afterAll(async () => {
  await stack?.stop();
});

async function customerDocument(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function advance(body: unknown) {
  const response = await fetch(`${stack.urls.api}/_local/clock`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('the newcomer path through the local runtime', () => {
  it('a signed signup brings the first welcome at once, the second two days later, the third four days after', async () => {
    const email = uniqueEmail('ada');
    const accepted = await postGeneric(stack.urls.api, signupBody(email, { firstName: 'Ada' }));
    expect(accepted).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await stack.settle();
    const first = await emailsTo(stack.urls.inbox, email);
    expect(first.map((e) => e.subject)).toEqual(['Welcome to Test Shop, Ada']);
    expect(header(first[0]!, 'List-Unsubscribe')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=cus_/);

    // A day is not enough …
    expect((await advance({ advance: 'P1D' })).body.sent).toBe(0);
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(1);
    // … two days are.
    const summary = await advance({ advance: 'P1D' });
    expect(summary).toMatchObject({ status: 200, body: { sent: 1 } });
    expect((await emailsTo(stack.urls.inbox, email)).map((e) => e.subject)).toEqual([
      'Welcome to Test Shop, Ada',
      'Ada, here is what makes Test Shop different',
    ]);
    expect((await advance({ advance: 'P4D' })).body.sent).toBe(1);
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(3);

    const { status, body } = await customerDocument(email);
    expect(status).toBe(200);
    expect(body.customer).toMatchObject({
      email,
      consent: { email: 'subscribed' },
      stage: 'subscriber',
      metrics: { orderCount: 0, revenue: { amount: 0, currency: 'USD' } },
      // Mailed for a week: too soon to say whether they read (docs/intelligence.md, "Segments").
      segments: ['engagement_unknown'],
    });
    expect(typeof body.customer.id).toBe('string');
    const kinds: string[] = body.timeline.map((entry: { kind: string }) => entry.kind);
    // Each email is also reported delivered, as SES's event destination would, a moment after it is sent.
    expect(kinds.filter((kind) => kind === 'email_delivered')).toHaveLength(3);
    const others = kinds.filter((kind) => kind !== 'email_delivered');
    expect(others.slice(0, 5)).toEqual([
      'event_received',
      'consent_changed',
      'stage_changed',
      'segment_entered',
      'journey_entered',
    ]);
    // Entries written in the same millisecond come in the order of their keys: the sends, by count.
    expect(others.slice(5).sort()).toEqual([
      'email_reserved',
      'email_reserved',
      'email_reserved',
      'email_sent',
      'email_sent',
      'email_sent',
      'journey_completed',
    ]);
    expect(body.timeline.every((entry: { at?: string }) => typeof entry.at === 'string')).toBe(true);
  });

  it('without marketing consent the profile is stored and no email goes out', async () => {
    const email = uniqueEmail('noconsent');
    expect((await postGeneric(stack.urls.api, signupBody(email, { consent: 'unsubscribed' }))).status).toBe(200);
    await stack.settle();
    await advance({ advance: 'P3D' });
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(0);
    const { body } = await customerDocument(email);
    expect(body.customer.consent.email).toBe('unsubscribed');
    // Journeys for subscribers are not even entered.
    expect(body.timeline.some((entry: { kind: string }) => entry.kind === 'journey_entered')).toBe(false);
  });

  it('a webhook delivered twice is accepted twice and changes the customer once: one email', async () => {
    const email = uniqueEmail('twice');
    const body = signupBody(email);
    const settled = async () => {
      await stack.settle();
      // The welcome email's delivery report, put on the bus as it was sent.
      await stack.bus.idle();
      return customerDocument(email);
    };
    expect((await postGeneric(stack.urls.api, body)).json).toEqual({
      status: 'accepted',
      events: [`generic:${body.id}`],
    });
    const once = await settled();
    expect(once.body.timeline.map((entry: { kind: string }) => entry.kind)).toContain('journey_entered');
    // The redelivery goes on the bus again under the same event id; the customer function's receipt of that
    // id makes it change nothing: the same customer, version and timeline, and no second email.
    expect((await postGeneric(stack.urls.api, body)).json).toEqual({
      status: 'accepted',
      events: [`generic:${body.id}`],
    });
    expect(await settled()).toEqual(once);
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(1);
  });

  it('a wrong or missing signature is refused with 401 and nothing is stored', async () => {
    const email = uniqueEmail('forged');
    expect((await postGeneric(stack.urls.api, signupBody(email), { secret: 'not-the-secret' })).status).toBe(401);
    expect((await postGeneric(stack.urls.api, signupBody(email), { signature: null })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await postGeneric(stack.urls.api, signupBody(email), { timestamp: stale })).status).toBe(401);
    await stack.settle();
    expect((await customerDocument(email)).status).toBe(404);
  });

  it('a malformed body with a good signature is refused with 400 naming the field', async () => {
    const body = signupBody(uniqueEmail('malformed')) as Record<string, any>;
    body.data.customer.consent.email = 'maybe';
    const response = await postGeneric(stack.urls.api, body);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: 'InvalidPayload', field: 'data.customer.consent.email' });
  });

  it('the clock refuses a bad request and never goes back', async () => {
    expect((await advance({ advance: '2 days' })).status).toBe(400);
    expect((await advance({})).status).toBe(400);
    expect((await advance({ to: '2001-01-01T00:00:00Z' })).status).toBe(400);
    const now = (await (await fetch(`${stack.urls.api}/_local/clock`)).json()) as { now: string };
    const target = new Date(new Date(now.now).getTime() + 3_600_000).toISOString();
    const moved = await advance({ to: target });
    expect(moved.status).toBe(200);
    expect(new Date(moved.body.to).getTime()).toBeGreaterThanOrEqual(new Date(target).getTime());
  });

  it('one-click unsubscribe from the email header stops the rest of the series', async () => {
    const email = uniqueEmail('leaver');
    await postGeneric(stack.urls.api, signupBody(email));
    await stack.settle();
    const [welcome] = await emailsTo(stack.urls.inbox, email);
    const link = header(welcome!, 'List-Unsubscribe')?.slice(1, -1) as string;
    const response = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    await advance({ advance: 'P2D' });
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(1);
    const { body } = await customerDocument(email);
    expect(body.customer.consent).toMatchObject({ email: 'unsubscribed', source: 'one-click' });
  });

  it('answers 404 for an unknown customer', async () => {
    expect((await customerDocument('nobody@example.com')).status).toBe(404);
  });
});
