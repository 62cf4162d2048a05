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

/** A growing column of numbers, in a typed array that doubles when full. */
class Column<A extends Int32Array | Float64Array> {
  length = 0;
  constructor(public values: A) {}

  push(value: number): void {
    if (this.length === this.values.length) {
      const larger = new (this.values.constructor as new (length: number) => A)(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.length++] = value;
  }
}

/** One product's purchases: who (the customer's number) and when, one row per line item. */
interface Purchases {
  readonly customers: Column<Int32Array>;
  readonly times: Column<Float64Array>;
}

/**
 * What the store's orders say about its products: names, how many customers buy each, how often the same
 * customer buys it again (the median interval, from {@link MIN_REBUYS} rebuys), and which products the
 * same customers buy (co-purchase counts, best first). Pure; fed by the daily model job's scan.
 *
 * It keeps 12 bytes per line item (the customer as a number, and the time) and one number per customer,
 * not a map of customers per product: the job reads the whole store, a million customers' orders.
 */
export class ProductInsights {
  /** Each product's last line item seen, for its name and categories (kept as it is: no copy per line item). */
  private readonly names = new Map<
    string,
    { readonly name: string; readonly categories?: readonly string[] | undefined }
  >();
  /** Per product, in the order products were first seen. */
  private readonly purchases = new Map<string, Purchases>();
  /** Each customer's number, in the order customers were first seen. */
  private readonly customerNumbers = new Map<string, number>();

  /** Adds one customer's order. */
  add(customerId: string, order: OrderRecord): void {
    if (!isPurchase(order) || order.placedAt === undefined) return;
    const at = Date.parse(order.placedAt);
    let customer = this.customerNumbers.get(customerId);
    if (customer === undefined) {
      customer = this.customerNumbers.size;
      this.customerNumbers.set(customerId, customer);
    }
    for (const item of order.lineItems) {
      this.names.set(item.productId, item);
      let bought = this.purchases.get(item.productId);
      if (bought === undefined) {
        bought = { customers: new Column(new Int32Array(4)), times: new Column(new Float64Array(4)) };
        this.purchases.set(item.productId, bought);
      }
      bought.customers.push(customer);
      bought.times.push(at);
    }
  }

  result(): Record<string, ProductInsight> {
    const grouped = [...this.purchases.entries()].map(([productId, bought]) => {
      const buyers = new Set<number>();
      for (let row = 0; row < bought.customers.length; row++) buyers.add(bought.customers.values[row] as number);
      return { productId, bought, buyers: buyers.size };
    });
    const top = grouped
      .sort((a, b) => b.buyers - a.buyers)
      .slice(0, MAX_PRODUCTS)
      .map((product) => ({ ...product, rows: byCustomer(product.bought) }));
    // The top products each customer bought, in the order of `top`: at most the first 50 count.
    const productsOf = new Map<number, number[]>();
    top.forEach(({ bought, rows }, rank) => {
      let previous = -1;
      for (const row of rows) {
        const customer = bought.customers.values[row] as number;
        if (customer === previous) continue;
        previous = customer;
        const list = productsOf.get(customer);
        if (list === undefined) productsOf.set(customer, [rank]);
        else list.push(rank);
      }
    });
    const together = new Int32Array(top.length * top.length);
    for (const ranks of productsOf.values()) {
      const list = ranks.slice(0, 50);
      for (const a of list) {
        for (const b of list) if (a !== b) together[a * top.length + b] = (together[a * top.length + b] as number) + 1;
      }
    }
    const insights: Record<string, ProductInsight> = {};
    top.forEach(({ productId, bought, rows, buyers }, rank) => {
      const intervals: number[] = [];
      for (let start = 0; start < rows.length; ) {
        const customer = bought.customers.values[rows[start] as number] as number;
        let end = start;
        while (end < rows.length && bought.customers.values[rows[end] as number] === customer) end++;
        const sorted = Array.from(rows.subarray(start, end), (row) => bought.times.values[row] as number).sort(
          (x, y) => x - y,
        );
        for (let i = 1; i < sorted.length; i++)
          intervals.push(((sorted[i] as number) - (sorted[i - 1] as number)) / 86_400_000);
        start = end;
      }
      const boughtWith = top
        .map((other, otherRank) => ({
          other: other.productId,
          count: together[rank * top.length + otherRank] as number,
        }))
        .filter(({ count }) => count >= MIN_CO_BUYERS)
        .sort((a, b) => b.count - a.count || a.other.localeCompare(b.other))
        .slice(0, MAX_BOUGHT_WITH)
        .map(({ other }) => other);
      const meta = this.names.get(productId);
      insights[productId] = {
        name: meta?.name ?? productId,
        categories: meta?.categories,
        buyers,
        rebuyDays: intervals.length >= MIN_REBUYS ? Math.round(median(intervals) * 10) / 10 : undefined,
        boughtWith: boughtWith.length > 0 ? boughtWith : undefined,
      };
    });
    return insights;
  }
}

/**
 * The rows of a product's purchases grouped by customer, customers in the order they first bought it (as a
 * map keyed by customer iterates them) and each customer's rows in the order added: a stable counting sort.
 */
function byCustomer(bought: Purchases): Int32Array {
  const rows = bought.customers.length;
  const groupOf = new Map<number, number>();
  const group = new Int32Array(rows);
  const sizes: number[] = [];
  for (let row = 0; row < rows; row++) {
    const customer = bought.customers.values[row] as number;
    let g = groupOf.get(customer);
    if (g === undefined) {
      g = sizes.length;
      groupOf.set(customer, g);
      sizes.push(0);
    }
    group[row] = g;
    sizes[g] = (sizes[g] as number) + 1;
  }
  const next = new Int32Array(sizes.length);
  for (let g = 1; g < sizes.length; g++) next[g] = (next[g - 1] as number) + (sizes[g - 1] as number);
  const sorted = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const g = group[row] as number;
    sorted[next[g] as number] = row;
    next[g] = (next[g] as number) + 1;
  }
  return sorted;
}
