import { createHash } from 'node:crypto';
import { majorToMinor } from '../domain/money.js';
import type { Offer, OfferCodeRequest } from '../domain/offers.js';
import { type OfferCodes, OfferCodesUnavailableError } from '../ports/offer-codes.js';
import { derivedCode, retryAfterMs } from './offer-code-providers.js';

/** The API version the client speaks: its requests and answers have these shapes whatever the account's default. */
export const STRIPE_API_VERSION = '2025-08-27.basil';

export interface StripeOfferCodesOptions {
  /** A restricted API key (`rk_…`, write on Coupons and Promotion codes), read when needed. */
  readonly apiKey: () => Promise<string>;
  /** The currency of `fixed_amount` offers and of `minimumOrder`: the reporting currency. */
  readonly currency: string;
  /** @default https://api.stripe.com; a full origin (`http://127.0.0.1:PORT`) for a stand-in. */
  readonly apiBase?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** How long one call may take. @default 10 seconds */
  readonly timeoutMs?: number;
}

/** Stripe's error answer: https://docs.stripe.com/api/errors */
interface StripeError {
  readonly error?: { readonly type?: string; readonly code?: string; readonly param?: string };
}

/**
 * Codes made by Stripe, one promotion code per send (`POST /v1/promotion_codes`) of the offer's coupon (made
 * once per offer with `POST /v1/coupons` when absent, its id derived from the offer): single use
 * (`max_redemptions` 1), for the Stripe customer when the customer has a Stripe id, ending when the offer does.
 * The code is derived from the send's key (Stripe allows letters and digits only), and the request carries an
 * `Idempotency-Key` derived from the send's key and the request, so a request repeated after no answer is
 * answered as the first; a later attempt of the send (a new expiry) that Stripe refuses because the code
 * exists finds the code made by the earlier one. One promotion code per send, whatever number of attempts.
 * Throttling (429), a 5xx, a refused key, an answer that is no answer and a refusal are
 * {@link OfferCodesUnavailableError}: the send is tried again.
 */
