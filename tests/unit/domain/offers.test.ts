import { describe, expect, it } from 'vitest';
import { defineJourney } from '../../../functions/domain/journeys/definition.js';
import { formatExpiry, OfferSchema, offerCodeRequest, offerTemplateData } from '../../../functions/domain/offers.js';
import { testConfig } from '../../helpers/config.js';

const offer = OfferSchema.parse({ name: 'comeback', kind: 'percentage', value: 10, validFor: 'P14D' });

describe('offers on send steps', () => {
  it('refuses an offer that cannot be given, naming the field', () => {
    const winBack = (o: unknown) => () => testConfig({ journeys: { winBack: { offer: o } } } as never);
    expect(winBack({ ...offer, value: 150 })).toThrow('journeys.winBack.offer.value: a percentage is at most 100');
    expect(winBack({ ...offer, value: undefined })).toThrow('journeys.winBack.offer.value: percentage needs a value');
    expect(winBack({ name: 'ship', kind: 'free_shipping', value: 5, validFor: 'P7D' })).toThrow(
      'journeys.winBack.offer.value: free_shipping takes no value',
    );
    expect(winBack({ ...offer, validFor: 'two weeks' })).toThrow('journeys.winBack.offer.validFor');
    expect(winBack({ ...offer, name: 'Come Back' })).toThrow('journeys.winBack.offer.name');
    expect(winBack({ ...offer, terms: 'x'.repeat(301) })).toThrow('journeys.winBack.offer.terms');
    expect(winBack({ ...offer, code: 'STATIC' })).toThrow('journeys.winBack.offer');
  });

  it('refuses, at configuration, free-shipping offers whose codes Stripe would make', () => {
    const free = { name: 'ship', kind: 'free_shipping', validFor: 'P7D' };
    const stripe = (o: unknown) => () =>
      testConfig({ offerCodes: { provider: 'stripe' }, journeys: { winBack: { offer: o } } } as never);
    expect(stripe(free)).toThrow(
      'offerCodes.provider: Stripe cannot make free-shipping codes, and the offer "ship" of journey "win-back" (step "miss-you") is one',
    );
    expect(stripe(offer)).not.toThrow();
    expect(() =>
      testConfig({ offerCodes: { provider: 'pool' }, journeys: { winBack: { offer: free } } } as never),
    ).not.toThrow();
  });

  it('puts the offer on the send steps of win-back; a configuration with only the static code stays valid', () => {
    const config = testConfig({ journeys: { winBack: { offer, discountCode: 'COMEBACK10' } } });
    expect(config.journeys.winBack.offer).toEqual(offer);
    expect(
      testConfig({ journeys: { winBack: { discountCode: 'COMEBACK10' } } }).journeys.winBack.offer,
    ).toBeUndefined();
    expect(() =>
      defineJourney({
        id: 'custom',
        name: 'Custom',
        trigger: { event: 'order.placed' },
        reentry: { policy: 'once' },
        steps: [
          { id: 's', type: 'send', template: 'custom', category: 'marketing', offer: { ...offer, kind: 'gift' } },
        ],
      } as never),
    ).toThrow(/steps\.0\.offer\.kind/);
  });

  it('a code works for validFor from its issue, and the email gives its last day as the customer writes dates', () => {
    const request = offerCodeRequest(
      offer,
      { customerId: 'c', email: 'a@example.com', aliases: [], journeyId: 'win-back', stepId: 'miss-you' },
      new Date('2026-12-06T23:30:00Z'),
    );
    expect(request.expiresAt).toBe('2026-12-20T23:30:00.000Z');
    // Past midnight in Berlin: the 21st there.
    expect(formatExpiry(request.expiresAt, 'de-DE', 'Europe/Berlin')).toBe('21. Dezember 2026');
    expect(formatExpiry(request.expiresAt, undefined, 'America/New_York')).toBe('20 December 2026');
    expect(formatExpiry(request.expiresAt, 'not a locale!', 'Nowhere/Else')).toBe('20 December 2026');
    // Each reader's locale and zone, whoever was formatted before.
    expect(formatExpiry(request.expiresAt, 'de-DE', 'America/New_York')).toBe('20. Dezember 2026');
    expect(formatExpiry(request.expiresAt, '', 'Europe/Berlin')).toBe('21 December 2026');
  });

  it('the terms reach the template made safe', () => {
    const data = offerTemplateData(
      { ...offer, terms: 'One use <script>alert(1)</script>\u0000 only.' },
      { code: 'CB-123', expiresAt: '2026-12-20T23:30:00.000Z' },
      { locale: 'en-US', timeZone: 'UTC' },
    );
    expect(data).toEqual({
      discountCode: 'CB-123',
      discountExpiry: 'December 20, 2026',
      discountTerms: 'One use scriptalert(1)/script only.',
    });
  });
});
