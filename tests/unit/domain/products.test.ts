import { describe, expect, it } from 'vitest';
import { MIN_REBUYS, ProductInsights } from '../../../functions/domain/intelligence/products.js';
import type { ProductInsight } from '../../../functions/domain/intelligence/store-model.js';
import { median } from '../../../functions/domain/metrics.js';
import { isPurchase, type OrderRecord } from '../../../functions/domain/orders.js';

const DAY = 86_400_000;

function order(key: string, placedAt: string, products: readonly string[], cancelled = false): OrderRecord {
  return {
    key,
    source: 'generic',
    orderId: key,
    placedAt,
    total: { amount: 1000, currency: 'USD' },
    lineItems: products.map((productId) => ({
      productId,
      name: `Name of ${productId}`,
      quantity: 1,
      unitPrice: { amount: 1000, currency: 'USD' },
    })),
    refunds: {},
    cancelledAt: cancelled ? placedAt : undefined,
  };
}

/**
 * The insights as their definition reads, customer by customer in maps (docs/intelligence.md): what the
 * compact columns of ProductInsights must give, bit for bit.
 */
function byDefinition(orders: readonly { customerId: string; order: OrderRecord }[]): Record<string, ProductInsight> {
  const names = new Map<string, string>();
  const purchases = new Map<string, Map<string, number[]>>();
  for (const { customerId, order: o } of orders) {
    if (!isPurchase(o) || o.placedAt === undefined) continue;
    for (const item of o.lineItems) {
      names.set(item.productId, item.name);
      const byCustomer = purchases.get(item.productId) ?? new Map<string, number[]>();
      byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), Date.parse(o.placedAt)]);
      purchases.set(item.productId, byCustomer);
    }
  }
  const top = [...purchases.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, 500);
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
      for (let i = 1; i < sorted.length; i++) intervals.push(((sorted[i] as number) - (sorted[i - 1] as number)) / DAY);
    }
    const boughtWith = [...(together.get(productId) ?? new Map<string, number>()).entries()]
      .filter(([, count]) => count >= 2)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([other]) => other);
    insights[productId] = {
      name: names.get(productId) ?? productId,
      categories: undefined,
      buyers: byCustomer.size,
      rebuyDays: intervals.length >= MIN_REBUYS ? Math.round(median(intervals) * 10) / 10 : undefined,
      boughtWith: boughtWith.length > 0 ? boughtWith : undefined,
    };
  }
  return insights;
}

describe('product insights', () => {
  it('count buyers, rebuy rhythm and what is bought together, once per customer', () => {
    const insights = new ProductInsights();
    const orders = [
      // Six customers rebuy coffee every 30 days and buy a grinder with it; one cancelled order is no purchase.
      ...Array.from({ length: 6 }, (_, c) => [
        { customerId: `c${c}`, order: order(`a${c}`, '2026-01-01T10:00:00Z', ['coffee', 'grinder']) },
        { customerId: `c${c}`, order: order(`b${c}`, '2026-01-31T10:00:00Z', ['coffee']) },
      ]).flat(),
      { customerId: 'c9', order: order('x', '2026-01-05T10:00:00Z', ['kettle'], true) },
    ];
    for (const { customerId, order: o } of orders) insights.add(customerId, o);
    const result = insights.result();
    expect(result.coffee).toMatchObject({ buyers: 6, rebuyDays: 30, boughtWith: ['grinder'] });
    expect(result.grinder).toMatchObject({ buyers: 6, rebuyDays: undefined, boughtWith: ['coffee'] });
    expect(result.kettle).toBeUndefined();
  });

  it('give what the customer-by-customer definition gives, for a store of many products and repeat buyers', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const orders: { customerId: string; order: OrderRecord }[] = [];
    for (let n = 0; n < 3_000; n++) {
      // Customers' orders arrive interleaved, as pages of parallel scan segments hand them over.
      const customerId = `c${Math.floor(random() * 700)}`;
      const products = Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => `p${Math.floor(random() ** 2 * 640)}`,
      );
      const placedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 400 * DAY)).toISOString();
      orders.push({ customerId, order: order(`o${n}`, placedAt, products, random() < 0.05) });
    }
    const insights = new ProductInsights();
    for (const { customerId, order: o } of orders) insights.add(customerId, o);
    const result = insights.result();
    const expected = byDefinition(orders);
    expect(Object.keys(result)).toEqual(Object.keys(expected));
    expect(result).toEqual(expected);
    // The store has more products than are kept, and the rhythm and co-purchases are there to compare.
    expect(Object.keys(result)).toHaveLength(500);
    expect(Object.values(result).filter((p) => p.rebuyDays !== undefined).length).toBeGreaterThan(10);
    expect(Object.values(result).filter((p) => p.boughtWith !== undefined).length).toBeGreaterThan(10);
  });
});