export function stripeOfferCodes(options: StripeOfferCodesOptions): OfferCodes {
  const base = (options.apiBase ?? 'https://api.stripe.com').replace(/\/+$/, '');
  const call = options.fetch ?? fetch;
  const coupons = new Set<string>();

  async function stripe(
    method: 'GET' | 'POST',
    path: string,
    form?: URLSearchParams,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: Record<string, unknown> & StripeError }> {
    let response: Response;
    try {
      response = await call(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await options.apiKey()}`,
          'stripe-version': STRIPE_API_VERSION,
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        ...(form ? { body: form.toString() } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch {
      throw new OfferCodesUnavailableError('stripe_unreachable');
    }
    if (response.status === 429) {
      throw new OfferCodesUnavailableError('stripe_throttled', retryAfterMs(response.headers.get('retry-after')));
    }
    if (response.status === 401 || response.status === 403) throw new OfferCodesUnavailableError('stripe_unauthorized');
    if (response.status >= 500) throw new OfferCodesUnavailableError(`stripe_http_${response.status}`);
    const body = (await response.json().catch(() => undefined)) as (Record<string, unknown> & StripeError) | undefined;
    if (!body || typeof body !== 'object') throw new OfferCodesUnavailableError('stripe_bad_answer');
    return { status: response.status, body };
  }

  /** The offer's coupon, made when Stripe does not have it yet. */
  async function ensureCoupon(offer: Offer): Promise<string> {
    const id = couponId(offer, options.currency);
    if (coupons.has(id)) return id;
    const found = await stripe('GET', `/v1/coupons/${id}`);
    if (found.status !== 200) {
      if (found.body.error?.code !== 'resource_missing') throw refusal(found);
      // No Idempotency-Key: the id is one already (a repeat is `resource_already_exists`), and a key would
      // replay the first creation's answer for a day, even after the coupon was deleted.
      const made = await stripe('POST', '/v1/coupons', couponForm(offer, id, options.currency));
      // Made at the same time by another send: the same coupon.
      if (made.status !== 200 && made.body.error?.code !== 'resource_already_exists') throw refusal(made);
    }
    coupons.add(id);
    return id;
  }

  return {
    async issue(request: OfferCodeRequest, idempotencyKey: string) {
      if (request.offer.kind === 'free_shipping') {
        throw new OfferCodesUnavailableError('stripe_free_shipping_unsupported');
      }
      const code = derivedCode(request.offer.name, idempotencyKey).replace(/[^A-Z0-9]/g, '');
      const coupon = await ensureCoupon(request.offer);
      const form = promotionCodeForm(request, coupon, code, options.currency);
      const key = `promotion_code/${digest(`${idempotencyKey}\u0000${form.toString()}`)}`;
      const made = await stripe('POST', '/v1/promotion_codes', form, key);
      if (made.status === 200) {
        if (made.body.object !== 'promotion_code') throw new OfferCodesUnavailableError('stripe_bad_answer');
        return { code, ...promotionCodeRef(made.body.id) };
      }
      // The code exists: an earlier attempt of this send made it (the code is this send's alone).
      if (made.body.error?.param === 'code') {
        const listed = await stripe('GET', `/v1/promotion_codes?${new URLSearchParams({ code, limit: '1' })}`);
        const data = listed.body.data;
        const found =
          listed.status === 200 && Array.isArray(data) ? data.find((item) => item?.code === code) : undefined;
        if (found) return { code, ...promotionCodeRef(found.id) };
      }
      // The coupon is gone (deleted in the Dashboard): the next attempt looks for it again, and makes it.
      if (made.body.error?.param === 'coupon') coupons.delete(coupon);
      throw refusal(made);
    },
  };
}

/** The promotion code's id, by which Stripe's order webhooks name it, when the answer has a well-formed one. */
function promotionCodeRef(id: unknown): { providerRef?: string } {
  return typeof id === 'string' && /^promo_[A-Za-z0-9]{1,100}$/.test(id) ? { providerRef: id } : {};
}

/** A refusal, named by Stripe's error code (never its message, which may repeat the request). */
function refusal(answer: { status: number; body: StripeError }): OfferCodesUnavailableError {
  const code = answer.body.error?.code ?? answer.body.error?.type;
  return new OfferCodesUnavailableError(
    typeof code === 'string' && /^[a-z0-9_]{1,80}$/.test(code)
      ? `stripe_refused:${code}`
      : `stripe_http_${answer.status}`,
  );
}

/**
 * The id of an offer's coupon: its name and a digest of what it gives, so that an offer whose value changes
 * gets a coupon of its own, and the codes sent before keep theirs.
 */
export function couponId(offer: Offer, currency: string): string {
  const terms = offer.kind === 'percentage' ? `percent:${offer.value}` : `amount:${offer.value}:${currency}`;
  return `lifecycle-${offer.name}-${digest(terms).slice(0, 8)}`;
}

function couponForm(offer: Offer, id: string, currency: string): URLSearchParams {
  const form = new URLSearchParams({ id, name: offer.name.slice(0, 40), duration: 'once' });
  if (offer.kind === 'percentage') form.set('percent_off', String(offer.value ?? 0));
  else {
    form.set('amount_off', String(minor(offer.value ?? 0, currency)));
    form.set('currency', currency.toLowerCase());
  }
  return form;
}

function promotionCodeForm(request: OfferCodeRequest, coupon: string, code: string, currency: string): URLSearchParams {
  const customer = request.aliases.find((alias) => /^stripe:cus_[A-Za-z0-9]{1,250}$/.test(alias));
  const form = new URLSearchParams({
    coupon,
    code,
    max_redemptions: '1',
    expires_at: String(Math.floor(Date.parse(request.expiresAt) / 1000)),
  });
  if (customer) form.set('customer', customer.slice('stripe:'.length));
  if (request.offer.minimumOrder !== undefined) {
    form.set('restrictions[minimum_amount]', String(minor(request.offer.minimumOrder, currency)));
    form.set('restrictions[minimum_amount_currency]', currency.toLowerCase());
  }
  return form;
}

function minor(amount: number, currency: string): number {
  const value = majorToMinor(amount, currency);
  if (value === undefined || value <= 0) throw new OfferCodesUnavailableError('stripe_amount_invalid');
  return value;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
