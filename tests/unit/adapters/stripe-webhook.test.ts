import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../../functions/adapters/webhooks/source.js';
import {
  STRIPE_SIGNATURE_HEADER,
  splitName,
  stripeAmountToMinor,
  stripeSource,
} from '../../../functions/adapters/webhooks/stripe.js';
import { type CanonicalEvent, CanonicalEventSchema, type EventOfType } from '../../../functions/domain/events.js';
import { type IssuedOffer, redeemedOffers } from '../../../functions/domain/offers.js';

const secret = 'whsec_test_5f2c9a1e7b3d4c6a8e0f1a2b3c4d5e6f';
// The receiver's wall clock, passed to verify: far from the machine's clock on purpose.
const now = new Date('2026-11-23T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/stripe/${name}.json`, import.meta.url), 'utf8');
// Parsed fixtures are edited freely to build variants, hence `any`.
const fixtureJson = (name: string): any => JSON.parse(fixture(name));

/** Signs exactly as Stripe does, with the package's own test helper. */
function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? secret,
    timestamp: options.timestamp ?? t,
  });
}

function request(rawBody: string, header: string | undefined = sign(rawBody)): WebhookRequest {
  return {
    headers: { 'content-type': 'application/json; charset=utf-8', [STRIPE_SIGNATURE_HEADER]: header },
    rawBody,
  };
}

/** Verifies then parses, as the webhook handler does; every emitted event must be canonical. */
function deliver(body: string | object) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  const signed = request(raw);
  expect(stripeSource.verify(signed, secret, now)).toEqual({ ok: true });
  return stripeSource.parse(signed, now);
}

function eventsOf(body: string | object): CanonicalEvent[] {
  const result = deliver(body);
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  for (const event of result.events) expect(CanonicalEventSchema.parse(event)).toEqual(event);
  return [...result.events];
}

function only<T extends CanonicalEvent['type']>(body: string | object, type: T): EventOfType<T> {
  const events = eventsOf(body);
  expect(events).toHaveLength(1);
  expect(events[0]?.type).toBe(type);
  return events[0] as EventOfType<T>;
}

