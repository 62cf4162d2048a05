import type { Clock } from '../../ports/clock.js';
import type { CustomerStore } from '../../ports/customer-store.js';
import { withEmailConsent } from '../customer.js';
import { ConcurrentUpdateError } from '../errors.js';

export type ConsentOutcome = 'changed' | 'unchanged' | 'unknown_customer';

/**
 * Sets a customer's email consent from inside the product (one-click unsubscribe, preference page).
 * Idempotent: asking for the state the customer is already in changes nothing.
 */
export async function changeEmailConsent(
  dependencies: { readonly store: CustomerStore; readonly clock: Clock },
  customerId: string,
  status: 'subscribed' | 'unsubscribed',
  source: string,
): Promise<ConsentOutcome> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return 'unknown_customer';
    const now = dependencies.clock.now();
    const change = withEmailConsent(stored.customer, status, source, now);
    if (change.timeline.length === 0) return 'unchanged';
    const result = await dependencies.store.commitEvent({
      eventId: `consent:${status}:${now.toISOString()}`,
      customer: change.customer,
      expectedVersion: stored.version,
      enrollments: [],
      timeline: change.timeline,
    });
    if (result !== 'conflict') return 'changed';
  }
  throw new ConcurrentUpdateError('a customer consent');
}
