import type { RequestListener, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { derivedCode } from '../../functions/adapters/offer-code-providers.js';
import { couponId, stripeOfferCodes } from '../../functions/adapters/stripe-offer-codes.js';
import { OfferSchema } from '../../functions/domain/offers.js';
import {
  COMEBACK_OFFER,
  comebackRequest,
  expectUnavailableThenIssued,
  SEND_KEY,
  type StandInAnswer,
  withStandInServer,
} from '../helpers/offer-code-stand-in.js';

/**
 * The Stripe client against a stand-in of Stripe's API: a node HTTP server of the test, answering in
 * Stripe's documented shapes (form-encoded requests; objects with `object`; errors as
 * `{ error: { type, code, param, message } }`; `resource_missing` for an unknown coupon,
 * `resource_already_exists` for a taken id or an active code; an `Idempotency-Key` replayed with the same
 * request answered as the first time, with another request refused as `idempotency_error`), started and
 * stopped by each test.
 */

const API_KEY = 'rk_test_offers';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly version: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly form: Record<string, string>;
}

const stripeError = (response: ServerResponse, status: number, error: Record<string, string>) =>
  !!response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: { type: 'invalid_request_error', ...error } }));

/** A Stripe account that keeps coupons and promotion codes, and answers the next calls as `script` says. */
async function withStripe(
  script: StandInAnswer[],
  test: (stripe: {
    origin: string;
    calls: Call[];
    coupons: Map<string, Record<string, string>>;
    codes: Map<string, Record<string, string>>;
  }) => Promise<void>,
): Promise<void> {
  const calls: Call[] = [];
  const coupons = new Map<string, Record<string, string>>();
  const codes = new Map<string, Record<string, string>>();
  const replays = new Map<string, { request: string; status: number; body: string }>();
  const handle: RequestListener = async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const url = new URL(request.url ?? '/', 'http://stripe');
    const form = Object.fromEntries(new URLSearchParams(text));
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    calls.push({
      method: request.method ?? '',
      path: url.pathname,
      authorization: request.headers.authorization,
      version: request.headers['stripe-version'] as string | undefined,
      idempotencyKey,
      form,
    });
    const scripted = script.shift();
    if (scripted?.(response)) return;
    if (request.headers.authorization !== `Bearer ${API_KEY}`) {
      stripeError(response, 401, { message: 'Invalid API Key provided: rk_test_****' });
      return;
    }
    const answer = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      if (idempotencyKey) replays.set(idempotencyKey, { request: text, status, body: json });
      response.writeHead(status, { 'content-type': 'application/json' }).end(json);
    };
    const replay = idempotencyKey ? replays.get(idempotencyKey) : undefined;
    if (replay && replay.request === text) {
      response.writeHead(replay.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
      response.end(replay.body);
      return;
    }
    if (replay) {
      stripeError(response, 400, {
        type: 'idempotency_error',
        message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
      });
      return;
    }
    const error = (status: number, fields: Record<string, string>) =>
      answer(status, { error: { type: 'invalid_request_error', ...fields } });
    const couponPath = /^\/v1\/coupons\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && couponPath) {
      const coupon = coupons.get(couponPath[1] ?? '');
      if (coupon) answer(200, { object: 'coupon', ...coupon });
      else error(404, { code: 'resource_missing', param: 'id', message: `No such coupon: '${couponPath[1]}'` });
    } else if (request.method === 'POST' && url.pathname === '/v1/coupons') {
      if (coupons.has(form.id ?? '')) {
        error(400, { code: 'resource_already_exists', param: 'id', message: 'Coupon already exists.' });
      } else {
        coupons.set(form.id ?? '', form);
        answer(200, { object: 'coupon', ...form, valid: true });
      }
    } else if (request.method === 'POST' && url.pathname === '/v1/promotion_codes') {
      if (!coupons.has(form.coupon ?? '')) {
        error(400, { code: 'resource_missing', param: 'coupon', message: `No such coupon: '${form.coupon}'` });
      } else if (codes.has(form.code ?? '')) {
        error(400, {
          code: 'resource_already_exists',
          param: 'code',
          message: `An active promotion code with \`code: ${form.code}\` already exists.`,
        });
      } else {
        codes.set(form.code ?? '', form);
        answer(200, { object: 'promotion_code', id: `promo_${codes.size}`, active: true, ...form });
      }
    } else if (request.method === 'GET' && url.pathname === '/v1/promotion_codes') {
      const code = url.searchParams.get('code') ?? '';
      const found = codes.get(code);
      const id = `promo_${[...codes.keys()].indexOf(code) + 1}`;
      answer(200, { object: 'list', data: found ? [{ object: 'promotion_code', id, ...found }] : [], has_more: false });
    } else {
      error(404, { message: 'Unrecognized request URL' });
    }
  };
  await withStandInServer(handle, (origin) => test({ origin, calls, coupons, codes }));
}

const offer = COMEBACK_OFFER;
const request = comebackRequest(['generic:x', 'stripe:cus_NffrFeUfNV2Hib']);
const KEY = SEND_KEY;
const CODE = derivedCode('comeback', KEY).replace('-', '');
const client = (origin: string, key = API_KEY) =>
  stripeOfferCodes({ apiBase: origin, apiKey: async () => key, currency: 'EUR' });

