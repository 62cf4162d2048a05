import type { Clock } from '../../ports/clock.js';
import type { CustomerRecords, PrivacyRecords } from '../../ports/customer-store.js';
import { aliasOf } from '../customer.js';
import type { EventOfType } from '../events.js';
import type { RecordOutcome } from './record-outcome.js';

/**
 * A person asked what the store holds about them (Shopify `customers/data_request`): everything the
 * product keeps on them is gathered into one document, stored for 30 days for the store owner to fetch
 * with `lifecycle export --request <key>`.
 */
export async function exportCustomerData(
  dependencies: { readonly store: CustomerRecords & PrivacyRecords; readonly clock: Clock },
  event: EventOfType<'customer.data_requested'>,
): Promise<RecordOutcome> {
  const { store, clock } = dependencies;
  const reference = event.data.customer;
  const alias = reference.externalId === undefined ? undefined : aliasOf(event.source, reference.externalId);
  const found = await store.lookup({ email: reference.email, alias });
  const customerId = found.byAlias ?? found.byEmail;
  const requestKey = `${event.source}:${event.data.request.id}`;
  const createdAt = clock.now().toISOString();
  const stored = customerId === undefined ? undefined : await store.load(customerId);
  const document = stored
    ? {
        request: requestKey,
        createdAt,
        customer: stored.customer,
        orders: [...stored.orders.values()],
        journeys: [...stored.enrollments.values()].map(({ enrollment }) => enrollment),
        timeline: await store.timeline(stored.customer.id, { limit: 10_000 }),
      }
    : { request: requestKey, createdAt, customer: null, note: 'No data is held for this person.' };
  await store.saveExport({ requestKey, customerId: stored?.customer.id, createdAt, document });
  if (stored) {
    await store.commitEvent({
      eventId: event.id,
      customer: stored.customer,
      expectedVersion: stored.version,
      enrollments: [],
      timeline: [{ at: createdAt, kind: 'data_exported', requestKey }],
    });
  }
  return { outcome: 'exported', requestKey, found: stored !== undefined };
}
