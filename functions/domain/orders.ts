import type { LineItem, Order, SourceName } from './events.js';
import { type ExchangeRates, type Money, toReportingCurrency } from './money.js';

/**
 * One order as the product keeps it: what the storefront said, net of what happened since. Built from
 * `order.placed`, `order.refunded` and `order.cancelled` in any order: each part is kept separately and
 * combined when read, so the result does not depend on the order of arrival.
 */
export interface OrderRecord {
  /** `<source>:<order id>`: one order across every delivery of every topic about it. */
  readonly key: string;
  readonly source: SourceName;
  readonly orderId: string;
  readonly number?: string | undefined;
  /** Unset until the order itself was seen (a refund can arrive first). */
  readonly placedAt?: string | undefined;
  /** In the order's currency. */
  readonly total?: Money | undefined;
  readonly lineItems: readonly LineItem[];
  readonly discountCodes?: readonly string[] | undefined;
  /** Refunds by refund id, in the order's currency: a refund delivered twice counts once. */
  readonly refunds: Readonly<Record<string, Money>>;
  readonly cancelledAt?: string | undefined;
  /** Source time of the newest `order.placed` applied. */
  readonly updatedAt?: string | undefined;
}

export function orderKey(source: SourceName, orderId: string): string {
  return `${source}:${orderId}`;
}

export function emptyOrder(source: SourceName, orderId: string): OrderRecord {
  return { key: orderKey(source, orderId), source, orderId, lineItems: [], refunds: {} };
}

/** Applies an `order.placed`; a newer delivery of the same order replaces the older facts, never the reverse. */
export function withOrderPlaced(current: OrderRecord, order: Order, occurredAt: string): OrderRecord {
  if (current.updatedAt !== undefined && occurredAt < current.updatedAt) {
    return current.placedAt === undefined ? { ...current, ...placedFacts(order) } : current;
  }
  return { ...current, ...placedFacts(order), updatedAt: occurredAt };
}

function placedFacts(order: Order) {
  return {
    number: order.number,
    placedAt: order.placedAt,
    total: order.total,
    lineItems: order.lineItems,
    discountCodes: order.discountCodes,
  };
}

export function withRefund(current: OrderRecord, refundId: string, amount: Money): OrderRecord {
  if (current.refunds[refundId] !== undefined) return current;
  return { ...current, refunds: { ...current.refunds, [refundId]: amount } };
}

export function withCancellation(current: OrderRecord, cancelledAt: string): OrderRecord {
  return current.cancelledAt === undefined ? { ...current, cancelledAt } : current;
}

/** An order counts as a purchase once it was placed and while it is not cancelled. */
export function isPurchase(order: OrderRecord): boolean {
  return order.placedAt !== undefined && order.total !== undefined && order.cancelledAt === undefined;
}

/**
 * What an order is worth in the reporting currency, net of refunds; `undefined` when no exchange rate is
 * configured for one of its currencies (it then counts as an order but stays out of monetary metrics).
 */
export function netValue(order: OrderRecord, reportingCurrency: string, rates: ExchangeRates): Money | undefined {
  if (!isPurchase(order) || order.total === undefined) return undefined;
  const total = toReportingCurrency(order.total, reportingCurrency, rates);
  if (total === undefined) return undefined;
  let refunded = 0;
  for (const refund of Object.values(order.refunds)) {
    const converted = toReportingCurrency(refund, reportingCurrency, rates);
    if (converted === undefined) return undefined;
    refunded += converted.amount;
  }
  return { amount: Math.max(0, total.amount - refunded), currency: reportingCurrency };
}
