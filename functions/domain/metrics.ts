import type { ExchangeRates, Money } from './money.js';
import { isPurchase, netValue, type OrderRecord } from './orders.js';

/** What the product knows of a customer's purchases. Recomputed from the orders on every order event. */
export interface CustomerMetrics {
  readonly orderCount: number;
  /** Net of refunds, in the reporting currency, over the orders that could be converted. */
  readonly revenue: Money;
  /** Revenue over the orders that could be converted; absent before the first such order. */
  readonly averageOrderValue?: Money | undefined;
  readonly firstOrderAt?: string | undefined;
  readonly lastOrderAt?: string | undefined;
  /** Orders in a currency with no configured exchange rate: counted, but not in revenue. */
  readonly unconvertedOrders?: number | undefined;
}

export function emptyMetrics(reportingCurrency: string): CustomerMetrics {
  return { orderCount: 0, revenue: { amount: 0, currency: reportingCurrency } };
}

export function computeMetrics(
  orders: Iterable<OrderRecord>,
  reportingCurrency: string,
  rates: ExchangeRates,
): CustomerMetrics {
  let orderCount = 0;
  let revenue = 0;
  let converted = 0;
  let unconverted = 0;
  let firstOrderAt: string | undefined;
  let lastOrderAt: string | undefined;
  for (const order of orders) {
    if (!isPurchase(order) || order.placedAt === undefined) continue;
    orderCount++;
    if (firstOrderAt === undefined || order.placedAt < firstOrderAt) firstOrderAt = order.placedAt;
    if (lastOrderAt === undefined || order.placedAt > lastOrderAt) lastOrderAt = order.placedAt;
    const value = netValue(order, reportingCurrency, rates);
    if (value === undefined) {
      unconverted++;
    } else {
      revenue += value.amount;
      converted++;
    }
  }
  return {
    orderCount,
    revenue: { amount: revenue, currency: reportingCurrency },
    averageOrderValue:
      converted > 0 ? { amount: Math.round(revenue / converted), currency: reportingCurrency } : undefined,
    firstOrderAt,
    lastOrderAt,
    unconvertedOrders: unconverted > 0 ? unconverted : undefined,
  };
}
