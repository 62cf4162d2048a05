import { describe, expect, it } from 'vitest';
import { applyEmailFeedback, type EmailFeedback } from '../../../functions/domain/email-feedback.js';
import { evaluateSend } from '../../../functions/domain/guardrails.js';
import { retryAfterRenderFailure } from '../../../functions/domain/journeys/enrollment.js';
import { retriedLongEnough } from '../../../functions/domain/services/dispatch/retry-policy.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer, aRun } from '../../helpers/customers.js';

const now = new Date('2026-11-02T12:00:00Z');
const settings = { softBounceLimit: 3 };
const report = (kind: EmailFeedback['kind'], extra: Partial<EmailFeedback> = {}): EmailFeedback => ({
  kind,
  messageId: `m-${kind}`,
  at: '2026-11-02T11:59:00.000Z',
  tags: { customer: 'c1', journey: 'welcome-series', step: 'welcome-1', run: 'run_1' },
  ...extra,
});
const ada = aCustomer('c1', 'ada@example.com');
const guard = { now, settings: testConfig({ quietHours: false }) };
const marketing = { category: 'marketing', priority: 'normal', staleAfter: 'P2D' } as const;
const transactional = { category: 'transactional', priority: 'high', staleAfter: 'P2D' } as const;

describe('what a report means for the customer', () => {
  it('a permanent bounce suppresses the address: nothing, transactional included, is sent to it again', () => {
    const effect = applyEmailFeedback(ada, report('bounce', { bounce: { type: 'permanent' } }), settings, now);
    expect(effect.customer.suppressed).toEqual({ reason: 'hard_bounce', at: now.toISOString() });
    expect(effect.timeline.map((e) => e.kind)).toEqual(['email_bounced', 'suppressed']);
    expect(effect.counters).toEqual(['bounced']);
    expect(evaluateSend(effect.customer, marketing, guard)).toEqual({ outcome: 'suppressed', reason: 'suppressed' });
    expect(evaluateSend(effect.customer, transactional, guard)).toEqual({
      outcome: 'suppressed',
      reason: 'suppressed',
    });
    // Suppressed once: a second bounce keeps the first reason and time, and says nothing new.
    const again = applyEmailFeedback(
      effect.customer,
      report('bounce', { messageId: 'm2', bounce: { type: 'undetermined' } }),
      settings,
      now,
    );
    expect(again.customer.suppressed).toEqual(effect.customer.suppressed);
    expect(again.timeline.map((e) => e.kind)).toEqual(['email_bounced']);
  });

  it('transient bounces suppress after three in a row; a delivery between resets the count', () => {
    const soft = (c: typeof ada, n: number) =>
      applyEmailFeedback(
        c,
        report('bounce', { messageId: `s${n}`, bounce: { type: 'transient', subType: 'MailboxFull' } }),
        settings,
        now,
      ).customer;
    const two = soft(soft(ada, 1), 2);
    expect(two.deliverability).toEqual({ softBounces: 2 });
    expect(two.suppressed).toBeUndefined();
    expect(soft(two, 3).suppressed).toMatchObject({ reason: 'soft_bounces' });
    const delivered = applyEmailFeedback(two, report('delivery'), settings, now).customer;
    expect(delivered.deliverability).toEqual({ softBounces: 0 });
    expect(soft(delivered, 4).suppressed).toBeUndefined();
  });

  it('a complaint suppresses and unsubscribes from all marketing at once, with its proof on the timeline', () => {
    const withTopics = { ...ada, unsubscribedTopics: ['offers'] };
    const effect = applyEmailFeedback(withTopics, report('complaint'), settings, now);
    expect(effect.customer.consent).toEqual({
      email: 'unsubscribed',
      source: 'complaint',
      updatedAt: now.toISOString(),
    });
    expect(effect.customer.suppressed?.reason).toBe('complaint');
    expect(effect.timeline.map((e) => e.kind)).toEqual(['email_complained', 'suppressed', 'unsubscribed']);
    expect(evaluateSend(effect.customer, marketing, guard).outcome).toBe('suppressed');
    // Already unsubscribed: the consent record keeps its original source.
    const gone = aCustomer('c1', 'ada@example.com', {
      consent: { email: 'unsubscribed', source: 'one-click', updatedAt: '2026-10-01T00:00:00Z' },
    });
    const later = applyEmailFeedback(gone, report('complaint'), settings, now);
    expect(later.customer.consent.source).toBe('one-click');
    expect(later.timeline.map((e) => e.kind)).toEqual(['email_complained', 'suppressed']);
  });

  it('deliveries, opens and clicks are engagement; a late report never moves engagement back', () => {
    const stale = { ...ada, emailEngagement: { sentSinceEngagement: 4, lastOpenAt: '2026-11-02T11:59:30.000Z' } };
    const opened = applyEmailFeedback(stale, report('open'), settings, now);
    expect(opened.customer.emailEngagement).toEqual({ sentSinceEngagement: 0, lastOpenAt: '2026-11-02T11:59:30.000Z' });
    const clicked = applyEmailFeedback(stale, report('click'), settings, now);
    expect(clicked.customer.emailEngagement?.lastClickAt).toBe('2026-11-02T11:59:00.000Z');
    expect(clicked.counters).toEqual(['clicked']);
    const delivered = applyEmailFeedback(ada, report('delivery'), settings, now);
    expect(delivered.customer.emailEngagement?.lastDeliveredAt).toBe('2026-11-02T11:59:00.000Z');
    expect(delivered.counters).toEqual(['delivered']);
  });

  it('a rejection and a rendering failure are recorded, and change nothing else', () => {
    const rejected = applyEmailFeedback(ada, report('reject'), settings, now);
    expect(rejected.customer).toBe(ada);
    expect(rejected.timeline).toEqual([expect.objectContaining({ kind: 'email_rejected', messageId: 'm-reject' })]);
    const failed = applyEmailFeedback(
      ada,
      report('rendering_failure', { failure: { template: 'lifecycle-welcome-1' } }),
      settings,
      now,
    );
    expect(failed.customer).toBe(ada);
    expect(failed.timeline).toEqual([
      expect.objectContaining({ kind: 'email_failed', reason: 'rendering_failed', template: 'lifecycle-welcome-1' }),
    ]);
    expect(failed.counters).toEqual(['renderingFailed']);
  });
});

