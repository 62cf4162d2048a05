import { type Customer, withActivity, withConsent, withFacts, withProductView, withRecentEvent } from './customer.js';
import type { CanonicalEvent, CatalogueEvent, EventOfType, LineItem } from './events.js';
import { computeMetrics } from './metrics.js';
import { type ExchangeRates, moneyText } from './money.js';
import { emptyOrder, type OrderRecord, orderKey, withCancellation, withOrderPlaced, withRefund } from './orders.js';
import type { TimelineEntry } from './timeline.js';

/** The events that change one customer's state. Erasure, export and shop erasure are handled apart. */
export type CustomerStateEvent = Exclude<
  CanonicalEvent,
  EventOfType<'customer.erased'> | EventOfType<'customer.data_requested'> | EventOfType<'shop.erased'> | CatalogueEvent
>;

export interface CustomerAggregate {
  readonly customer: Customer;
  /** The customer's orders by key (`<source>:<order id>`), including any recorded before they were known. */
  readonly orders: ReadonlyMap<string, OrderRecord>;
}

export interface ApplyContext {
  readonly now: Date;
  readonly reportingCurrency: string;
  readonly rates: ExchangeRates;
  /** How long a product usually lasts (configured or learned), for replenishment reminders. */
  readonly replenishment?:
    | { readonly daysOf: (item: LineItem) => number | undefined; readonly leadDays: number }
    | undefined;
  /** Sources whose new subscriptions must be confirmed by email (double opt-in). */
  readonly doubleOptIn?: readonly string[] | undefined;
}

export interface AppliedEvent {
  readonly customer: Customer;
  /** Orders to write. */
  readonly orders: readonly OrderRecord[];
  readonly timeline: readonly TimelineEntry[];
  /** Currencies of this event's orders that have no configured exchange rate. */
  readonly unconvertedCurrencies: readonly string[];
}

/**
 * Applies one canonical event to a customer. Pure: every input is a parameter. Deliveries may come in
 * any order; each kind of fact is compared on its own source time so the result does not depend on it.
 */
