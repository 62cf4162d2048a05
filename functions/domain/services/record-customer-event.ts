import type { Clock } from '../../ports/clock.js';
import type { CustomerStore } from '../../ports/customer-store.js';
import type { LifecycleConfig } from '../config.js';
import { applyCustomerEvent } from '../customer.js';
import { ConcurrentUpdateError } from '../errors.js';
import { type CanonicalEvent, eventEmail } from '../events.js';
import type { IdGenerator } from '../ids.js';
import type { JourneyDefinition } from '../journeys/definition.js';
import { type Enrollment, journeysForEvent } from '../journeys/enrollment.js';

export interface RecordCustomerEventDependencies {
  readonly store: CustomerStore;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  readonly newId: IdGenerator;
}

export type RecordOutcome =
  | {
      readonly outcome: 'recorded';
      readonly customerId: string;
      readonly created: boolean;
      readonly journeysEntered: readonly string[];
    }
  | { readonly outcome: 'duplicate'; readonly customerId: string }
  | { readonly outcome: 'not_a_customer_event' };

/** Optimistic-concurrency retries before giving the event back to the bus for a later retry. */
const MAX_ATTEMPTS = 8;

/**
 * Applies one canonical event to the customer it is about: profile, consent, journeys and timeline, in
 * one atomic write. Idempotent: the same event twice changes nothing the second time.
 */
export async function recordCustomerEvent(
  dependencies: RecordCustomerEventDependencies,
  event: CanonicalEvent,
): Promise<RecordOutcome> {
  const { store, clock, config, journeys, newId } = dependencies;
  const email = eventEmail(event);
  if (email === undefined) return { outcome: 'not_a_customer_event' };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existingId = await store.findCustomerId(email);
    const stored = existingId === undefined ? undefined : await store.load(existingId);
    const now = clock.now();
    const customerId = existingId ?? newId('cus');
    const change = applyCustomerEvent(stored?.customer, event, {
      now,
      customerId,
      reportingCurrency: config.reportingCurrency,
    });
    const enrollments = new Map<string, Enrollment>(
      [...(stored?.enrollments.values() ?? [])].map(({ enrollment }) => [enrollment.journeyId, enrollment]),
    );
    const journeyChanges = journeysForEvent(journeys.values(), enrollments, event, {
      now,
      newRunId: () => newId('run'),
    });
    const result = await store.commitEvent({
      eventId: event.id,
      customer: change.customer,
      expectedVersion: stored?.version,
      claimEmail: stored === undefined ? email : undefined,
      enrollments: journeyChanges.enrollments.map((enrollment) => ({
        enrollment,
        expectedVersion: stored?.enrollments.get(enrollment.journeyId)?.version,
      })),
      timeline: [...change.timeline, ...journeyChanges.timeline],
    });
    if (result === 'committed') {
      return {
        outcome: 'recorded',
        customerId,
        created: stored === undefined,
        journeysEntered: journeyChanges.enrollments.filter((e) => e.status === 'active').map((e) => e.journeyId),
      };
    }
    if (result === 'duplicate') return { outcome: 'duplicate', customerId };
  }
  throw new ConcurrentUpdateError('a customer');
}