describe('Stripe offer codes (POST /v1/promotion_codes of the offer coupon)', () => {
  it("makes the offer's coupon once, then a single-use promotion code per send for the Stripe customer", async () => {
    await withStripe([], async ({ origin, calls, coupons, codes }) => {
      const stripe = client(origin);
      const { code, providerRef } = await stripe.issue(request, KEY);
      expect(code).toBe(CODE);
      // Stripe's webhooks name a redeemed code by this id.
      expect(providerRef).toBe('promo_1');
      expect(code).toMatch(/^[A-Za-z0-9]+$/);
      const id = couponId(offer, 'EUR');
      expect(coupons.get(id)).toEqual({ id, name: 'comeback', duration: 'once', percent_off: '15' });
      expect(codes.get(code)).toEqual({
        coupon: id,
        code,
        max_redemptions: '1',
        expires_at: String(Date.parse('2026-08-15T09:00:00.000Z') / 1000),
        customer: 'cus_NffrFeUfNV2Hib',
        'restrictions[minimum_amount]': '4000',
        'restrictions[minimum_amount_currency]': 'eur',
      });
      expect(calls.every((call) => call.authorization === `Bearer ${API_KEY}` && call.version)).toBe(true);
      expect(calls.find((call) => call.path === '/v1/promotion_codes')?.idempotencyKey).toBeDefined();
      // Another send of the offer, by a customer Stripe does not know: the same coupon, a code anyone may use once.
      const other = await client(origin).issue(
        { ...request, customerId: 'cus_2', aliases: [] },
        'cus_2/run_9/miss-you',
      );
      expect(other.code).not.toBe(code);
      expect(coupons.size).toBe(1);
      expect(codes.get(other.code)).not.toHaveProperty('customer');
      expect(calls.filter((call) => call.path === '/v1/coupons').length).toBe(1);
    });
  });

  it('asked again for the same send, even with a later expiry, gets the same code and makes no second one', async () => {
    await withStripe([], async ({ origin, calls, codes }) => {
      const first = await client(origin).issue(request, KEY);
      // The same request again (no answer came back the first time): Stripe replays its answer.
      expect(await client(origin).issue(request, KEY)).toEqual(first);
      // A later attempt of the send, after a crash, asks for a later expiry: Stripe has the code already.
      const later = await client(origin).issue({ ...request, expiresAt: '2026-08-16T09:00:00.000Z' }, KEY);
      expect(later).toEqual(first);
      expect(codes.size).toBe(1);
      const keys = calls.filter((call) => call.path === '/v1/promotion_codes' && call.method === 'POST');
      expect(keys[0]?.idempotencyKey).toBe(keys[1]?.idempotencyKey);
    });
  });

  it('throttling, a server error, a refused key and a refusal are unavailable: the send is tried again', async () => {
    const failures: [string, StandInAnswer][] = [
      [
        'stripe_throttled',
        (r) =>
          stripeError(r.setHeader('retry-after', '1'), 429, {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly.',
          }),
      ],
      ['stripe_http_500', (r) => stripeError(r, 500, { type: 'api_error', message: 'Something went wrong.' })],
      [
        'stripe_refused:parameter_invalid_integer',
        (r) =>
          stripeError(r, 400, {
            code: 'parameter_invalid_integer',
            param: 'percent_off',
            message: 'Invalid integer: abc',
          }),
      ],
    ];
    // Stripe's Retry-After (seconds) is passed on.
    await expectUnavailableThenIssued(failures, withStripe, {
      issue: (origin) => client(origin).issue(request, KEY),
      code: CODE,
      retryAfterMs: 1000,
    });
    await withStripe([], async ({ origin }) => {
      const refused = await client(origin, 'rk_test_wrong')
        .issue(request, KEY)
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'OfferCodesUnavailableError', reason: 'stripe_unauthorized' });
      expect(String(refused)).not.toContain('rk_test_wrong');
    });
  });

  it('a coupon deleted in Stripe after its first use is made again by the next attempt', async () => {
    await withStripe([], async ({ origin, coupons, codes }) => {
      const stripe = client(origin);
      await stripe.issue(request, KEY);
      coupons.clear();
      const second = { ...request, customerId: 'cus_2', aliases: [] };
      await expect(stripe.issue(second, 'cus_2/run_9/miss-you')).rejects.toMatchObject({
        reason: 'stripe_refused:resource_missing',
      });
      // The send's next attempt, later: a request of its own.
      await stripe.issue({ ...second, expiresAt: '2026-08-15T10:00:00.000Z' }, 'cus_2/run_9/miss-you');
      expect(coupons.size).toBe(1);
      expect(codes.size).toBe(2);
    });
  });

  it('a fixed amount is an amount off in minor units of the currency; free shipping is no Stripe coupon', async () => {
    await withStripe([], async ({ origin, coupons, calls }) => {
      const fixed = OfferSchema.parse({ name: 'five', kind: 'fixed_amount', value: 5, validFor: 'P7D' });
      await client(origin).issue({ ...request, offer: fixed }, KEY);
      expect(coupons.get(couponId(fixed, 'EUR'))).toMatchObject({
        amount_off: '500',
        currency: 'eur',
        duration: 'once',
      });
      // A changed offer is a coupon of its own: the codes already sent keep what they gave.
      const six = OfferSchema.parse({ name: 'five', kind: 'fixed_amount', value: 6, validFor: 'P7D' });
      expect(couponId(six, 'EUR')).not.toBe(couponId(fixed, 'EUR'));
      const before = calls.length;
      const free = OfferSchema.parse({ name: 'ship', kind: 'free_shipping', validFor: 'P7D' });
      await expect(client(origin).issue({ ...request, offer: free }, KEY)).rejects.toMatchObject({
        reason: 'stripe_free_shipping_unsupported',
      });
      expect(calls.length).toBe(before);
    });
  });
});
