import type { Clock } from '../../ports/clock.js';
import type { CustomerRecords, PrivacyRecords, SuppressionList } from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import type { LifecycleConfig } from '../config.js';
import { aliasOf } from '../customer.js';
import type { EventOfType } from '../events.js';
import type { OrderRecord } from '../orders.js';
import type { RecordOutcome } from './record-outcome.js';

/** Items deleted per invocation of a shop erasure before it continues in a follow-up event. */
export const SHOP_ERASURE_PAGE = 200;

/** What erasing a person or the whole shop needs. */
export interface ErasureDependencies {
  readonly store: CustomerRecords & PrivacyRecords & SuppressionList;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  /** Puts follow-up events on the bus (a shop erasure continues in pages). */
  readonly publisher: EventPublisher;
  /** SHA-256 of a normalised address, for suppression records that must not keep the address. */
  readonly hashEmail: (email: string) => string;
  /** Items a shop erasure deletes per invocation. @default 200 */
  readonly shopErasurePageSize?: number;
}

/**
 * A person asked to be forgotten: every item about them is deleted, their orders are kept for the
 * store's figures without any link to them, and only a hash of their address remains, so that no
 * message is ever sent to it by mistake. Idempotent.
 */
export async function eraseCustomer(
  dependencies: Pick<ErasureDependencies, 'store' | 'clock' | 'hashEmail'>,
  event: EventOfType<'customer.erased'>,
): Promise<RecordOutcome> {
  const { store, clock, hashEmail } = dependencies;
  // A request carried out before is not carried out again, however late it is replayed: the person may
  // have signed up anew since.
  if (await store.privacyRequestDone(event.id)) return { outcome: 'duplicate' };
  const reference = event.data.customer;
  const alias = reference.externalId === undefined ? undefined : aliasOf(event.source, reference.externalId);
  const found = await store.lookup({ email: reference.email, alias });
  const ids = [...new Set([found.byAlias, found.byEmail].filter((id): id is string => id !== undefined))];
  const at = clock.now().toISOString();
  const emailsWithoutCustomer = reference.email !== undefined && ids.length === 0 ? [reference.email] : [];

  for (const customerId of ids) {
    const stored = await store.load(customerId);
    const emails = [...new Set([stored?.customer.email, reference.email].filter((e): e is string => e !== undefined))];
    const aliases = [...new Set([...(stored?.customer.aliases ?? []), ...(alias ? [alias] : [])])];
    await store.eraseCustomer({
      customerId,
      emails,
      aliases,
      // An address that bounced or complained stays suppressed for that reason: the erasure must not turn
      // it back into one a new sign-up could be emailed at.
      suppressions: await Promise.all(
        emails.map(async (email) => {
          const emailHash = hashEmail(email);
          const kept = await store.findSuppression(emailHash);
          if (kept && kept.reason !== 'erased') return kept;
          return { emailHash, reason: 'erased', at };
        }),
      ),
      anonymisedOrders: [...(stored?.orders.values() ?? [])].map(anonymise),
    });
  }
  // Nothing held on this address: still record the erasure, so that a late event cannot revive it unseen.
  for (const email of emailsWithoutCustomer) {
    await store.eraseCustomer({
      customerId: '',
      emails: [email],
      aliases: alias ? [alias] : [],
      suppressions: [{ emailHash: hashEmail(email), reason: 'erased', at }],
      anonymisedOrders: [],
    });
  }
  await store.recordPrivacyRequest(event.id, at);
  return { outcome: 'erased', customers: ids.length };
}

/** An order with nothing personal left: amounts, dates and products only. */
function anonymise(order: OrderRecord): OrderRecord {
  return {
    key: order.key,
    source: order.source,
    orderId: order.orderId,
    placedAt: order.placedAt,
    total: order.total,
    lineItems: order.lineItems,
    refunds: order.refunds,
    cancelledAt: order.cancelledAt,
    updatedAt: order.updatedAt,
  };
}

/**
 * The store uninstalled the app and asked for its data to be erased (Shopify `shop/redact`): every item
 * but the suppression hashes is deleted, one page per invocation, continuing through the bus.
 */
export async function eraseShop(
  dependencies: Pick<ErasureDependencies, 'store' | 'clock' | 'config' | 'publisher' | 'shopErasurePageSize'>,
  event: EventOfType<'shop.erased'>,
): Promise<RecordOutcome> {
  const expected = dependencies.config.sources.shopify.shopDomain;
  // The webhook refuses a request without this shop's domain; an event from elsewhere (a replay from the
  // archive, a backfill) is held to the same rule.
  if (expected !== undefined && event.data.shop.domain !== expected) {
    return { outcome: 'ignored', reason: 'erasure request for another shop' };
  }
  const requestId = event.id.split('#page')[0] as string;
  if (event.data.page === undefined && (await dependencies.store.privacyRequestDone(requestId))) {
    return { outcome: 'duplicate' };
  }
  const next = await dependencies.store.eraseEverything(
    event.data.resumeAfter,
    dependencies.shopErasurePageSize ?? SHOP_ERASURE_PAGE,
  );
  if (next === undefined) {
    await dependencies.store.recordPrivacyRequest(requestId, dependencies.clock.now().toISOString());
    return { outcome: 'shop_erasure', finished: true };
  }
  const page = (event.data.page ?? 0) + 1;
  await dependencies.publisher.publish([
    {
      source: 'lifecycle.storefront',
      detailType: 'shop.erased',
      detail: {
        ...event,
        id: `${event.id.split('#page')[0]}#page${page}`,
        data: { ...event.data, resumeAfter: next, page },
      },
    },
  ]);
  return { outcome: 'shop_erasure', finished: false };
}
