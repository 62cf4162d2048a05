import type { OfferCodeRequest } from '../domain/offers.js';
import * as z from '../domain/zod.js';
import { type OfferCodes, OfferCodesUnavailableError } from '../ports/offer-codes.js';
import { derivedCode, retryAfterMs } from './offer-code-providers.js';

/** A REST API key of the store (WooCommerce → Settings → Advanced → REST API, permission Read/Write). */
export interface WooCommerceCredentials {
  readonly consumerKey: string;
  readonly consumerSecret: string;
}

const CredentialsSchema = z.strictObject({
  consumerKey: z.string().check(z.regex(/^ck_[A-Za-z0-9]{1,128}$/)),
  consumerSecret: z.string().check(z.regex(/^cs_[A-Za-z0-9]{1,128}$/)),
});

/**
 * The REST API key kept in the offer codes secret, as JSON `{"consumerKey":"ck_…","consumerSecret":"cs_…"}`.
 * Anything else (such as the generated placeholder) is {@link OfferCodesUnavailableError}, without its content.
 */
export function wooCommerceCredentials(secret: string): WooCommerceCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    parsed = undefined;
  }
  const credentials = CredentialsSchema.safeParse(parsed);
  if (!credentials.success) throw new OfferCodesUnavailableError('woocommerce_credentials_malformed');
  return credentials.data;
}

export interface WooCommerceOfferCodesOptions {
  /** The store's address, `https://shop.example.com` (with its path when WordPress lives under one). */
  readonly site: string;
  /** The REST API key, read when needed: from Secrets Manager in AWS. */
  readonly credentials: () => Promise<WooCommerceCredentials>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** How long one call may take. @default 10 seconds */
  readonly timeoutMs?: number;
}

/**
 * Codes made by the store itself, one coupon per send, through the WooCommerce REST API
 * (`POST /wp-json/wc/v3/coupons`): single use (`usage_limit` 1, once per customer), for the customer's
 * email only, ending when the offer does. The code is derived from the send's idempotency key, so a send
 * tried again asks for the same code, and WooCommerce's answer that the code exists
 * (`woocommerce_rest_coupon_code_already_exists`) means an earlier attempt made it: one coupon per send.
 * Throttling (429), a 5xx, a refused key or an answer that is no answer are
 * {@link OfferCodesUnavailableError}: the send is tried again.
 */
export function wooCommerceOfferCodes(options: WooCommerceOfferCodesOptions): OfferCodes {
  const url = `${options.site.replace(/\/+$/, '')}/wp-json/wc/v3/coupons`;
  const call = options.fetch ?? fetch;
  return {
    async issue(request: OfferCodeRequest, idempotencyKey: string) {
      const code = derivedCode(request.offer.name, idempotencyKey);
      const { consumerKey, consumerSecret } = await options.credentials();
      let response: Response;
      try {
        response = await call(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`,
          },
          body: JSON.stringify(couponInput(request, code)),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch {
        throw new OfferCodesUnavailableError('woocommerce_unreachable');
      }
      if (response.status === 429) {
        throw new OfferCodesUnavailableError(
          'woocommerce_throttled',
          retryAfterMs(response.headers.get('retry-after')),
        );
      }
      if (response.status === 401 || response.status === 403)
        throw new OfferCodesUnavailableError('woocommerce_unauthorized');
      const answer = (await response.json().catch(() => undefined)) as { id?: unknown; code?: unknown } | undefined;
      if (response.ok) {
        if (typeof answer?.id !== 'number') throw new OfferCodesUnavailableError('woocommerce_bad_answer');
        return { code };
      }
      // The code exists: this send's earlier attempt made it (the code is this send's alone).
      if (response.status === 400 && answer?.code === 'woocommerce_rest_coupon_code_already_exists') return { code };
      if (response.status === 400 && typeof answer?.code === 'string' && /^[a-z0-9_]{1,80}$/.test(answer.code)) {
        throw new OfferCodesUnavailableError(`woocommerce_refused:${answer.code}`);
      }
      throw new OfferCodesUnavailableError(`woocommerce_http_${response.status}`);
    },
  };
}

/** The coupon: what the offer gives, to whom, how often, until when. */
function couponInput(request: OfferCodeRequest, code: string): Record<string, unknown> {
  const { offer } = request;
  return {
    code,
    discount_type: offer.kind === 'percentage' ? 'percent' : 'fixed_cart',
    amount: offer.kind === 'free_shipping' ? '0' : (offer.value ?? 0).toFixed(2),
    free_shipping: offer.kind === 'free_shipping',
    // The instant in UTC, as WooCommerce writes its `_gmt` dates (no zone suffix).
    date_expires_gmt: request.expiresAt.replace(/\.\d+Z$|Z$/, ''),
    usage_limit: 1,
    usage_limit_per_user: 1,
    individual_use: true,
    email_restrictions: [request.email],
    ...(offer.minimumOrder !== undefined ? { minimum_amount: offer.minimumOrder.toFixed(2) } : {}),
    description: `${offer.name}: ${request.journeyId} ${request.stepId}`,
  };
}
