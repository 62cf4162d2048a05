import type { OfferCodeRequest } from '../domain/offers.js';
import { type OfferCodes, OfferCodesUnavailableError } from '../ports/offer-codes.js';
import { derivedCode, retryAfterMs } from './offer-code-providers.js';

export { derivedCode } from './offer-code-providers.js';

/** The Admin API version the client speaks. */
export const SHOPIFY_ADMIN_API_VERSION = '2025-10';

export interface ShopifyOfferCodesOptions {
  /** The shop's domain, `example.myshopify.com`; or a full origin (`http://127.0.0.1:PORT`) for a stand-in. */
  readonly shop: string;
  /** The Admin API access token (scope `write_discounts`), read when needed: from Secrets Manager in AWS. */
  readonly accessToken: () => Promise<string>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** How long one call may take. @default 10 seconds */
  readonly timeoutMs?: number;
}

const CREATE_BASIC = `mutation discountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}`;

const CREATE_FREE_SHIPPING = `mutation discountCodeFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}`;

interface UserError {
  readonly field?: readonly string[] | null;
  readonly code?: string | null;
  readonly message?: string;
}

/**
 * Codes made by the shop itself, one discount per send, through the Admin GraphQL API: single use
 * (`usageLimit` 1, once per customer), for the Shopify customer when the customer has a Shopify id, ending
 * when the offer does. The code is derived from the send's idempotency key, so a send tried again asks for
 * the same code, and Shopify's answer that the code is taken (`TAKEN`) means an earlier attempt made it:
 * one discount per send, whatever number of attempts. Throttling (429, or a `THROTTLED` error), a 5xx, a
 * refused token or an answer that is no answer are {@link OfferCodesUnavailableError}: the send is tried again.
 */
export function shopifyOfferCodes(options: ShopifyOfferCodesOptions): OfferCodes {
  const origin = /^https?:\/\//.test(options.shop) ? options.shop.replace(/\/+$/, '') : `https://${options.shop}`;
  const url = `${origin}/admin/api/${SHOPIFY_ADMIN_API_VERSION}/graphql.json`;
  const call = options.fetch ?? fetch;
  return {
    async issue(request: OfferCodeRequest, idempotencyKey: string) {
      const code = derivedCode(request.offer.name, idempotencyKey);
      const freeShipping = request.offer.kind === 'free_shipping';
      const body = JSON.stringify({
        query: freeShipping ? CREATE_FREE_SHIPPING : CREATE_BASIC,
        variables: { [freeShipping ? 'freeShippingCodeDiscount' : 'basicCodeDiscount']: discountInput(request, code) },
      });
      let response: Response;
      try {
        response = await call(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-shopify-access-token': await options.accessToken() },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch {
        throw new OfferCodesUnavailableError('shopify_unreachable');
      }
      if (response.status === 429) {
        throw new OfferCodesUnavailableError('shopify_throttled', retryAfterMs(response.headers.get('retry-after')));
      }
      if (response.status === 401 || response.status === 403)
        throw new OfferCodesUnavailableError('shopify_unauthorized');
      if (!response.ok) throw new OfferCodesUnavailableError(`shopify_http_${response.status}`);
      const answer = (await response.json().catch(() => undefined)) as
        | { data?: Record<string, { userErrors?: UserError[] } | null>; errors?: { extensions?: { code?: string } }[] }
        | undefined;
      if (answer?.errors?.length) {
        const throttled = answer.errors.some((error) => error.extensions?.code === 'THROTTLED');
        throw new OfferCodesUnavailableError(throttled ? 'shopify_throttled' : 'shopify_graphql_error');
      }
      const payload = answer?.data?.[freeShipping ? 'discountCodeFreeShippingCreate' : 'discountCodeBasicCreate'];
      if (!payload) throw new OfferCodesUnavailableError('shopify_bad_answer');
      const errors = payload.userErrors ?? [];
      // The code exists: this send's earlier attempt made it (the code is this send's alone).
      if (errors.length === 0 || errors.every((error) => error.code === 'TAKEN')) return { code };
      throw new OfferCodesUnavailableError(
        `shopify_refused:${errors.map((error) => error.code ?? 'INVALID').join(',')}`,
      );
    },
  };
}

/** The discount's input: what the offer gives, to whom, how often, from when until when. */
function discountInput(request: OfferCodeRequest, code: string): Record<string, unknown> {
  const { offer } = request;
  const shopifyId = request.aliases.find((alias) => /^shopify:\d+$/.test(alias))?.slice('shopify:'.length);
  const common = {
    title: `${offer.name} ${code}`,
    code,
    startsAt: request.issuedAt,
    endsAt: request.expiresAt,
    customerSelection: shopifyId ? { customers: { add: [`gid://shopify/Customer/${shopifyId}`] } } : { all: true },
    appliesOncePerCustomer: true,
    usageLimit: 1,
    ...(offer.minimumOrder !== undefined
      ? { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: offer.minimumOrder.toFixed(2) } } }
      : {}),
  };
  if (offer.kind === 'free_shipping') return { ...common, destination: { all: true } };
  const value =
    offer.kind === 'percentage'
      ? { percentage: (offer.value ?? 0) / 100 }
      : { discountAmount: { amount: (offer.value ?? 0).toFixed(2), appliesOnEachItem: false } };
  return { ...common, customerGets: { value, items: { all: true } } };
}