describe('stripe webhook signature (signed by the official stripe package)', () => {
  const body = fixture('checkout-session-completed');

  it('accepts a body signed with the endpoint secret, judged against the given clock', () => {
    expect(stripeSource.verify(request(body), secret, now)).toEqual({ ok: true });
  });

  it('refuses a tampered body and a signature made with another secret', () => {
    const header = sign(body);
    expect(stripeSource.verify(request(body.replace('4500', '4501'), header), secret, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(stripeSource.verify(request(body, sign(body, { secret: 'whsec_another' })), secret, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a missing header', () => {
    expect(stripeSource.verify({ headers: {}, rawBody: body }, secret, now)).toEqual({ ok: false, reason: 'missing' });
    expect(stripeSource.verify(request(body, ''), secret, now)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['no timestamp', 'v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd'],
    ['no v1 signature', `t=${t}`],
    ['only an unknown scheme', `t=${t},v0=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd`],
    ['a timestamp that is not a number', 't=abc,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd'],
    ['two timestamps', `t=${t},t=${t},v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd`],
  ])('refuses a malformed header: %s', (_, header) => {
    expect(stripeSource.verify(request(body, header), secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a signature older than 5 minutes against `now` as stale, and accepts one at 5 minutes', () => {
    expect(stripeSource.verify(request(body, sign(body, { timestamp: t - 301 })), secret, now)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(stripeSource.verify(request(body, sign(body, { timestamp: t - 300 })), secret, now)).toEqual({ ok: true });
    // Ahead of the receiver's clock by more than the tolerance: not a signature Stripe made just now.
    expect(stripeSource.verify(request(body, sign(body, { timestamp: t + 301 })), secret, now)).toEqual({
      ok: false,
      reason: 'stale',
    });
    // The same header, received 10 minutes later by the receiver's clock.
    const later = new Date(now.getTime() + 10 * 60_000);
    expect(stripeSource.verify(request(body), secret, later)).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts either signature while Stripe signs with an old and a new secret (rolling the secret)', () => {
    const old = sign(body, { secret: 'whsec_old' }).split(',')[1];
    const header = `${sign(body)},${old}`;
    expect(stripeSource.verify(request(body, header), secret, now)).toEqual({ ok: true });
    expect(stripeSource.verify(request(body, header), 'whsec_old', now)).toEqual({ ok: true });
    expect(stripeSource.verify(request(body, header), 'whsec_third', now)).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('stripe checkout.session.completed', () => {
  it('becomes order.placed keyed by the PaymentIntent, with the customer, consent opt_in and no line items', () => {
    const event = only(fixture('checkout-session-completed'), 'order.placed');
    expect(event).toMatchObject({
      schemaVersion: 1,
      id: 'stripe:evt_1SXk9vB7WZ01zgkWq3dXrL2a',
      source: 'stripe',
      occurredAt: '2026-11-23T11:59:00.000Z',
    });
    expect(event.data.order).toEqual({
      id: 'pi_3SXk9tB7WZ01zgkW0d8hQm5E',
      placedAt: '2026-11-23T11:59:00.000Z',
      total: { amount: 4500, currency: 'USD' },
      lineItems: [],
    });
    expect(event.data.customer).toEqual({
      email: 'ada@example.com',
      externalId: 'cus_TfK2m9QxLw8RzA',
      firstName: 'Ada',
      lastName: 'Lovelace',
      consent: { email: 'subscribed', source: 'stripe:checkout', at: '2026-11-23T11:59:00.000Z' },
    });
  });

  it('maps consent opt_out to unsubscribed and gives no consent when the checkout did not ask', () => {
    const body = fixtureJson('checkout-session-completed');
    body.data.object.consent = { promotions: 'opt_out', terms_of_service: null };
    expect(only(body, 'order.placed').data.customer?.consent?.email).toBe('unsubscribed');
    body.data.object.consent = null;
    expect(only(body, 'order.placed').data.customer).not.toHaveProperty('consent');
  });

  it('uses the session id as the order id when there is no PaymentIntent (nothing to pay)', () => {
    const body = fixtureJson('checkout-session-completed');
    body.data.object.payment_intent = null;
    body.data.object.payment_status = 'no_payment_required';
    body.data.object.amount_total = 0;
    const event = only(body, 'order.placed');
    expect(event.data.order.id).toBe(body.data.object.id);
    expect(event.data.order.total).toEqual({ amount: 0, currency: 'USD' });
  });

  it('maps expanded line_items (JPY, a zero-decimal currency: amounts are whole yen)', () => {
    const event = only(fixture('checkout-session-completed-line-items'), 'order.placed');
    expect(event.data.order.total).toEqual({ amount: 6800, currency: 'JPY' });
    expect(event.data.order.lineItems).toEqual([
      {
        productId: 'prod_SgT4aZ1bQw9xLm',
        variantId: 'price_1RmA4cB7WZ01zgkWxT9kQe2L',
        name: 'Matcha tin',
        quantity: 2,
        unitPrice: { amount: 2400, currency: 'JPY' },
      },
      {
        productId: 'prod_SgT5bA2cRx0yMn',
        variantId: 'price_1RmA5dB7WZ01zgkWyU0lRf3M',
        name: 'Bamboo whisk',
        quantity: 1,
        unitPrice: { amount: 2000, currency: 'JPY' },
      },
    ]);
    // A guest checkout: no Stripe customer, the email only; no consent asked.
    expect(event.data.customer).toEqual({ email: 'hiro@example.com', firstName: 'Hiro', lastName: 'Tanaka' });
  });

  it('keeps KRW amounts as whole won', () => {
    const body = fixtureJson('checkout-session-completed-line-items');
    body.data.object.currency = 'krw';
    body.data.object.amount_total = 59000;
    body.data.object.line_items.data[1].price.unit_amount = 15000;
    const event = only(body, 'order.placed');
    expect(event.data.order.total).toEqual({ amount: 59000, currency: 'KRW' });
    expect(event.data.order.lineItems[1]?.unitPrice).toEqual({ amount: 15000, currency: 'KRW' });
  });

  it('converts ISK, which Stripe keeps two-decimal although ISO 4217 has none (500000 = 5000 kr)', () => {
    const body = fixtureJson('checkout-session-completed-line-items');
    body.data.object.currency = 'isk';
    body.data.object.amount_total = 500000;
    body.data.object.line_items.data[0].price.unit_amount = 150000;
    const event = only(body, 'order.placed');
    expect(event.data.order.total).toEqual({ amount: 5000, currency: 'ISK' });
    expect(event.data.order.lineItems[0]?.unitPrice).toEqual({ amount: 1500, currency: 'ISK' });
  });

  it('takes a custom-amount line price from its subtotal, cuts long names, keeps at most 100 lines', () => {
    const body = fixtureJson('checkout-session-completed-line-items');
    const [first] = body.data.object.line_items.data;
    first.price.unit_amount = null;
    first.amount_subtotal = 5000;
    first.description = 'x'.repeat(400);
    body.data.object.line_items.data = Array.from({ length: 120 }, () => first);
    const lines = only(body, 'order.placed').data.order.lineItems;
    expect(lines).toHaveLength(100);
    expect(lines[0]?.unitPrice).toEqual({ amount: 2500, currency: 'JPY' });
    expect(lines[0]?.name).toHaveLength(300);
  });

  it('counts an order without an email: no customer at all, or the Stripe customer id only', () => {
    const body = fixtureJson('checkout-session-completed');
    body.data.object.customer_details.email = null;
    body.data.object.customer = null;
    body.data.object.consent = null;
    const anonymous = only(body, 'order.placed');
    expect(anonymous.data).not.toHaveProperty('customer');
    expect(anonymous.data.order.total).toEqual({ amount: 4500, currency: 'USD' });

    body.data.object.customer = 'cus_TfK2m9QxLw8RzA';
    body.data.object.customer_details.email = 'not an address';
    expect(only(body, 'order.placed').data.customer).toEqual({
      externalId: 'cus_TfK2m9QxLw8RzA',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
  });

  it('records only the customer for a subscription checkout: its money comes as invoice.paid', () => {
    const event = only(fixture('checkout-session-completed-subscription'), 'customer.updated');
    expect(event.data.customer).toEqual({
      email: 'marie@example.com',
      externalId: 'cus_TfM3rS5yOx6TaC',
      firstName: 'Marie',
      lastName: 'Curie',
      consent: { email: 'subscribed', source: 'stripe:checkout', at: '2026-11-23T11:59:30.000Z' },
    });
  });

  it('records only the customer while a delayed payment is unpaid; the order comes when it succeeds', () => {
    const body = fixtureJson('checkout-session-async-payment-succeeded');
    body.type = 'checkout.session.completed';
    body.data.object.payment_status = 'unpaid';
    expect(only(body, 'customer.updated').data.customer).toMatchObject({
      email: 'grace@example.com',
      consent: { email: 'unsubscribed' },
    });
    body.data.object.customer = null;
    body.data.object.customer_details.email = null;
    expect(deliver(body)).toMatchObject({ kind: 'ignored' });

    const paid = only(fixture('checkout-session-async-payment-succeeded'), 'order.placed');
    expect(paid.id).toBe('stripe:evt_1SXkC8B7WZ01zgkWn5Rw2Tb7');
    expect(paid.data.order).toMatchObject({
      id: 'pi_3SVd2kB7WZ01zgkW0h3jTq8G',
      total: { amount: 8900, currency: 'EUR' },
    });
    expect(paid.data.customer?.consent).toMatchObject({ email: 'unsubscribed', source: 'stripe:checkout' });
  });
});

describe('stripe orders name the promotion codes they used', () => {
  const issued: IssuedOffer = {
    key: 'cus_1/run_1/miss-you',
    offer: 'comeback',
    code: 'COMEBACK7F3A0C9B12DE',
    customerId: 'cus_1',
    journeyId: 'win-back',
    stepId: 'miss-you',
    issuedAt: '2026-11-20T09:00:00.000Z',
    expiresAt: '2026-12-04T09:00:00.000Z',
  };
  const promotionCode = { id: 'promo_1SXk8aB7WZ01zgkW', object: 'promotion_code', code: 'comeback7f3a0c9b12de' };

  it('a checkout session with its promotion code expanded redeems the offer of that code', () => {
    const body = fixtureJson('checkout-session-completed');
    body.data.object.discounts = [{ coupon: null, promotion_code: promotionCode }];
    const { order } = only(body, 'order.placed').data;
    expect(order.discountCodes).toEqual(['comeback7f3a0c9b12de']);
    expect(redeemedOffers([issued], order)).toEqual([issued]);
  });

  it('so does one whose total_details.breakdown was expanded, and an invoice with its discounts expanded', () => {
    const session = fixtureJson('checkout-session-completed');
    session.data.object.total_details = {
      amount_discount: 500,
      breakdown: { discounts: [{ amount: 500, discount: { id: 'di_1', promotion_code: promotionCode } }], taxes: [] },
    };
    expect(only(session, 'order.placed').data.order.discountCodes).toEqual(['comeback7f3a0c9b12de']);
    const invoice = fixtureJson('invoice-paid');
    invoice.data.object.discounts = [{ id: 'di_2', object: 'discount', promotion_code: promotionCode }];
    expect(redeemedOffers([issued], only(invoice, 'order.placed').data.order)).toEqual([issued]);
  });

  it('a webhook as Stripe sends it names the promotion code by id: a code made through Stripe is redeemed by it', () => {
    const session = fixtureJson('checkout-session-completed');
    session.data.object.discounts = [{ coupon: null, promotion_code: 'promo_1SXk8aB7WZ01zgkW' }];
    const { order } = only(session, 'order.placed').data;
    expect(order.discountCodes).toEqual(['promo_1SXk8aB7WZ01zgkW']);
    // A pool's code has no Stripe id: nothing to match it by.
    expect(redeemedOffers([issued], order)).toEqual([]);
    const made = { ...issued, providerRef: 'promo_1SXk8aB7WZ01zgkW' };
    expect(redeemedOffers([made], order)).toEqual([made]);
    // A discount by id (`di_…`) says nothing of its code.
    const invoice = fixtureJson('invoice-paid');
    invoice.data.object.discounts = ['di_1SXk8aB7WZ01zgkW'];
    expect(only(invoice, 'order.placed').data.order).not.toHaveProperty('discountCodes');
  });
});

describe('stripe customer.created', () => {
  it('becomes customer.updated (not a signup), without consent', () => {
    const event = only(fixture('customer-created'), 'customer.updated');
    expect(event.id).toBe('stripe:evt_1SXk9sB7WZ01zgkWk1Mv7Nf3');
    expect(event.data.customer).toEqual({
      email: 'ada@example.com',
      externalId: 'cus_TfK2m9QxLw8RzA',
      firstName: 'Ada',
      lastName: 'Lovelace',
      locale: 'en-GB',
    });
  });

  it('identifies a customer created without an email by its id', () => {
    const body = fixtureJson('customer-created');
    body.data.object.email = null;
    body.data.object.name = null;
    body.data.object.preferred_locales = [];
    expect(only(body, 'customer.updated').data.customer).toEqual({ externalId: 'cus_TfK2m9QxLw8RzA' });
  });
});

describe('stripe invoice.paid', () => {
  it('current API versions: keyed by the invoice id (the payload names no PaymentIntent)', () => {
    const event = only(fixture('invoice-paid'), 'order.placed');
    expect(event.data.order).toEqual({
      id: 'in_1SXkD1B7WZ01zgkWt6Yv4Wd0',
      number: '7FE1103B-0001',
      placedAt: '2026-11-23T11:59:32.000Z',
      total: { amount: 1500, currency: 'EUR' },
      lineItems: [
        {
          productId: 'prod_ShU6cB3dSy1zNo',
          variantId: 'price_1RnB6eB7WZ01zgkWzV1mSg4N',
          name: '1 × Coffee club (at €15.00 / month)',
          quantity: 1,
          unitPrice: { amount: 1500, currency: 'EUR' },
        },
      ],
    });
    expect(event.data.customer).toEqual({
      email: 'marie@example.com',
      externalId: 'cus_TfM3rS5yOx6TaC',
      firstName: 'Marie',
      lastName: 'Curie',
    });
  });

  it('uses the PaymentIntent when the payload has one: legacy payment_intent, or an included payments list', () => {
    const legacy = only(fixture('invoice-paid-legacy'), 'order.placed');
    expect(legacy.data.order).toMatchObject({
      id: 'pi_3SXkDyB7WZ01zgkW1a5Fd1Dl',
      total: { amount: 2999, currency: 'USD' },
      lineItems: [{ productId: 'prod_SiV7dC4eTz2aOp', variantId: 'price_1RoC7fB7WZ01zgkWaW2nTh5O', quantity: 1 }],
    });

    const body = fixtureJson('invoice-paid');
    body.data.object.payments = {
      object: 'list',
      data: [
        {
          id: 'inpay_1',
          object: 'invoice_payment',
          status: 'canceled',
          payment: { type: 'payment_intent', payment_intent: 'pi_failed' },
        },
        {
          id: 'inpay_2',
          object: 'invoice_payment',
          status: 'paid',
          payment: { type: 'payment_intent', payment_intent: 'pi_3Paid' },
        },
      ],
    };
    expect(only(body, 'order.placed').data.order.id).toBe('pi_3Paid');
  });

  it('ignores an invoice that paid nothing (a trial): not a purchase', () => {
    const body = fixtureJson('invoice-paid');
    body.data.object.amount_paid = 0;
    expect(deliver(body)).toMatchObject({ kind: 'ignored' });
  });

  it('converts UGX, which Stripe keeps two-decimal although ISO 4217 has none', () => {
    const body = fixtureJson('invoice-paid');
    body.data.object.currency = 'ugx';
    body.data.object.amount_paid = 5_000_000;
    body.data.object.lines.data[0].amount = 5_000_000;
    const order = only(body, 'order.placed').data.order;
    expect(order.total).toEqual({ amount: 50_000, currency: 'UGX' });
    expect(order.lineItems[0]?.unitPrice).toEqual({ amount: 50_000, currency: 'UGX' });
  });
});

describe('stripe charge.refunded', () => {
  it('links to the order of checkout.session.completed through the PaymentIntent', () => {
    const placed = only(fixture('checkout-session-completed'), 'order.placed');
    const refunded = only(fixture('charge-refunded'), 'order.refunded');
    expect(refunded.data.order.id).toBe(placed.data.order.id);
    expect(refunded).toMatchObject({
      id: 'stripe:evt_3SXkF9B7WZ01zgkW0b2Db9Ej',
      occurredAt: '2026-11-23T11:59:40.000Z',
    });
    expect(refunded.data.refund).toEqual({
      id: 'ch_3SXk9tB7WZ01zgkW0q7Gf2Hk:1500',
      amount: { amount: 1500, currency: 'USD' },
      refundedAt: '2026-11-23T11:59:40.000Z',
    });
    expect(refunded.data.customer).toEqual({ email: 'ada@example.com', externalId: 'cus_TfK2m9QxLw8RzA' });
  });

  it('a later partial refund counts what it added, under its own id', () => {
    const body = fixtureJson('charge-refunded');
    body.data.object.amount_refunded = 4500;
    body.data.object.refunded = true;
    body.data.previous_attributes = { amount_refunded: 1500, refunded: false };
    expect(only(body, 'order.refunded').data.refund).toMatchObject({
      id: 'ch_3SXk9tB7WZ01zgkW0q7Gf2Hk:4500',
      amount: { amount: 3000, currency: 'USD' },
    });
    delete body.data.previous_attributes;
    expect(only(body, 'order.refunded').data.refund.amount).toEqual({ amount: 4500, currency: 'USD' });
  });

  it('uses the newest refund of refunds.data when the payload lists them (older API versions)', () => {
    const placed = only(fixture('checkout-session-completed-line-items'), 'order.placed');
    const refunded = only(fixture('charge-refunded-refund-list'), 'order.refunded');
    expect(refunded.data.order.id).toBe(placed.data.order.id);
    expect(refunded.data.refund).toEqual({
      id: 're_3SXkAyB7WZ01zgkW1f4Kc6Ho',
      amount: { amount: 2400, currency: 'JPY' },
      refundedAt: '2026-11-23T11:59:50.000Z',
    });
    expect(refunded.data.customer).toEqual({ email: 'hiro@example.com' });
  });

  it('keys a charge without a PaymentIntent by the charge id', () => {
    const body = fixtureJson('charge-refunded');
    body.data.object.payment_intent = null;
    expect(only(body, 'order.refunded').data.order.id).toBe('ch_3SXk9tB7WZ01zgkW0q7Gf2Hk');
  });
});

describe('stripe payloads that are not used or not valid', () => {
  it('ignores an event type the product does not use', () => {
    const body = fixtureJson('checkout-session-completed');
    body.type = 'payment_intent.succeeded';
    body.data.object = { id: 'pi_3SXk9tB7WZ01zgkW0d8hQm5E', object: 'payment_intent' };
    expect(deliver(body)).toEqual({ kind: 'ignored', reason: 'topic payment_intent.succeeded is not used' });
  });

  it.each([
    ['not json', () => '{"id": "evt_1", "object": "event",', '(body)'],
    ['no event id', () => ({ ...fixtureJson('checkout-session-completed'), id: undefined }), 'id'],
    [
      'a total that is not an integer',
      () => {
        const body = fixtureJson('checkout-session-completed');
        body.data.object.amount_total = '4500 secret-person';
        return body;
      },
      'data.object.amount_total',
    ],
    [
      'a paid session without a currency',
      () => {
        const body = fixtureJson('checkout-session-completed');
        body.data.object.currency = null;
        return body;
      },
      'data.object.currency',
    ],
    [
      'a line item quantity that is not a number',
      () => {
        const body = fixtureJson('checkout-session-completed-line-items');
        body.data.object.line_items.data[1].quantity = 'two';
        return body;
      },
      'data.object.line_items.data.1.quantity',
    ],
    [
      'an invoice without lines',
      () => {
        const body = fixtureJson('invoice-paid');
        delete body.data.object.lines;
        return body;
      },
      'data.object.lines',
    ],
    [
      'a refunded amount that is negative',
      () => {
        const body = fixtureJson('charge-refunded');
        body.data.object.amount_refunded = -1;
        return body;
      },
      'data.object.amount_refunded',
    ],
  ])('a malformed but well-signed body names the field: %s', (_, build, field) => {
    const result = deliver(build());
    expect(result).toMatchObject({ kind: 'invalid', field });
    expect(JSON.stringify(result)).not.toContain('secret-person');
  });

  it('never echoes a value in the message', () => {
    const body = fixtureJson('customer-created');
    body.data.object.name = { first: 'secret-person' };
    const result = deliver(body);
    expect(result).toMatchObject({ kind: 'invalid', field: 'data.object.name' });
    expect(JSON.stringify(result)).not.toContain('secret-person');
  });
});

describe('stripe amounts in ISO 4217 minor units', () => {
  it.each([
    [1999, 'usd', 1999],
    [500, 'jpy', 500],
    [50000, 'krw', 50000],
    [50000, 'isk', 500],
    [4010, 'isk', 40],
    [500000, 'ugx', 5000],
    [12345, 'huf', 12345],
    [12345, 'twd', 12345],
    [1000, 'mga', 100000],
    [5120, 'kwd', 5120],
    [-50000, 'isk', -500],
  ])('%i %s is %i', (amount, currency, minor) => {
    expect(stripeAmountToMinor(amount, currency)).toBe(minor);
  });
});

describe('names', () => {
  it.each([
    ['Ada', { firstName: 'Ada' }],
    [' Ada   Lovelace ', { firstName: 'Ada', lastName: 'Lovelace' }],
    ['Mary Ann Smith', { firstName: 'Mary' }],
    ['   ', {}],
    [null, {}],
  ])('%s', (name, expected) => {
    expect(splitName(name)).toEqual(expected);
  });
});

describe('stripe products and prices: the catalogue', () => {
  it('product.created and product.updated give the product details at its updated time, with the default price id', () => {
    const created = only(fixture('product-created'), 'product.details_changed');
    expect(created).toMatchObject({
      id: 'stripe:evt_1SXkAZB7WZ01zgkWPr0dCr1a',
      occurredAt: '2026-11-23T11:58:20.000Z',
    });
    expect(created.data.product).toEqual({
      id: 'prod_TfKq2WnXb8Lm3R',
      title: 'Stoneware mug',
      url: 'https://shop.example.com/products/stoneware-mug',
      imageUrl: fixtureJson('product-created').data.object.images[0],
      active: true,
      updatedAt: '2026-11-23T11:58:20.000Z',
    });
    const updated = only(fixture('product-updated'), 'product.details_changed');
    expect(updated.data.product).toMatchObject({
      defaultPriceId: 'price_1SXkAaB7WZ01zgkWq9Lm2Xc4',
      updatedAt: '2026-11-23T11:58:22.000Z',
    });
  });

  it('price events give one price of the product at the event time; archived, deleted, without an amount', () => {
    const created = only(fixture('price-created'), 'product.price_changed');
    expect(created.data.price).toEqual({
      id: 'price_1SXkAaB7WZ01zgkWq9Lm2Xc4',
      productId: 'prod_TfKq2WnXb8Lm3R',
      amount: { amount: 2400, currency: 'EUR' },
      active: true,
      recurring: false,
      changedAt: '2026-11-23T11:58:21.000Z',
    });
    expect(only(fixture('price-updated'), 'product.price_changed').data.price).toMatchObject({ active: false });
    const deleted = { ...fixtureJson('price-created'), id: 'evt_price_deleted', type: 'price.deleted' };
    expect(only(deleted, 'product.price_changed').data.price).toMatchObject({ deleted: true });
    const custom = fixtureJson('price-created');
    custom.data.object = { ...custom.data.object, unit_amount: null, type: 'recurring', currency: 'jpy' };
    expect(only(custom, 'product.price_changed').data.price).not.toHaveProperty('amount');
    expect(only(custom, 'product.price_changed').data.price).toMatchObject({ recurring: true });
  });

  it('product.deleted deletes the product as of the event', () => {
    const deleted = only(fixture('product-deleted'), 'product.deleted');
    expect(deleted).toMatchObject({
      occurredAt: '2026-11-23T11:59:30.000Z',
      data: { product: { id: 'prod_TfKq2WnXb8Lm3R' } },
    });
  });

  it.each([
    ['product-created', { name: ' ' }, 'data.object.name'],
    ['product-created', { url: 'javascript:alert(1)' }, 'data.object.url'],
    ['product-created', { images: ['data:image/png;base64,AAAA'] }, 'data.object.images.0'],
    ['price-created', { unit_amount: -5 }, 'data.object.unit_amount'],
    ['price-created', { currency: 'xx1' }, 'data.object.currency'],
    ['price-created', { product: null }, 'data.object.product'],
  ])('%s with %j is refused naming %s', (name, changes, field) => {
    const body = fixtureJson(name);
    body.data.object = { ...body.data.object, ...changes };
    const result = deliver(body);
    expect(result).toMatchObject({ kind: 'invalid', field });
    expect(JSON.stringify(result)).not.toContain('alert');
  });
});
