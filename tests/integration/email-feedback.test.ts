import { CreateEmailTemplateCommand, DeleteEmailTemplateCommand, GetEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { engines, uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * What SES reports after an email leaves, end to end: the report in SES's own EventBridge format on the
 * local bus, the engagement handler, the customer in DynamoDB Local, and what the dispatcher then sends
 * or does not send through the local SES.
 */
let stack: LocalStack;
const prefix = `fb${Date.now().toString(36)}-`;

beforeAll(async () => {
  stack = await startTestStack(
    'feedback',
    testConfig({ templatePrefix: prefix, deliverability: { softBounceLimit: 3 } }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

async function signup(email: string) {
  const response = await postGeneric(stack.urls.api, signupBody(email, { firstName: 'Ada' }));
  expect(response.status).toBe(200);
  await stack.settle();
}

async function report(email: string, kind: string, messageId?: string) {
  const response = await fetch(`${stack.urls.api}/_local/ses-events`, {
    method: 'POST',
    body: JSON.stringify(messageId ? { messageId, kind } : { email, kind }),
  });
  return { status: response.status, body: (await response.json()) as { messageId?: string; message?: string } };
}

async function profile(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return (await response.json()) as { customer: Record<string, any>; timeline: Record<string, any>[] };
}

const kinds = async (email: string) => (await profile(email)).timeline.map((entry) => entry.kind as string);

describe('SES reports, applied to customers', () => {
  it('a delivery, an open and a click are engagement, counted for the journey and its step', async () => {
    const email = uniqueEmail('engaged');
    await signup(email);
    expect((await report(email, 'open')).status).toBe(202);
    expect((await report(email, 'click')).status).toBe(202);
    const { customer, timeline } = await profile(email);
    expect(customer.emailEngagement).toMatchObject({ sentSinceEngagement: 0 });
    expect(customer.emailEngagement.lastDeliveredAt).toEqual(expect.any(String));
    expect(customer.emailEngagement.lastOpenAt).toEqual(expect.any(String));
    expect(customer.emailEngagement.lastClickAt).toEqual(expect.any(String));
    expect(timeline).toContainEqual(
      expect.objectContaining({ kind: 'email_clicked', journeyId: 'welcome-series', stepId: 'welcome-1' }),
    );
    const stats = await stack.store.journeyStats(['welcome-series']);
    const step = stats.find((row) => row.stepId === 'welcome-1')?.counters;
    expect(step?.delivered).toBeGreaterThanOrEqual(1);
    expect(step?.opened).toBeGreaterThanOrEqual(1);
    expect(step?.clicked).toBeGreaterThanOrEqual(1);
  });

  it('the same report twice changes nothing the second time', async () => {
    const email = uniqueEmail('twice');
    await signup(email);
    const first = await report(email, 'open');
    await report(email, 'open', first.body.messageId);
    expect((await kinds(email)).filter((kind) => kind === 'email_opened')).toHaveLength(1);
  });

  it('a complaint suppresses the address and unsubscribes at once: no further marketing', async () => {
    const email = uniqueEmail('complains');
    await signup(email);
    await report(email, 'complaint');
    const { customer, timeline } = await profile(email);
    expect(customer.suppressed).toMatchObject({ reason: 'complaint' });
    expect(customer.consent).toMatchObject({ email: 'unsubscribed', source: 'complaint' });
    expect(timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['email_complained', 'suppressed', 'unsubscribed']),
    );
    await stack.advanceClock({ advance: 'P7D' });
    expect((await kinds(email)).filter((kind) => kind === 'email_sent')).toHaveLength(1);
  });

  it('a permanent bounce suppresses the address; nothing is sent to it again', async () => {
    const email = uniqueEmail('bounces');
    await signup(email);
    await report(email, 'bounce');
    expect((await profile(email)).customer.suppressed).toMatchObject({ reason: 'hard_bounce' });
    await stack.advanceClock({ advance: 'P7D' });
    const after = await profile(email);
    expect(after.timeline.filter((e) => e.kind === 'email_sent')).toHaveLength(1);
    expect(after.timeline).toContainEqual(expect.objectContaining({ kind: 'email_suppressed', reason: 'suppressed' }));
    // Kept by address beyond the customer: erased and signed up again, the address is still not emailed.
    expect(await stack.store.findSuppression(hashEmail(email))).toMatchObject({ reason: 'hard_bounce' });
    const erased = await postGeneric(stack.urls.api, {
      id: `erase-${email}`,
      type: 'customer.erased',
      occurredAt: stack.clock.now().toISOString(),
      data: { customer: { email } },
    });
    expect(erased.status).toBe(200);
    await stack.settle();
    expect(await stack.store.findSuppression(hashEmail(email))).toMatchObject({ reason: 'hard_bounce' });
    await signup(email);
    const back = await profile(email);
    expect(back.customer.suppressed).toMatchObject({ reason: 'hard_bounce' });
    expect(back.timeline.filter((e) => e.kind === 'email_sent')).toHaveLength(0);
  });

  it('a transient bounce is counted, not suppressed; the next delivery starts the count again', async () => {
    const email = uniqueEmail('full-inbox');
    await signup(email);
    await report(email, 'soft-bounce');
    const bounced = await profile(email);
    expect(bounced.customer.deliverability).toEqual({ softBounces: 1 });
    expect(bounced.customer.suppressed).toBeUndefined();
    expect(bounced.timeline).toContainEqual(
      expect.objectContaining({ kind: 'email_bounced', bounceType: 'transient' }),
    );
    // Two days later the second welcome goes out and is delivered.
    await stack.advanceClock({ advance: 'P2D' });
    expect((await profile(email)).customer.deliverability).toEqual({ softBounces: 0 });
  });

  it('a rejected email is recorded; an unknown message is a 404 that names what to give', async () => {
    const email = uniqueEmail('rejected');
    await signup(email);
    await report(email, 'reject');
    expect(await kinds(email)).toContain('email_rejected');
    const unknown = await report(uniqueEmail('nobody'), 'open');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('"messageId" or "email"');
    const bad = await report(email, 'explode');
    expect(bad.status).toBe(400);
  });
});

describe('templates that fail', () => {
  const { ses } = engines();

  it('an email that did not render is sent again once due, and goes out when the template works', async () => {
    const email = uniqueEmail('render');
    await signup(email);
    await report(email, 'rendering-failure');
    const failed = await profile(email);
    expect(failed.timeline).toContainEqual(
      expect.objectContaining({ kind: 'email_failed', reason: 'rendering_failed', stepId: 'welcome-1' }),
    );
    expect(failed.timeline).toContainEqual(
      expect.objectContaining({ kind: 'journey_step', note: 'send_retried', stepId: 'welcome-1' }),
    );
    await stack.advanceClock({ advance: 'PT5M' });
    const sent = (await profile(email)).timeline.filter((e) => e.kind === 'email_sent' && e.stepId === 'welcome-1');
    expect(sent).toHaveLength(2);
  });

  it('a send whose template is missing is retried, with a count for the alarm, and goes once it is back', async () => {
    const name = `${prefix}welcome-2`;
    const email = uniqueEmail('missing');
    await signup(email);
    const kept = await ses.send(new GetEmailTemplateCommand({ TemplateName: name }));
    await ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
    try {
      const advanced = await stack.advanceClock({ advance: 'P2D' });
      expect(advanced.templateMissing).toBeGreaterThanOrEqual(1);
      const timeline = (await profile(email)).timeline;
      expect(timeline).toContainEqual(
        expect.objectContaining({ kind: 'email_failed', reason: 'template_missing', stepId: 'welcome-2' }),
      );
    } finally {
      await ses.send(new CreateEmailTemplateCommand({ TemplateName: name, TemplateContent: kept.TemplateContent }));
    }
    await stack.advanceClock({ advance: 'PT2H' });
    const timeline = (await profile(email)).timeline;
    expect(timeline.filter((e) => e.kind === 'email_sent' && e.stepId === 'welcome-2')).toHaveLength(1);
  });
});