describe('an email that did not render', () => {
  const sentAt = '2026-11-02T11:00:00.000Z';
  const waiting = aRun('welcome-series', '2026-11-04T11:00:00.000Z', {
    stepId: 'pause-1',
    lastSend: { stepId: 'welcome-1', messageId: 'm1', at: sentAt },
  });
  const context = { now, delayMs: (n: number) => n * 60_000, giveUpAfterMs: 3 * 86_400_000 };

  it('sends the run back to its step, due after the delay, counting the failures', () => {
    const first = retryAfterRenderFailure(waiting, { messageId: 'm1', runId: waiting.runId }, context);
    expect(first).toEqual({
      enrollment: expect.objectContaining({
        status: 'active',
        stepId: 'welcome-1',
        dueAt: '2026-11-02T12:01:00.000Z',
        renderFailure: { stepId: 'welcome-1', since: sentAt, count: 1 },
      }),
    });
    const resent = {
      ...(first as { enrollment: typeof waiting }).enrollment,
      lastSend: { stepId: 'welcome-1', messageId: 'm2', at: now.toISOString() },
    };
    const second = retryAfterRenderFailure(resent, { messageId: 'm2' }, context);
    expect(second && 'enrollment' in second && second.enrollment.renderFailure).toEqual({
      stepId: 'welcome-1',
      since: sentAt,
      count: 2,
    });
    // A completed run comes back too: its last email still has to go.
    expect(
      retryAfterRenderFailure({ ...waiting, status: 'completed', endedAt: sentAt }, { messageId: 'm1' }, context),
    ).toBeDefined();
  });

  it('leaves alone a run that sent something since, exited, or is another run; gives up after the limit', () => {
    expect(retryAfterRenderFailure(waiting, { messageId: 'older' }, context)).toBeUndefined();
    expect(retryAfterRenderFailure({ ...waiting, status: 'exited' }, { messageId: 'm1' }, context)).toBeUndefined();
    expect(retryAfterRenderFailure(waiting, { messageId: 'm1', runId: 'run_other' }, context)).toBeUndefined();
    const late = { ...context, now: new Date(Date.parse(sentAt) + 4 * 86_400_000) };
    expect(retryAfterRenderFailure(waiting, { messageId: 'm1' }, late)).toEqual({ gaveUp: true });
  });

  it('a send that keeps failing is retried for as long as templates are given to be fixed, then dropped', () => {
    const config = testConfig({ deliverability: { templateRetryFor: 'P1D' } });
    const step = { staleAfter: 'PT12H' };
    // Delays of 1, 2, 4 … 32 minutes, then hourly: a day is passed on the 29th failure.
    expect(retriedLongEnough(10, step, config)).toBe(false);
    expect(retriedLongEnough(28, step, config)).toBe(false);
    expect(retriedLongEnough(29, step, config)).toBe(true);
    expect(retriedLongEnough(29, { staleAfter: 'P2D' }, config)).toBe(false);
  });
});
