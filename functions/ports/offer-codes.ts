import type { IssuedOffer, OfferCodeRequest } from '../domain/offers.js';

/**
 * Where single-use codes come from: a pool the store uploaded, or the storefront's own discount API. One
 * call per send at most, with the send's reservation as `idempotencyKey`: asked again with the same key
 * (a retried send), a provider answers the same code or fails, and never makes a second one.
 */
export interface OfferCodes {
  issue(request: OfferCodeRequest, idempotencyKey: string): Promise<IssuedCode>;
}

/** A code a provider made: the code the customer types, and the provider's own id of it, if orders name that. */
export interface IssuedCode {
  readonly code: string;
  /** Stripe's promotion code id (`promo_…`): Stripe's webhooks name a redeemed code by it, not by the code. */
  readonly providerRef?: string | undefined;
}

/** No code can be had now (an empty pool): a send may fall back to its static code. */
export class OfferCodesExhaustedError extends Error {
  override readonly name = 'OfferCodesExhaustedError';
  constructor(readonly offer: string) {
    super(`No code left for the offer ${offer}: import more with lifecycle offers import`);
  }
}

/** The provider could not answer now (throttled, down, timed out): the send is tried again later. */
export class OfferCodesUnavailableError extends Error {
  override readonly name = 'OfferCodesUnavailableError';
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(`The offer code provider is unavailable: ${reason}`);
  }
}

/** The offers issued to sends, one per reservation. */
export interface IssuedOffers {
  findIssuedOffer(customerId: string, key: string): Promise<IssuedOffer | undefined>;
  /** Every offer issued to the customer (a few: one per send of an offer). */
  issuedOffers(customerId: string): Promise<IssuedOffer[]>;
  /** Records `offer` unless one is recorded under its key already: the one kept is returned. */
  recordIssuedOffer(offer: IssuedOffer): Promise<IssuedOffer>;
}

/** Pools of codes the store uploaded, one per offer name. */
export interface OfferPool {
  /** Adds codes not seen in the pool before (available or drawn); says how many were added. */
  addPoolCodes(offer: string, codes: readonly string[]): Promise<number>;
  /** One available code for `key`, atomically; the same one for the same key; none when the pool is empty. */
  drawPoolCode(offer: string, key: string): Promise<string | undefined>;
  /** How many codes of the pool are still available. */
  availablePoolCodes(offer: string): Promise<number>;
}