export function applyToCustomer(
  aggregate: CustomerAggregate,
  event: CustomerStateEvent,
  context: ApplyContext,
): AppliedEvent {
  const now = context.now.toISOString();
  const received: TimelineEntry = {
    at: now,
    kind: 'event_received',
    eventType: event.type,
    eventId: event.id,
    source: event.source,
  };
  let customer = aggregate.customer;
  const timeline: TimelineEntry[] = [received];
  const orders: OrderRecord[] = [];
  const unconverted: string[] = [];

  const consentOptions = { doubleOptIn: context.doubleOptIn?.includes(event.source) };
  const facts = (f: Parameters<typeof withFacts>[1] | undefined) => {
    if (!f) return;
    const applied = withFacts(customer, f, event.source, event.occurredAt, now, consentOptions);
    customer = applied.customer;
    timeline.push(...applied.timeline);
  };
  const recompute = (changed: OrderRecord) => {
    orders.push(changed);
    const all = new Map(aggregate.orders);
    all.set(changed.key, changed);
    const metrics = computeMetrics(all.values(), context.reportingCurrency, context.rates);
    customer = { ...customer, metrics };
  };
  const order = (id: string) => aggregate.orders.get(orderKey(event.source, id)) ?? emptyOrder(event.source, id);

  switch (event.type) {
    case 'customer.signed_up':
    case 'customer.updated':
      facts(event.data.customer);
      break;
    case 'consent.changed': {
      const applied = withConsent(customer, event.data.consent, event.source, event.occurredAt, now, consentOptions);
      customer = applied.customer;
      timeline.push(...applied.timeline);
      break;
    }
    case 'order.placed': {
      facts(event.data.customer);
      const placed = event.data.order;
      const before = order(placed.id);
      recompute(withOrderPlaced(before, placed, event.occurredAt));
      const total = placed.total;
      if (total.currency !== context.reportingCurrency && context.rates[total.currency] === undefined) {
        unconverted.push(total.currency);
      }
      // An order is placed once, however many deliveries (orders/create, orders/paid, redeliveries under
      // new ids) tell of it: the timeline records the first.
      if (before.placedAt === undefined) {
        timeline.push({
          at: now,
          kind: 'order_placed',
          orderKey: orderKey(event.source, placed.id),
          total: moneyText(total.amount, total.currency),
          items: placed.lineItems.reduce((sum, item) => sum + item.quantity, 0),
        });
      }
      customer = withActivity(customer, placed.placedAt);
      const due = context.replenishment
        ? replenishmentDue(placed.lineItems, placed.placedAt, context.replenishment)
        : undefined;
      if (due && (customer.replenishment === undefined || event.occurredAt >= (customer.metrics.lastOrderAt ?? ''))) {
        customer = { ...customer, replenishment: due };
      }
      // An order placed after a checkout started completes it: nothing to remind about.
      if (customer.checkout?.status === 'open' && customer.checkout.startedAt <= placed.placedAt) {
        customer = { ...customer, checkout: { ...customer.checkout, status: 'completed' } };
      }
      break;
    }
    case 'order.refunded': {
      const { refund } = event.data;
      const current = order(event.data.order.id);
      if (current.refunds[refund.id] === undefined) {
        recompute(withRefund(current, refund.id, refund.amount));
        timeline.push({
          at: now,
          kind: 'order_refunded',
          orderKey: current.key,
          refundId: refund.id,
          amount: moneyText(refund.amount.amount, refund.amount.currency),
        });
      }
      break;
    }
    case 'order.cancelled': {
      const current = order(event.data.order.id);
      if (current.cancelledAt === undefined) {
        recompute(withCancellation(current, event.data.order.cancelledAt));
        timeline.push({ at: now, kind: 'order_cancelled', orderKey: current.key });
      }
      break;
    }
    case 'checkout.started':
    case 'checkout.updated': {
      facts(event.data.customer);
      const { checkout } = event.data;
      const key = `${event.source}:${checkout.id}`;
      const held = customer.checkout?.key === key ? customer.checkout : undefined;
      // A checkout completed by an order, or facts older than those held, change nothing.
      if (held?.status !== 'completed' && (held === undefined || event.occurredAt >= held.updatedAt)) {
        const startedAt = held?.startedAt ?? event.occurredAt;
        const newerThanCurrent =
          customer.checkout === undefined || held !== undefined || startedAt >= customer.checkout.startedAt;
        if (newerThanCurrent) {
          // An order placed since it started completed it, also when the order was delivered first.
          const completed = [...aggregate.orders.values()].some(
            (placed) => placed.placedAt !== undefined && placed.placedAt >= startedAt,
          );
          customer = {
            ...customer,
            checkout: {
              key,
              url: checkout.url,
              total: checkout.total,
              lineItems: checkout.lineItems,
              startedAt,
              updatedAt: event.occurredAt,
              status: completed ? 'completed' : 'open',
            },
          };
          timeline.push({ at: now, kind: held ? 'checkout_updated' : 'checkout_started', checkoutKey: key });
        }
      }
      customer = withActivity(customer, event.occurredAt);
      break;
    }
    case 'product.viewed':
      customer = withProductView(customer, event.data.product.id, event.occurredAt);
      break;
  }
  customer = withRecentEvent(customer, { type: event.type, at: event.occurredAt, ref: refOf(event) });
  return { customer: { ...customer, updatedAt: now }, orders, timeline, unconvertedCurrencies: unconverted };
}

/** The consumable of an order the customer will run out of first, and when to remind them. */
function replenishmentDue(
  items: readonly LineItem[],
  placedAt: string,
  replenishment: NonNullable<ApplyContext['replenishment']>,
): { productId: string; dueAt: string } | undefined {
  let best: { productId: string; dueAt: string } | undefined;
  for (const item of items) {
    const days = replenishment.daysOf(item);
    if (days === undefined) continue;
    // A larger quantity lasts longer.
    const lasts = days * Math.max(1, item.quantity);
    const dueAt = new Date(
      Date.parse(placedAt) + Math.max(1, lasts - replenishment.leadDays) * 86_400_000,
    ).toISOString();
    if (best === undefined || dueAt < best.dueAt) best = { productId: item.productId, dueAt };
  }
  return best;
}

/** The product or order an event is about, for conditions such as "viewed this product". */
function refOf(event: CustomerStateEvent): string | undefined {
  switch (event.type) {
    case 'product.viewed':
    case 'product.stock_requested':
    case 'product.back_in_stock':
    case 'product.price_dropped':
      return event.data.product.id;
    case 'order.placed':
    case 'order.refunded':
    case 'order.cancelled':
      return event.data.order.id;
    case 'checkout.started':
    case 'checkout.updated':
      return event.data.checkout.id;
    default:
      return undefined;
  }
}
