import { describe, expect, it } from 'vitest';
import { applyCustomerEvent, type Customer, withEmailConsent } from '../../../functions/domain/customer.js';
import type { CustomerSignedUp } from '../../../functions/domain/events.js';

function signup(
  overrides: Partial<CustomerSignedUp['data']['customer']>,
  occurredAt = '2026-05-01T10:00:00Z',
): CustomerSignedUp {
  return {
    schemaVersion: 1,
    id: `generic:${occurredAt}`,
    source: 'generic',
    type: 'customer.signed_up',
    occurredAt,
    data: { customer: { email: 'ada@example.com', ...overrides } },
  };
}

const context = { now: new Date('2026-05-01T10:00:05Z'), customerId: 'cus_1', reportingCurrency: 'EUR' };

describe('applying events to a customer', () => {
  it('creates a subscriber from a signup with consent', () => {
    const { customer, timeline } = applyCustomerEvent(
      undefined,
      signup({
        firstName: 'Ada',
        consent: { email: 'subscribed', source: 'footer-form' },
        acquisition: { source: 'instagram' },
      }),
      context,
    );
    expect(customer).toMatchObject({
      id: 'cus_1',
      email: 'ada@example.com',
      firstName: 'Ada',
      stage: 'subscriber',
      consent: { email: 'subscribed', source: 'generic:footer-form', updatedAt: '2026-05-01T10:00:00Z' },
      metrics: { orderCount: 0, revenue: { amount: 0, currency: 'EUR' } },
      acquisition: { source: 'instagram', capturedAt: '2026-05-01T10:00:00Z' },
      sources: ['generic'],
    });
    expect(timeline.map((entry) => entry.kind)).toEqual(['event_received', 'consent_changed']);
  });

  it('a signup without consent is a prospect', () => {
    const { customer } = applyCustomerEvent(undefined, signup({ consent: { email: 'unsubscribed' } }), context);
    expect(customer.stage).toBe('prospect');
    expect(customer.consent.email).toBe('unsubscribed');
  });

  it('an older event arriving late fills gaps but never overwrites newer facts', () => {
    const newer = applyCustomerEvent(
      undefined,
      signup({ firstName: 'Ada', consent: { email: 'unsubscribed' } }, '2026-05-02T00:00:00Z'),
      context,
    ).customer;
    const { customer } = applyCustomerEvent(
      newer,
      signup({ firstName: 'Old name', lastName: 'Lovelace', consent: { email: 'subscribed' } }, '2026-05-01T00:00:00Z'),
      context,
    );
    expect(customer.firstName).toBe('Ada');
    expect(customer.lastName).toBe('Lovelace');
    expect(customer.consent.email).toBe('unsubscribed');
  });

  it('first touch attribution is never replaced', () => {
    const first = applyCustomerEvent(undefined, signup({ acquisition: { source: 'newsletter' } }), context).customer;
    const { customer } = applyCustomerEvent(
      first,
      signup({ acquisition: { source: 'google' } }, '2026-06-01T00:00:00Z'),
      context,
    );
    expect(customer.acquisition?.source).toBe('newsletter');
  });

  it('unsubscribing in the product records it on the timeline; doing it again changes nothing', () => {
    const subscribed = applyCustomerEvent(undefined, signup({ consent: { email: 'subscribed' } }), context).customer;
    const now = new Date('2026-05-03T00:00:00Z');
    const once = withEmailConsent(subscribed, 'unsubscribed', 'one-click', now);
    expect(once.customer.consent).toEqual({ email: 'unsubscribed', source: 'one-click', updatedAt: now.toISOString() });
    expect(once.customer.stage).toBe('prospect');
    expect(once.timeline).toEqual([{ at: now.toISOString(), kind: 'unsubscribed', source: 'one-click' }]);
    const twice = withEmailConsent(once.customer as Customer, 'unsubscribed', 'one-click', now);
    expect(twice.timeline).toEqual([]);
  });
});
