import { describe, expect, it } from 'vitest';
import type { Customer } from '../../../functions/domain/customer.js';
import { capUntil, evaluateSend, quietUntil } from '../../../functions/domain/guardrails.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';

const config = testConfig({ timezone: 'Europe/Paris', quietHours: { start: '21:00', end: '08:00' } });
const customer: Customer = aCustomer('cus_1', 'ada@example.com', { timezone: 'Europe/Paris' });
type Step = { category: 'marketing' | 'transactional'; priority: 'high' | 'normal' | 'low'; staleAfter: string };
const marketing: Step = { category: 'marketing', priority: 'normal', staleAfter: 'P2D' };
const transactional: Step = { ...marketing, category: 'transactional' };
const noon = new Date('2026-05-05T10:00:00Z'); // 12:00 in Paris
const decide = (
  c: Customer,
  step: Step = marketing,
  now = noon,
  extra: { deferredSince?: string; ref?: string } = {},
) => evaluateSend(c, step, { now, settings: config, ...extra });

describe('consent and suppression', () => {
  it('sends marketing to a subscribed customer at a reasonable hour', () => {
    expect(decide(customer)).toEqual({ outcome: 'send' });
  });

  it.each([
    ['unsubscribed', 'unsubscribed'],
    ['pending', 'consent_pending'],
    ['none', 'no_consent'],
  ] as const)('suppresses marketing when consent is %s', (state, reason) => {
    expect(decide({ ...customer, consent: { email: state } })).toEqual({ outcome: 'suppressed', reason });
  });

  it('suppression wins over everything, transactional included; transactional needs no consent', () => {
    const suppressed = { ...customer, suppressed: { reason: 'bounce', at: '2026-01-02T00:00:00Z' } };
    expect(decide(suppressed)).toEqual({ outcome: 'suppressed', reason: 'suppressed' });
    expect(decide(suppressed, transactional)).toEqual({ outcome: 'suppressed', reason: 'suppressed' });
    expect(decide({ ...customer, consent: { email: 'pending' } }, transactional)).toEqual({ outcome: 'send' });
  });

  it('a sunset subscriber gets no marketing; an opted-out topic neither', () => {
    expect(decide({ ...customer, flags: { sunset: true } })).toEqual({ outcome: 'suppressed', reason: 'sunset' });
    const topic = evaluateSend(
      { ...customer, unsubscribedTopics: ['offers'] },
      { ...marketing, topic: 'offers' },
      { now: noon, settings: config },
    );
    expect(topic).toEqual({ outcome: 'suppressed', reason: 'topic_unsubscribed' });
  });
});

describe('quiet hours, in the customer time zone', () => {
  it('defers a send at night to the morning, never drops it', () => {
    // 23:30 in Paris → 08:00 next morning Paris (06:00Z in summer), plus the normal priority's 30 s.
    const night = new Date('2026-05-05T21:30:00Z');
    expect(decide(customer, marketing, night)).toEqual({
      outcome: 'deferred',
      reason: 'quiet_hours',
      until: new Date('2026-05-06T06:00:30Z'),
    });
  });

  it('uses the customer zone, not the server one', () => {
    const tokyo = { ...customer, timezone: 'Asia/Tokyo' };
    // 12:00 in Paris is 19:00 in Tokyo (not quiet); 14:00Z is 23:00 in Tokyo (quiet).
    expect(decide(tokyo)).toEqual({ outcome: 'send' });
    expect(quietUntil(new Date('2026-05-05T14:00:00Z'), 'Asia/Tokyo', config.quietHours)?.toISOString()).toBe(
      '2026-05-05T23:00:00.000Z',
    );
  });

  it('crosses midnight and daylight saving: 07:00 on the spring-forward morning ends at 08:00 local', () => {
    // 29 March 2026, Paris moves from +01:00 to +02:00 at 02:00. 05:00Z is 07:00 CEST, quiet until 08:00 CEST = 06:00Z.
    expect(quietUntil(new Date('2026-03-29T05:00:00Z'), 'Europe/Paris', config.quietHours)?.toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
    // The evening before, 22:00 CET (21:00Z) is quiet until 08:00 CEST the next day.
    expect(quietUntil(new Date('2026-03-28T21:00:00Z'), 'Europe/Paris', config.quietHours)?.toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
    // Autumn: 25 October 2026 back to +01:00; 07:30 CET (06:30Z) is quiet until 08:00 CET = 07:00Z.
    expect(quietUntil(new Date('2026-10-25T06:30:00Z'), 'Europe/Paris', config.quietHours)?.toISOString()).toBe(
      '2026-10-25T07:00:00.000Z',
    );
  });

  it('transactional email ignores quiet hours', () => {
    expect(decide(customer, transactional, new Date('2026-05-05T21:30:00Z'))).toEqual({ outcome: 'send' });
  });
});

describe('the frequency cap across journeys', () => {
  const sentAgo = (hours: number, ref?: string) => ({
    at: new Date(noon.getTime() - hours * 3_600_000).toISOString(),
    journeyId: 'j',
    category: 'marketing' as const,
    ref,
  });

  it('one per 16 hours: a send 10 hours after another waits 6 more, then goes by priority', () => {
    const capped = { ...customer, recentSends: [sentAgo(10)] };
    const until = new Date(noon.getTime() + 6 * 3_600_000);
    expect(capUntil(capped, noon, config.frequencyCap)).toEqual(until);
    const high = decide(capped, { ...marketing, priority: 'high' });
    const low = decide(capped, { ...marketing, priority: 'low' });
    expect(high).toMatchObject({ outcome: 'deferred', reason: 'frequency_cap', until });
    expect(low).toMatchObject({ outcome: 'deferred', until: new Date(until.getTime() + 60_000) });
  });

  it('three per 7 days: the fourth waits for the oldest to leave the window', () => {
    const capped = { ...customer, recentSends: [sentAgo(150), sentAgo(100), sentAgo(40)] };
    expect(capUntil(capped, noon, config.frequencyCap)).toEqual(new Date(noon.getTime() + (168 - 150) * 3_600_000));
  });

  it('transactional sends are not counted, and a retry of the same step does not count itself', () => {
    expect(decide({ ...customer, recentSends: [{ ...sentAgo(1), category: 'transactional' }] })).toEqual({
      outcome: 'send',
    });
    expect(
      decide({ ...customer, recentSends: [sentAgo(0, 'run/step')] }, marketing, noon, { ref: 'run/step' }),
    ).toEqual({ outcome: 'send' });
  });

  it('a send held back longer than its step allows is dropped as stale, with its reason', () => {
    const capped = { ...customer, recentSends: [sentAgo(10)] };
    const since = new Date(noon.getTime() - 47 * 3_600_000).toISOString();
    expect(decide(capped, marketing, noon, { deferredSince: since })).toEqual({ outcome: 'dropped', reason: 'stale' });
    expect(decide(capped, marketing, noon, { deferredSince: noon.toISOString() })).toMatchObject({
      outcome: 'deferred',
    });
  });
});
