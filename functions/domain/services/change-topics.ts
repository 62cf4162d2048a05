import type { Customer } from '../customer.js';
import { type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** What a change of topics did, with the customer as now stored (to show them without reading again). */
export type TopicsOutcome =
  | {
      readonly outcome: 'changed' | 'unchanged';
      readonly unsubscribedTopics: readonly string[];
      readonly customer: Customer;
    }
  | { readonly outcome: 'unknown_customer' };

/**
 * Sets the topics a customer opted out of (preference page), replacing the ones held: the person stays
 * subscribed and gets no marketing email of a journey of these topics. Only topics of the configuration
 * are kept, in its order; any other id is dropped, never stored. Idempotent: the same set writes nothing.
 */
export async function changeUnsubscribedTopics(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  unsubscribed: Iterable<string>,
  source: string,
): Promise<TopicsOutcome> {
  const wanted = new Set(unsubscribed);
  const topics = Object.keys(dependencies.config.topics).filter((topic) => wanted.has(topic));
  return retryOnConflict('the topics of a customer', async (): Promise<TopicsOutcome | 'conflict'> => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return { outcome: 'unknown_customer' };
    if (sameSet(stored.customer.unsubscribedTopics ?? [], topics)) {
      return { outcome: 'unchanged', unsubscribedTopics: topics, customer: stored.customer };
    }
    const now = dependencies.clock.now();
    const at = now.toISOString();
    const committed = await commitCustomerChange(dependencies, {
      eventId: `topics:${topics.join(',')}:${at}`,
      before: stored,
      customer: { ...stored.customer, unsubscribedTopics: topics, updatedAt: at },
      timeline: [{ at, kind: 'topics_changed', unsubscribed: topics, source }],
      signal: { id: `topics:${customerId}:${at}`, type: 'topics.changed', context: {} },
      now,
    });
    return committed.result === 'conflict'
      ? 'conflict'
      : { outcome: 'changed', unsubscribedTopics: topics, customer: committed.customer };
  });
}

function sameSet(held: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(held);
  return set.size === wanted.length && wanted.every((topic) => set.has(topic));
}
