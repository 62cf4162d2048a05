import type { Clock } from '../../ports/clock.js';
import type {
  CustomerRecords,
  JourneyStatistics,
  Outbox,
  PrivacyRecords,
  ProductCatalogue,
  StoredCustomer,
  SuppressionList,
} from '../../ports/customer-store.js';
import type { IssuedOffers } from '../../ports/offer-codes.js';
import type { LifecycleConfig } from '../config.js';
import { aliasOf, type Customer, newCustomer } from '../customer.js';
import { type AppliedEvent, applyToCustomer, type CustomerStateEvent } from '../customer-events.js';
import { durationMs } from '../duration.js';
import { type CanonicalEvent, eventCustomer, isProductNewsEvent, type LineItem } from '../events.js';
import type { IdGenerator } from '../ids.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { JourneyDefinition } from '../journeys/definition.js';
import {
  emptyOrder,
  netValue,
  type OrderRecord,
  orderKey,
  withCancellation,
  withOrderPlaced,
  withRefund,
} from '../orders.js';
import type { TimelineEntry } from '../timeline.js';
import { type CustomerChangeDependencies, commitCustomerChange, type SignalEvent } from './customer-change.js';
import { type ErasureDependencies, eraseCustomer, eraseShop } from './erase-customer.js';
import { exportCustomerData } from './export-customer-data.js';
import { keepCatalogue } from './keep-catalogue.js';
import type { RecordOutcome } from './record-outcome.js';
import { retryOnConflict } from './retry-on-conflict.js';

export interface RecordCustomerEventDependencies extends CustomerChangeDependencies, ErasureDependencies {
  readonly store: CustomerRecords &
    SuppressionList &
    PrivacyRecords &
    Outbox &
    JourneyStatistics &
    ProductCatalogue &
    Pick<IssuedOffers, 'issuedOffers'>;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  readonly newId: IdGenerator;
}

/**
 * Applies one canonical event: to the customer it is about (profile, consent, orders, metrics, journeys
 * and timeline in one atomic write), to the store's anonymous orders, to the privacy requests, or to the
 * product catalogue.
 * Idempotent: the same event twice changes nothing the second time.
 */
export async function recordCustomerEvent(
  dependencies: RecordCustomerEventDependencies,
  event: CanonicalEvent,
): Promise<RecordOutcome> {
  switch (event.type) {
    case 'customer.erased':
      return eraseCustomer(dependencies, event);
    case 'customer.data_requested':
      return exportCustomerData(dependencies, event);
    case 'shop.erased':
      return eraseShop(dependencies, event);
    case 'product.upserted':
    case 'product.deleted':
    case 'product.details_changed':
    case 'product.price_changed':
    case 'product.inventory_changed':
      return keepCatalogue(dependencies, event);
    default: {
      const outcome = await recordStateEvent(dependencies, event);
      await noteInterest(dependencies, event, outcome);
      return outcome;
    }
  }
}

/**
 * A view of a product, or a request to be told when it is back, makes the customer interested in it for
 * the longest `interestFor` of the journeys that would tell them. Written after the customer's commit, and
 * again on a redelivery: the same item, so it is idempotent.
 */
async function noteInterest(
  dependencies: RecordCustomerEventDependencies,
  event: CustomerStateEvent,
  outcome: RecordOutcome,
): Promise<void> {
  if (event.type !== 'product.viewed' && event.type !== 'product.stock_requested') return;
  const customerId = 'customerId' in outcome ? outcome.customerId : undefined;
  if (customerId === undefined) return;
  const { backInStock, priceDrop } = dependencies.config.journeys;
  const windows = [
    ...(backInStock.enabled ? [durationMs(backInStock.interestFor)] : []),
    ...(priceDrop.enabled && event.type === 'product.viewed' ? [durationMs(priceDrop.interestFor)] : []),
  ];
  if (windows.length === 0) return;
  const until = new Date(Date.parse(event.occurredAt) + Math.max(...windows));
  await dependencies.store.recordInterest(event.source, event.data.product.id, customerId, until);
}

