import { describe, expect, it } from 'vitest';
import {
  newCustomer,
  withConsent,
  withEmailConsent,
  withFacts,
  withProductView,
} from '../../../functions/domain/customer.js';

const now = '2026-05-01T10:00:05.000Z';
const fresh = () => newCustomer('cus_1', 'ada@example.com', now, 'EUR');

describe('a customer from storefront facts', () => {
  it('a signup with consent makes a subscriber, with its source and time as proof', () => {
    const { customer, timeline } = withFacts(
      fresh(),
      {
        email: 'ada@example.com',
        externalId: '42',
        firstName: 'Ada',
        consent: { email: 'subscribed', source: 'footer-form', ip: '203.0.113.7', userAgent: 'Mozilla/5.0' },
        acquisition: { source: 'instagram' },
      },
      'shopify',
      '2026-05-01T10:00:00Z',
      now,
    );
    expect(customer).toMatchObject({
      firstName: 'Ada',
      consent: {
        email: 'subscribed',
        source: 'shopify:footer-form',
        updatedAt: '2026-05-01T10:00:00Z',
        ip: '203.0.113.7',
      },
      metrics: { orderCount: 0, revenue: { amount: 0, currency: 'EUR' } },
      acquisition: { source: 'instagram', capturedAt: '2026-05-01T10:00:00Z' },
      sources: ['shopify'],
      aliases: ['shopify:42'],
    });
    expect(timeline).toEqual([
      { at: now, kind: 'consent_changed', from: 'none', to: 'subscribed', source: 'shopify:footer-form' },
    ]);
    expect(JSON.stringify(timeline)).not.toContain('203.0.113.7');
  });

  it('an older event arriving late fills gaps but never overwrites newer facts or consent', () => {
    const newer = withFacts(
      fresh(),
      { firstName: 'Ada', consent: { email: 'unsubscribed' } },
      'generic',
      '2026-05-02T00:00:00Z',
      now,
    ).customer;
    const { customer } = withFacts(
      newer,
      { firstName: 'Old name', lastName: 'Lovelace', consent: { email: 'subscribed' } },
      'generic',
      '2026-05-01T00:00:00Z',
      now,
    );
    expect(customer.firstName).toBe('Ada');
    expect(customer.lastName).toBe('Lovelace');
    expect(customer.consent.email).toBe('unsubscribed');
  });

  it('consent is compared on its own time when the storefront gives one', () => {
    const subscribed = withConsent(
      fresh(),
      { email: 'subscribed', at: '2026-05-03T00:00:00Z' },
      'shopify',
      '2026-05-01T00:00:00Z',
      now,
    ).customer;
    const stale = withConsent(
      subscribed,
      { email: 'unsubscribed', at: '2026-05-02T00:00:00Z' },
      'shopify',
      '2026-05-04T00:00:00Z',
      now,
    );
    expect(stale.customer.consent.email).toBe('subscribed');
    expect(stale.timeline).toEqual([]);
  });

  it('first touch attribution is never replaced', () => {
    const first = withFacts(
      fresh(),
      { acquisition: { source: 'newsletter' } },
      'generic',
      '2026-05-01T00:00:00Z',
      now,
    ).customer;
    const { customer } = withFacts(
      first,
      { acquisition: { source: 'google' } },
      'generic',
      '2026-06-01T00:00:00Z',
      now,
    );
    expect(customer.acquisition?.source).toBe('newsletter');
  });

  it('unsubscribing in the product records it on the timeline; doing it again changes nothing', () => {
    const subscribed = withConsent(fresh(), { email: 'subscribed' }, 'generic', '2026-05-01T00:00:00Z', now).customer;
    const at = new Date('2026-05-03T00:00:00Z');
    const once = withEmailConsent(subscribed, 'unsubscribed', 'one-click', at);
    expect(once.customer.consent).toEqual({ email: 'unsubscribed', source: 'one-click', updatedAt: at.toISOString() });
    expect(once.timeline).toEqual([{ at: at.toISOString(), kind: 'unsubscribed', source: 'one-click' }]);
    expect(withEmailConsent(once.customer, 'unsubscribed', 'one-click', at).timeline).toEqual([]);
  });

  it('keeps the 20 most recent distinct product views, newest first', () => {
    let customer = fresh();
    for (let i = 0; i < 25; i++)
      customer = withProductView(customer, `p${i % 22}`, `2026-05-01T00:00:${String(i).padStart(2, '0')}Z`);
    expect(customer.recentlyViewed).toHaveLength(20);
    expect(customer.recentlyViewed[0]).toEqual({ productId: 'p2', at: '2026-05-01T00:00:24Z' });
    expect(new Set(customer.recentlyViewed.map((v) => v.productId)).size).toBe(20);
    expect(customer.lastActivityAt).toBe('2026-05-01T00:00:24Z');
  });
});
