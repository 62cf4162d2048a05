import { describe, expect, it } from 'vitest';
import {
  isConsumable,
  type RecommendationInput,
  recommendProducts,
} from '../../../functions/domain/intelligence/recommendations.js';
import type { ProductInsight } from '../../../functions/domain/intelligence/store-model.js';

const insight = (buyers: number, overrides: Partial<ProductInsight> = {}): ProductInsight => ({
  name: 'a product',
  buyers,
  ...overrides,
});

// The apron is bought with towels and a spoon; the soap is what sells most.
const products: Record<string, ProductInsight> = {
  apron: insight(10, { boughtWith: ['towels', 'spoon'] }),
  towels: insight(6),
  spoon: insight(4),
  soap: insight(40, { categories: ['cleaning'] }),
  pot: insight(20),
  candle: insight(5),
};
const input = (overrides: Partial<RecommendationInput> = {}): RecommendationInput => ({
  basis: ['apron'],
  owned: new Set(['apron']),
  products,
  consumables: { intervals: [], learn: true },
  max: 4,
  ...overrides,
});

describe('recommendations', () => {
  it('puts what is bought together first, then what sells best, never the basis', () => {
    expect(recommendProducts(input())).toEqual(['towels', 'spoon', 'soap', 'pot']);
    expect(recommendProducts(input({ max: 2 }))).toEqual(['towels', 'spoon']);
  });

  it('leaves out what the customer already bought, unless it is a consumable', () => {
    const owned = new Set(['apron', 'towels', 'soap']);
    expect(recommendProducts(input({ owned }))).toEqual(['spoon', 'pot', 'candle']);
    // Soap named by a replenishment interval, by product or by category, or rebought often enough to be learned.
    for (const consumables of [
      { intervals: [{ productId: 'soap' }], learn: false },
      { intervals: [{ category: 'cleaning' }], learn: false },
    ]) {
      expect(recommendProducts(input({ owned, consumables }))).toEqual(['spoon', 'soap', 'pot', 'candle']);
    }
    const learned = { ...products, soap: insight(40, { rebuyDays: 30 }) };
    expect(recommendProducts(input({ owned, products: learned }))).toEqual(['spoon', 'soap', 'pot', 'candle']);
    expect(
      recommendProducts(input({ owned, products: learned, consumables: { intervals: [], learn: false } })),
    ).toEqual(['spoon', 'pot', 'candle']);
  });

  it('keeps only what the catalogue has in stock, and what it does not know', () => {
    const availability = (id: string) => ({ towels: 'out_of_stock', soap: 'in_stock' })[id] as never;
    expect(recommendProducts(input({ availability }))).toEqual(['spoon', 'soap', 'pot', 'candle']);
  });

  it('knows a consumable by its id, its category or its learned rhythm', () => {
    const settings = { intervals: [{ productId: 'beans' }, { category: 'tea' }], learn: false };
    expect(isConsumable('beans', undefined, settings)).toBe(true);
    expect(isConsumable('green', insight(1, { categories: ['tea'] }), settings)).toBe(true);
    expect(isConsumable('mug', insight(1, { rebuyDays: 20 }), settings)).toBe(false);
    expect(isConsumable('mug', insight(1, { rebuyDays: 20 }), { ...settings, learn: true })).toBe(true);
  });
});
