import { type Customer, withConfirmedConsent, withEmailConsent } from '../customer.js';
import { addStats, type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** What a consent change did, with the customer as now stored (to show them without reading again). */
export type ConsentOutcome =
  | { readonly outcome: 'changed' | 'unchanged'; readonly customer: Customer }
  | { readonly outcome: 'unknown_customer' };

/**
 * Sets a customer's email consent from inside the product (one-click unsubscribe, preference page).
 * Idempotent: asking for the state the customer is already in changes nothing.
 */
export async function changeEmailConsent(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  status: 'subscribed' | 'unsubscribed',
  source: string,
): Promise<ConsentOutcome> {
  return retryOnConflict('a customer consent', async (): Promise<ConsentOutcome | 'conflict'> => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return { outcome: 'unknown_customer' };
    const now = dependencies.clock.now();
    const change = withEmailConsent(stored.customer, status, source, now);
    if (change.timeline.length === 0) return { outcome: 'unchanged', customer: stored.customer };
    const committed = await commitCustomerChange(dependencies, {
      eventId: `consent:${status}:${now.toISOString()}`,
      before: stored,
      customer: change.customer,
      timeline: change.timeline,
      signal: { id: `consent:${customerId}:${now.toISOString()}`, type: 'consent.changed', context: {} },
      now,
    });
    if (committed.result === 'conflict') return 'conflict';
    // An unsubscribe within the window of the last email with a goal counts against that email's journey.
    const touch = stored.customer.lastTouch;
    if (status === 'unsubscribed' && touch !== undefined && now.toISOString() <= touch.goalUntil) {
      await addStats(dependencies.store, [{ journeyId: touch.journeyId, counters: { unsubscribed: 1 } }]);
    }
    return { outcome: 'changed', customer: committed.customer };
  });
}

export type ConfirmationOutcome = 'confirmed' | 'not_pending' | 'unknown_customer';

/**
 * Double opt-in: the person used the link of the confirmation email. A pending subscription becomes a
 * subscription, with the request's IP address and user agent kept as proof; the welcome series starts.
 * Anything else (already confirmed, unsubscribed since) is left as it is.
 */
export async function confirmSubscription(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  proof: { readonly ip?: string | undefined; readonly userAgent?: string | undefined },
): Promise<ConfirmationOutcome> {
  return retryOnConflict('a subscription confirmation', async () => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return 'unknown_customer';
    const now = dependencies.clock.now();
    const change = withConfirmedConsent(stored.customer, proof, now);
    if (change.timeline.length === 0) return 'not_pending';
    const committed = await commitCustomerChange(dependencies, {
      eventId: `consent:confirmed:${customerId}:${now.toISOString()}`,
      before: stored,
      customer: change.customer,
      timeline: change.timeline,
      signal: { id: `consent:${customerId}:${now.toISOString()}`, type: 'consent.changed', context: {} },
      now,
    });
    return committed.result === 'conflict' ? 'conflict' : 'confirmed';
  });
}
