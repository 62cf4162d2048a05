import { withConfirmedConsent, withEmailConsent } from '../customer.js';
import { type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { retryOnConflict } from './retry-on-conflict.js';

export type ConsentOutcome = 'changed' | 'unchanged' | 'unknown_customer';

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
  return retryOnConflict('a customer consent', async () => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return 'unknown_customer';
    const now = dependencies.clock.now();
    const change = withEmailConsent(stored.customer, status, source, now);
    if (change.timeline.length === 0) return 'unchanged';
    const committed = await commitCustomerChange(dependencies, {
      eventId: `consent:${status}:${now.toISOString()}`,
      before: stored,
      customer: change.customer,
      timeline: change.timeline,
      signal: { id: `consent:${customerId}:${now.toISOString()}`, type: 'consent.changed', context: {} },
      now,
    });
    return committed.result === 'conflict' ? 'conflict' : 'changed';
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
