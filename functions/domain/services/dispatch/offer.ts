import type { StoredCustomer } from '../../../ports/customer-store.js';
import { OfferCodesExhaustedError } from '../../../ports/offer-codes.js';
import type { JourneyDefinition, SendStep } from '../../journeys/definition.js';
import { type IssuedOffer, OfferCodeSchema, offerCodeRequest, offerKey, offerTemplateData } from '../../offers.js';
import type { DispatchDependencies } from './dependencies.js';

/** What a reserved send's offer came to. */
export type OfferOutcome =
  /** A code of its own (issued now, or by an earlier attempt of the same reservation). */
  | { readonly kind: 'issued'; readonly data: Record<string, unknown>; readonly offer: IssuedOffer }
  /** No code left: the send goes with the static code of its data. */
  | { readonly kind: 'fallback' }
  /** No code now, and none to fall back on, or the provider failed: the send is tried again later. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * The code of a reserved send's offer: the one its reservation was issued before, else a new one from the
 * provider, recorded under the reservation (a second writer's record wins, and both send the same code).
 * Called after the reservation only, so a send the guardrails hold back never uses up a code.
 */
export async function offerForSend(
  dependencies: Pick<DispatchDependencies, 'store' | 'offerCodes' | 'config'>,
  send: {
    readonly stored: StoredCustomer;
    readonly journey: JourneyDefinition;
    readonly step: SendStep & { readonly offer: NonNullable<SendStep['offer']> };
    readonly runId: string;
    readonly now: Date;
    /** The send's data before the offer: a static `discountCode` in it is the fallback. */
    readonly data: Readonly<Record<string, unknown>>;
  },
): Promise<OfferOutcome> {
  const { stored, journey, step, now } = send;
  const customer = stored.customer;
  const key = offerKey(customer.id, send.runId, step.id);
  const reader = { locale: customer.locale, timeZone: customer.timezone ?? dependencies.config.timezone };
  const issued = await dependencies.store.findIssuedOffer(customer.id, key);
  if (issued) return { kind: 'issued', offer: issued, data: offerTemplateData(step.offer, issued, reader) };
  const fallback = typeof send.data.discountCode === 'string' && send.data.discountCode !== '';
  if (!dependencies.offerCodes)
    return fallback ? { kind: 'fallback' } : { kind: 'unavailable', reason: 'offer_exhausted' };
  const request = offerCodeRequest(
    step.offer,
    {
      customerId: customer.id,
      email: customer.email,
      aliases: customer.aliases,
      journeyId: journey.id,
      stepId: step.id,
    },
    now,
  );
  let code: string;
  let providerRef: string | undefined;
  try {
    ({ code, providerRef } = await dependencies.offerCodes.issue(request, key));
  } catch (error) {
    if (error instanceof OfferCodesExhaustedError) {
      return fallback ? { kind: 'fallback' } : { kind: 'unavailable', reason: 'offer_exhausted' };
    }
    return { kind: 'unavailable', reason: 'offer_unavailable' };
  }
  // A provider's answer is outside input like any other: a code that is not one is never printed.
  if (!OfferCodeSchema.safeParse(code).success) return { kind: 'unavailable', reason: 'offer_code_invalid' };
  const kept = await dependencies.store.recordIssuedOffer({
    key,
    offer: step.offer.name,
    code,
    customerId: customer.id,
    journeyId: journey.id,
    stepId: step.id,
    issuedAt: request.issuedAt,
    expiresAt: request.expiresAt,
    ...(providerRef ? { providerRef } : {}),
  });
  return { kind: 'issued', offer: kept, data: offerTemplateData(step.offer, kept, reader) };
}
