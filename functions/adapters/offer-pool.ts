import type { OfferCodeRequest } from '../domain/offers.js';
import { type OfferCodes, OfferCodesExhaustedError, type OfferPool } from '../ports/offer-codes.js';

/**
 * Codes from the pool the store uploaded for an offer (`lifecycle offers import`): one drawn atomically per
 * send, the same one for the same reservation. An empty pool is {@link OfferCodesExhaustedError}.
 */
export function poolOfferCodes(pool: Pick<OfferPool, 'drawPoolCode'>): OfferCodes {
  return {
    async issue(request: OfferCodeRequest, idempotencyKey: string) {
      const code = await pool.drawPoolCode(request.offer.name, idempotencyKey);
      if (code === undefined) throw new OfferCodesExhaustedError(request.offer.name);
      return { code };
    },
  };
}
