import type { CustomerStore } from '../../ports/customer-store.js';
import type { Customer } from '../customer.js';
import { normaliseEmail } from '../email-address.js';
import type { Enrollment } from '../journeys/enrollment.js';
import type { TimelineEntry } from '../timeline.js';

/**
 * The customer document shown by `GET /_local/customers/{email}` and `lifecycle customer show`: the same
 * fields for the local runtime and a deployed stack. Fields are added as capabilities land; names stay.
 */
export interface CustomerView {
  readonly customer: Customer;
  readonly journeys: readonly Enrollment[];
  readonly timeline: readonly TimelineEntry[];
}

export async function customerView(
  store: CustomerStore,
  email: string,
  options: { readonly timelineLimit?: number } = {},
): Promise<CustomerView | undefined> {
  const customerId = await store.findCustomerId(normaliseEmail(email));
  if (customerId === undefined) return undefined;
  const stored = await store.load(customerId);
  if (!stored) return undefined;
  const timeline = await store.timeline(customerId, { limit: options.timelineLimit ?? 200 });
  return {
    customer: ordered(stored.customer, CUSTOMER_FIELD_ORDER),
    journeys: [...stored.enrollments.values()]
      .map(({ enrollment }) => ordered(enrollment, RUN_FIELD_ORDER))
      .sort((a, b) => a.enteredAt.localeCompare(b.enteredAt)),
    timeline: timeline.map((entry) => ordered(entry, ['at', 'kind'])),
  };
}

const CUSTOMER_FIELD_ORDER = [
  'id',
  'email',
  'firstName',
  'lastName',
  'timezone',
  'locale',
  'consent',
  'suppressed',
  'stage',
  'metrics',
  'segments',
  'acquisition',
  'sources',
  'createdAt',
  'updatedAt',
];
const RUN_FIELD_ORDER = ['journeyId', 'runId', 'status', 'stepIndex', 'dueAt', 'enteredAt', 'endedAt', 'exitReason'];

/** The same object with the given keys first, in that order, so that documents read the same every time. */
function ordered<T extends object>(value: T, first: readonly string[]): T {
  const entries = Object.entries(value);
  const rank = (key: string) => {
    const index = first.indexOf(key);
    return index === -1 ? first.length : index;
  };
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))) as T;
}
