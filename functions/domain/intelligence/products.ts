import { median } from '../metrics.js';
import { isPurchase, type OrderRecord } from '../orders.js';
import type { ProductInsight } from './store-model.js';

/** Products kept in the store model: the most bought ones. */
export const MAX_PRODUCTS = 500;
/** Rebuys of a product needed before its rhythm is trusted for replenishment reminders. */
export const MIN_REBUYS = 5;
/** Customers who must have bought two products for them to count as "bought together". */
export const MIN_CO_BUYERS = 2;
const MAX_BOUGHT_WITH = 5;

/**
 * What the store's orders say about its products: names, how many customers buy each, how often the same
 * customer buys it again (the median interval, from {@link MIN_REBUYS} rebuys), and which products the
 * same customers buy (co-purchase counts, best first). Pure; fed by the daily model job's scan.
 */
export class ProductInsights {
  private readonly names = new Map<string, { name: string; categories?: readonly string[] | undefined }>();
  private readonly purchases = new Map<string, Map<string, number[]>>();

  /** Adds one customer's order. */
  add(customerId: string, order: OrderRecord): void {
    if (!isPurchase(order) || order.placedAt === undefined) return;
    const at = Date.parse(order.placedAt);
    for (const item of order.lineItems) {
      this.names.set(item.productId, { name: item.name, categories: item.categories });
      const byCustomer = this.purchases.get(item.productId) ?? new Map<string, number[]>();
      byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), at]);
      this.purchases.set(item.productId, byCustomer);
    }
  }

  result(): Record<string, ProductInsight> {
    const top = [...this.purchases.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, MAX_PRODUCTS);
    const kept = new Set(top.map(([id]) => id));
    const productsOf = new Map<string, Set<string>>();
    for (const [productId, byCustomer] of top) {
      for (const customerId of byCustomer.keys())
        productsOf.set(customerId, (productsOf.get(customerId) ?? new Set()).add(productId));
    }
    const together = new Map<string, Map<string, number>>();
    for (const products of productsOf.values()) {
      const list = [...products].slice(0, 50);
      for (const a of list) {
        for (const b of list) {
          if (a === b) continue;
          const counts = together.get(a) ?? new Map<string, number>();
          counts.set(b, (counts.get(b) ?? 0) + 1);
          together.set(a, counts);
        }
      }
    }
    const insights: Record<string, ProductInsight> = {};
    for (const [productId, byCustomer] of top) {
      const intervals: number[] = [];
      for (const times of byCustomer.values()) {
        const sorted = [...times].sort((x, y) => x - y);
        for (let i = 1; i < sorted.length; i++)
          intervals.push(((sorted[i] as number) - (sorted[i - 1] as number)) / 86_400_000);
      }
      const boughtWith = [...(together.get(productId) ?? new Map()).entries()]
        .filter(([other, count]) => count >= MIN_CO_BUYERS && kept.has(other))
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, MAX_BOUGHT_WITH)
        .map(([other]) => other);
      const meta = this.names.get(productId);
      insights[productId] = {
        name: meta?.name ?? productId,
        categories: meta?.categories,
        buyers: byCustomer.size,
        rebuyDays: intervals.length >= MIN_REBUYS ? Math.round(median(intervals) * 10) / 10 : undefined,
        boughtWith: boughtWith.length > 0 ? boughtWith : undefined,
      };
    }
    return insights;
  }
}
