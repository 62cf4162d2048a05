import { withEmailConsent } from '../customer.js';
import { ConcurrentUpdateError } from '../errors.js';
import { type AssessmentDependencies, applyAssessment, flushOutbox } from './assessment.js';

export type ConsentOutcome = 'changed' | 'unchanged' | 'unknown_customer';

/**
 * Sets a customer's email consent from inside the product (one-click unsubscribe, preference page).
 * Idempotent: asking for the state the customer is already in changes nothing.
 */
export async function changeEmailConsent(
  dependencies: AssessmentDependencies,
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
    const eventId = `consent:${status}:${now.toISOString()}`;
    const assessed = applyAssessment(stored.customer, change.customer, await dependencies.loadModel(), {
      now,
      config: dependencies.config,
      changeId: eventId,
      silent: dependencies.silent,
    });
    const result = await dependencies.store.commitEvent({
      eventId,
      customer: assessed.customer,
      expectedVersion: stored.version,
      enrollments: [],
      timeline: [...change.timeline, ...assessed.timeline],
      reassessAt: assessed.assessment.nextChangeAt ?? null,
      outbox: assessed.outbox,
    });
    if (result !== 'conflict') {
      await flushOutbox(dependencies, customerId, assessed.outbox);
      return 'changed';
    }
  }
  throw new ConcurrentUpdateError('a customer consent');
}
