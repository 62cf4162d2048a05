import { type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { retryOnConflict } from './retry-on-conflict.js';

/**
 * Assesses a customer again because time alone may have changed their stage or segments (a due
 * reassessment timer, the daily model job). Journeys react as to any other change: becoming at risk
 * starts the win-back. Idempotent per due time.
 */
export async function reassessCustomer(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  dueAt: string,
): Promise<'changed' | 'unchanged' | 'gone'> {
  return retryOnConflict(
    'a reassessment',
    async () => {
      const stored = await dependencies.store.load(customerId);
      if (!stored) return 'gone';
      const committed = await commitCustomerChange(dependencies, {
        eventId: `reassess:${customerId}:${dueAt}`,
        before: stored,
        customer: stored.customer,
        timeline: [],
        now: dependencies.clock.now(),
      });
      if (committed.result === 'conflict') return 'conflict';
      return committed.customer.stage !== stored.customer.stage ||
        committed.customer.segments.join() !== stored.customer.segments.join()
        ? 'changed'
        : 'unchanged';
    },
    // Others kept writing to the customer: each of their changes was assessed on the way.
    () => 'unchanged',
  );
}
