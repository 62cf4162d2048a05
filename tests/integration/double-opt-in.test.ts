import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../functions/adapters/unsubscribe-token.js';
import { LOCAL_UNSUBSCRIBE_SECRET, type LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo, header } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * Double opt-in through the local runtime: a sign-up from a source that must confirm gets one
 * transactional confirmation email and no marketing until the link in it is used; using it records the
 * proof and starts the welcome series.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack(
    'doi',
    testConfig({ deliverability: { doubleOptIn: ['generic'], confirmationValidFor: 'P7D' } }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

async function signup(email: string) {
  const response = await postGeneric(stack.urls.api, {
    id: `doi-${email}`,
    type: 'customer.signed_up',
    occurredAt: stack.clock.now().toISOString(),
    data: {
      customer: {
        email,
        firstName: 'Ada',
        consent: { email: 'subscribed', source: 'footer-form', ip: '198.51.100.7', userAgent: 'Form browser' },
      },
    },
  });
  expect(response.status).toBe(200);
  await stack.settle();
}

async function profile(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return (await response.json()) as { customer: Record<string, any>; timeline: Record<string, any>[] };
}

async function confirmLink(email: string): Promise<string> {
  const [mail] = (await emailsTo(stack.urls.inbox, email)).filter((m) => m.subject.startsWith('Please confirm'));
  const url = /Yes, subscribe me: (\S+)/.exec(mail?.body.text ?? '')?.[1];
  if (!url) throw new Error('no confirmation link');
  return url;
}

const sentTemplates = async (email: string) =>
  (await profile(email)).timeline.filter((e) => e.kind === 'email_sent').map((e) => e.template);

describe('double opt-in', () => {
  it('holds the subscription as pending, sends one confirmation and no marketing until it is confirmed', async () => {
    const email = uniqueEmail('doi');
    await signup(email);
    const { customer, timeline } = await profile(email);
    expect(customer.consent).toMatchObject({
      email: 'pending',
      source: 'generic:footer-form',
      ip: '198.51.100.7',
      userAgent: 'Form browser',
      confirmation: { requestedAt: expect.any(String) },
    });
    expect(timeline).toContainEqual(
      expect.objectContaining({ kind: 'consent_changed', to: 'pending', note: 'confirmation_requested' }),
    );
    expect(await sentTemplates(email)).toEqual(['confirm-subscription']);
    const [mail] = await emailsTo(stack.urls.inbox, email);
    // Transactional: no one-click unsubscribe header, nothing to unsubscribe from yet.
    expect(header(mail!, 'List-Unsubscribe')).toBeUndefined();

    await stack.advanceClock({ advance: 'P3D' });
    expect(await sentTemplates(email)).toEqual(['confirm-subscription']);

    // The link shows a button; only the POST confirms (mail scanners open every link).
    const url = await confirmLink(email);
    const shown = await fetch(url);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('Yes, subscribe me');
    expect((await profile(email)).customer.consent.email).toBe('pending');
    const confirmed = await fetch(url, { method: 'POST', headers: { 'user-agent': 'Confirming browser' } });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Thank you for confirming');
    await stack.settle();

    const after = await profile(email);
    expect(after.customer.consent).toMatchObject({
      email: 'subscribed',
      confirmation: {
        requestedAt: customer.consent.confirmation.requestedAt,
        confirmedAt: expect.any(String),
        userAgent: 'Confirming browser',
        ip: expect.any(String),
      },
    });
    expect(after.customer.stage).toBe('subscriber');
    expect(await sentTemplates(email)).toEqual(['confirm-subscription', 'welcome-1']);
    // Using the link again changes nothing.
    const again = await fetch(url, { method: 'POST' });
    expect(await again.text()).toContain('Thank you for confirming');
    expect(await sentTemplates(email)).toEqual(['confirm-subscription', 'welcome-1']);
  });

  it('refuses an expired link with a way forward, and a forged or borrowed token outright', async () => {
    const email = uniqueEmail('doi-late');
    await signup(email);
    const url = await confirmLink(email);
    await stack.advanceClock({ advance: 'P8D' });
    const expired = await fetch(url, { method: 'POST' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('sign up again');
    expect((await profile(email)).customer.consent.email).toBe('pending');

    const token = new URL(url).searchParams.get('token') as string;
    const [id, expiry] = token.split('.');
    const forged = await fetch(`${stack.urls.api}/confirm?token=${id}.${expiry}.AAAA`, { method: 'POST' });
    expect(forged.status).toBe(400);
    // An unsubscribe token of the same customer is not a confirmation.
    const borrowed = await fetch(
      `${stack.urls.api}/confirm?token=${createToken(id as string, LOCAL_UNSUBSCRIBE_SECRET)}`,
      {
        method: 'POST',
      },
    );
    expect(borrowed.status).toBe(400);
    expect((await profile(email)).customer.consent.email).toBe('pending');
  });

  it('an unsubscribe while pending wins over a later confirmation', async () => {
    const email = uniqueEmail('doi-changed-mind');
    await signup(email);
    const url = await confirmLink(email);
    const id = new URL(url).searchParams.get('token')?.split('.')[0] as string;
    const unsubscribe = await fetch(
      `${stack.urls.api}/unsubscribe?token=${createToken(id, LOCAL_UNSUBSCRIBE_SECRET)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      },
    );
    expect(unsubscribe.status).toBe(200);
    const late = await fetch(url, { method: 'POST' });
    expect(await late.text()).toContain('not waiting for a confirmation');
    expect((await profile(email)).customer.consent.email).toBe('unsubscribed');
  });
});