async function recordStateEvent(
  dependencies: RecordCustomerEventDependencies,
  event: CustomerStateEvent,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  const reference = eventCustomer(event);
  const alias = reference?.externalId === undefined ? undefined : aliasOf(event.source, reference.externalId);
  const key = orderKeyOf(event);

  return retryOnConflict('a customer', async (): Promise<RecordOutcome | 'conflict'> => {
    const found = await store.lookup({ email: reference?.email, alias });
    const pointer = key === undefined ? undefined : await store.findOrder(key);
    const customerId =
      found.byAlias ??
      found.byEmail ??
      pointer?.customerId ??
      (isProductNewsEvent(event) ? event.data.customer.customerId : undefined);
    const stored = customerId === undefined ? undefined : await store.load(customerId);

    if (stored === undefined && reference?.email === undefined) {
      // Nobody to contact: an order still counts for the store; anything else has no one to attach to.
      if (key !== undefined && event.type.startsWith('order.')) {
        const result = await recordStoreOrder(dependencies, event, key, pointer);
        if (result === 'conflict') return 'conflict';
        return result === 'duplicate' ? { outcome: 'duplicate' } : { outcome: 'store_order', orderKey: key };
      }
      return { outcome: 'ignored', reason: 'no email and no known customer' };
    }

    return applyAndCommit(dependencies, event, {
      stored,
      customerId,
      found,
      alias,
      pointer: pointer?.order,
    });
  });
}

async function applyAndCommit(
  dependencies: RecordCustomerEventDependencies,
  event: CustomerStateEvent,
  context: {
    readonly stored: StoredCustomer | undefined;
    readonly customerId: string | undefined;
    readonly found: { readonly byEmail?: string | undefined; readonly byAlias?: string | undefined };
    readonly alias: string | undefined;
    readonly pointer: OrderRecord | undefined;
  },
): Promise<RecordOutcome | 'conflict'> {
  const { store, clock, config, newId } = dependencies;
  const { stored, found, alias } = context;
  const reference = eventCustomer(event);
  const now = clock.now();
  const at = now.toISOString();
  const email = reference?.email;

  let customer: Customer;
  const extraTimeline: TimelineEntry[] = [];
  let claimEmail: string | undefined;
  let releaseEmail: string | undefined;
  let addressNotSuppressed: string | undefined;
  if (stored === undefined) {
    // A new person: the email is known here (checked by the caller).
    customer = newCustomer(context.customerId ?? newId('cus'), email as string, at, config.reportingCurrency);
    claimEmail = customer.email;
    const suppression = await store.findSuppression(dependencies.hashEmail(customer.email));
    // Bounces and complaints follow the address; an earlier erasure does not forbid a new relationship.
    if (suppression && suppression.reason !== 'erased') {
      customer = { ...customer, suppressed: { reason: suppression.reason, at: suppression.at } };
    }
  } else {
    customer = stored.customer;
    if (email !== undefined && email !== customer.email && found.byAlias === customer.id) {
      // The storefront says this customer's address changed: the identity moves, it does not fork.
      const newer = customer.profileUpdatedAt === undefined || event.occurredAt >= customer.profileUpdatedAt;
      if (found.byEmail !== undefined && found.byEmail !== customer.id) {
        extraTimeline.push({
          at,
          kind: 'identity_conflict',
          reason: 'new address belongs to another customer',
          otherCustomerId: found.byEmail,
        });
      } else if (newer) {
        releaseEmail = customer.email;
        claimEmail = email;
        customer = { ...customer, email };
        extraTimeline.push({ at, kind: 'email_changed', source: event.source });
        // An address suppressed for a bounce or a complaint stays suppressed whoever takes it on; and if it is
        // not, the change holds only while it is still not (a report of it may be recorded meanwhile).
        const hash = dependencies.hashEmail(email);
        const suppression = await store.findSuppression(hash);
        if (suppression && suppression.reason !== 'erased') {
          if (!customer.suppressed)
            customer = { ...customer, suppressed: { reason: suppression.reason, at: suppression.at } };
        } else {
          addressNotSuppressed = hash;
        }
      }
    }
  }

  // A refund or cancellation that arrived before its order was kept on the order's pointer: fold it in.
  const orders = new Map(stored?.orders ?? []);
  if (context.pointer !== undefined && !orders.has(context.pointer.key))
    orders.set(context.pointer.key, context.pointer);

  const applied: AppliedEvent = applyToCustomer({ customer, orders }, event, {
    now,
    reportingCurrency: config.reportingCurrency,
    rates: config.currencyRates,
    replenishment: replenishmentSettings(config, await dependencies.loadModel()),
    doubleOptIn: config.deliverability.doubleOptIn,
  });
  const newAliases = applied.customer.aliases.filter((a) => !(stored?.customer.aliases ?? []).includes(a));
  if (alias !== undefined && found.byAlias === undefined && !newAliases.includes(alias)) newAliases.push(alias);

  const committed = await commitCustomerChange(dependencies, {
    eventId: event.id,
    before: stored,
    customer: applied.customer,
    timeline: [...applied.timeline, ...extraTimeline],
    orders: applied.orders,
    claimEmail,
    releaseEmail,
    claimAliases: newAliases,
    signal: signalOf(event, orders, applied.orders, config),
    addressNotSuppressed,
    now,
  });
  if (committed.result === 'conflict') return 'conflict';
  if (committed.result === 'duplicate') return { outcome: 'duplicate', customerId: applied.customer.id };
  return {
    outcome: 'recorded',
    customerId: applied.customer.id,
    created: stored === undefined,
    journeysEntered: committed.journeysEntered,
    unconvertedCurrencies: applied.unconvertedCurrencies,
    offersRedeemed: committed.offersRedeemed ?? [],
  };
}

