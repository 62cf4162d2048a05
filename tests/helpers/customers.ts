import type { Customer } from '../../functions/domain/customer.js';
import type { Enrollment } from '../../functions/domain/journeys/enrollment.js';

/** A subscribed customer, as the customer handler would have stored it. */
export function aCustomer(id: string, email: string, overrides: Partial<Customer> = {}): Customer {
  return {
    id,
    email,
    firstName: 'Ada',
    consent: { email: 'subscribed', source: 'generic', updatedAt: '2026-05-01T00:00:00Z' },
    stage: 'subscriber',
    metrics: { orderCount: 0, revenue: { amount: 0, currency: 'USD' } },
    segments: [],
    sources: ['generic'],
    aliases: [],
    recentlyViewed: [],
    recentEvents: [],
    createdAt: '2026-05-01T00:00:00Z',
    updatedAt: '2026-05-01T00:00:00Z',
    ...overrides,
  };
}

/** A run of `journeyId` due at `dueAt`, at its first step. */
/** A post-purchase run started by the order `orderKey` on 1 May 2026: what a thank-you email speaks of. */
export function orderRun(orderKey: string): Enrollment {
  return aRun('post-purchase', '2026-05-01T00:00:00Z', { runId: 'r', stepId: undefined, context: { orderKey } });
}

export function aRun(journeyId: string, dueAt: string, overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    journeyId,
    runId: `run_${journeyId}`,
    status: 'active',
    stepId: 'welcome-1',
    dueAt,
    enteredAt: dueAt,
    entries: 1,
    ...overrides,
  };
}
