import type { ExchangeRates, Money } from './money.js';
import { isPurchase, netValue, type OrderRecord } from './orders.js';

/** How long a customer takes between orders, from their own history (two orders or more). */
export interface PurchaseLatency {
  readonly meanDays: number;
  readonly medianDays: number;
  /** Standard deviation of the intervals; 0 with a single interval. */
  readonly stdDevDays: number;
  /** Spread relative to the mean (stdDev / mean): low for regular buyers, high for irregular ones. */
  readonly variation: number;
  readonly intervals: number;
}

/**
 * What the product knows of a customer's purchases. Recomputed from the customer's orders on every order,
 * refund and cancellation: a pure function of the orders, so it never drifts and arrival order does not
 * matter. Values that move with time alone (days since the last order, P(alive)) are not stored: they are
 * computed when read, from these and the store model (functions/domain/intelligence/assess.ts).
 */
export interface CustomerMetrics {
  readonly orderCount: number;
  /** Net of refunds, in the reporting currency, over the orders that could be converted. Historic CLV. */
  readonly revenue: Money;
  /** Revenue over the orders that could be converted; absent before the first such order. */
  readonly averageOrderValue?: Money | undefined;
  readonly firstOrderAt?: string | undefined;
  readonly lastOrderAt?: string | undefined;
  /** Orders in a currency with no configured exchange rate: counted, but not in revenue. */
  readonly unconvertedOrders?: number | undefined;
  readonly latency?: PurchaseLatency | undefined;
  /** Average net value of the orders after the first. */
  readonly repeatAverageValue?: Money | undefined;
  /**
   * Purchases as the CLV models count them: calendar days (UTC) with at least one order. Several orders on
   * one day are one purchase for the models, as in the published BG/NBD and Gamma-Gamma studies; counts
   * and revenue above keep every order. Absent on metrics computed before it was kept: the models then
   * read `orderCount`, `lastOrderAt` and `repeatAverageValue` until the customer's next order.
   */
  readonly purchaseDays?: number | undefined;
  /** The first order of the last purchase day: a second order that day does not make the customer more recent. */
  readonly lastPurchaseDayAt?: string | undefined;
  /** Average net value of the purchase days after the first, each day's orders together: the spend model's input. */
  readonly repeatDayAverageValue?: Money | undefined;
}

export function emptyMetrics(reportingCurrency: string): CustomerMetrics {
  return { orderCount: 0, revenue: { amount: 0, currency: reportingCurrency } };
}

const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / DAY_MS;
}

export function computeMetrics(
  orders: Iterable<OrderRecord>,
  reportingCurrency: string,
  rates: ExchangeRates,
): CustomerMetrics {
  const purchases = [...orders]
    .filter((order): order is OrderRecord & { placedAt: string } => isPurchase(order) && order.placedAt !== undefined)
    .sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.key.localeCompare(b.key));
  let revenue = 0;
  let converted = 0;
  let unconverted = 0;
  let repeatRevenue = 0;
  let repeatConverted = 0;
  // Purchase days: the day of each order (UTC), the first order of the latest day, and the repeat days' value.
  let purchaseDays = 0;
  let lastPurchaseDayAt: string | undefined;
  let repeatDayRevenue = 0;
  const repeatDaysConverted = new Set<string>();
  purchases.forEach((order, index) => {
    const day = utcDay(order.placedAt);
    if (lastPurchaseDayAt === undefined || utcDay(lastPurchaseDayAt) !== day) {
      purchaseDays++;
      lastPurchaseDayAt = order.placedAt;
    }
    const value = netValue(order, reportingCurrency, rates);
    if (value === undefined) {
      unconverted++;
      return;
    }
    revenue += value.amount;
    converted++;
    if (index > 0) {
      repeatRevenue += value.amount;
      repeatConverted++;
    }
    if (purchaseDays > 1) {
      repeatDayRevenue += value.amount;
      repeatDaysConverted.add(day);
    }
  });
  const money = (amount: number) => ({ amount, currency: reportingCurrency });
  return {
    orderCount: purchases.length,
    revenue: money(revenue),
    averageOrderValue: converted > 0 ? money(Math.round(revenue / converted)) : undefined,
    firstOrderAt: purchases[0]?.placedAt,
    lastOrderAt: purchases.at(-1)?.placedAt,
    unconvertedOrders: unconverted > 0 ? unconverted : undefined,
    latency: latencyOf(purchases.map((order) => order.placedAt)),
    repeatAverageValue: repeatConverted > 0 ? money(Math.round(repeatRevenue / repeatConverted)) : undefined,
    purchaseDays: purchases.length > 0 ? purchaseDays : undefined,
    lastPurchaseDayAt,
    repeatDayAverageValue:
      repeatDaysConverted.size > 0 ? money(Math.round(repeatDayRevenue / repeatDaysConverted.size)) : undefined,
  };
}

/** The calendar day (UTC) of a time, as YYYY-MM-DD, whatever offset the time was written with. */
function utcDay(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(0, 10);
}

/** Interval statistics of sorted order times; undefined below two orders. */
export function latencyOf(times: readonly string[]): PurchaseLatency | undefined {
  if (times.length < 2) return undefined;
  const intervals: number[] = [];
  for (let i = 1; i < times.length; i++) intervals.push(daysBetween(times[i - 1] as string, times[i] as string));
  const mean = intervals.reduce((sum, d) => sum + d, 0) / intervals.length;
  const variance = intervals.reduce((sum, d) => sum + (d - mean) ** 2, 0) / intervals.length;
  const stdDev = Math.sqrt(variance);
  return {
    meanDays: round(mean),
    medianDays: round(median(intervals)),
    stdDevDays: round(stdDev),
    variation: mean > 0 ? round(stdDev / mean) : 0,
    intervals: intervals.length,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Two decimals: metrics are read by people, and stored values must not churn on float noise. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