/** Consumption intervals from the configuration first, then learned from rebuys (docs/journeys.md). */
export function replenishmentSettings(
  config: RecordCustomerEventDependencies['config'],
  model: StoreModel | undefined,
): { daysOf: (item: LineItem) => number | undefined; leadDays: number } | undefined {
  const settings = config.journeys.replenishment;
  if (!settings.enabled) return undefined;
  const days = (duration: string) => durationMs(duration) / 86_400_000;
  return {
    leadDays: days(settings.leadTime),
    daysOf: (item) => {
      const byProduct = settings.intervals.find((i) => i.productId === item.productId);
      if (byProduct) return days(byProduct.every);
      const byCategory = settings.intervals.find(
        (i) => i.category !== undefined && item.categories?.includes(i.category),
      );
      if (byCategory) return days(byCategory.every);
      return settings.learn ? model?.products?.[item.productId]?.rebuyDays : undefined;
    },
  };
}

/**
 * The event as journeys see it. A second delivery of an order already placed (orders/paid after
 * orders/create, a status update) is not news: no signal, so no thank-you twice.
 */
function signalOf(
  event: CustomerStateEvent,
  before: ReadonlyMap<string, OrderRecord>,
  written: readonly OrderRecord[],
  config: { readonly reportingCurrency: string; readonly currencyRates: Readonly<Record<string, number>> },
): SignalEvent | undefined {
  switch (event.type) {
    case 'order.placed': {
      const key = orderKey(event.source, event.data.order.id);
      if (before.get(key)?.placedAt !== undefined) return undefined;
      const order = written.find((o) => o.key === key);
      return {
        id: event.id,
        type: event.type,
        context: { eventId: event.id, orderKey: key },
        placedOrder: {
          key,
          placedAt: event.data.order.placedAt,
          value: order ? netValue(order, config.reportingCurrency, config.currencyRates) : undefined,
          discountCodes: order?.discountCodes,
        },
      };
    }
    case 'order.refunded':
    case 'order.cancelled':
      return {
        id: event.id,
        type: event.type,
        context: { eventId: event.id, orderKey: orderKey(event.source, event.data.order.id) },
      };
    case 'checkout.started':
    case 'checkout.updated':
      return {
        id: event.id,
        type: event.type,
        context: { eventId: event.id, checkoutKey: `${event.source}:${event.data.checkout.id}` },
      };
    case 'product.viewed':
    case 'product.stock_requested': {
      const { id, name, url, price } = event.data.product;
      const product = { name, url, price };
      return {
        id: event.id,
        type: event.type,
        context: { eventId: event.id, productId: id, source: event.source, product },
      };
    }
    case 'product.back_in_stock':
    case 'product.price_dropped': {
      const { id, title, url, imageUrl, price, previousPrice } = event.data.product;
      const product = { name: title, url, imageUrl, price, previousPrice };
      return {
        id: event.id,
        type: event.type,
        context: { eventId: event.id, productId: id, source: event.source, product },
      };
    }
    default:
      return { id: event.id, type: event.type, context: { eventId: event.id } };
  }
}

/** An order event with nobody to contact: kept on the order's pointer, for the store's figures. */
async function recordStoreOrder(
  dependencies: RecordCustomerEventDependencies,
  event: CustomerStateEvent,
  key: string,
  pointer: { readonly order?: OrderRecord | undefined; readonly version: number } | undefined,
) {
  let order = pointer?.order ?? emptyOrder(event.source, key.slice(event.source.length + 1));
  switch (event.type) {
    case 'order.placed':
      order = withOrderPlaced(order, event.data.order, event.occurredAt);
      break;
    case 'order.refunded':
      order = withRefund(order, event.data.refund.id, event.data.refund.amount);
      break;
    case 'order.cancelled':
      order = withCancellation(order, event.data.order.cancelledAt);
      break;
    default:
      return 'committed' as const;
  }
  return dependencies.store.commitAnonymousOrder({
    eventId: event.id,
    order,
    expectedVersion: pointer?.version,
    receivedAt: dependencies.clock.now(),
  });
}

function orderKeyOf(event: CustomerStateEvent): string | undefined {
  switch (event.type) {
    case 'order.placed':
    case 'order.refunded':
    case 'order.cancelled':
      return orderKey(event.source, event.data.order.id);
    default:
      return undefined;
  }
}
