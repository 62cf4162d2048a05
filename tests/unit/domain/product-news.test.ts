import { describe, expect, it } from 'vitest';
import type { CatalogueProduct } from '../../../functions/domain/events.js';
import { productNews } from '../../../functions/domain/product-catalogue.js';

const product = (overrides: Partial<CatalogueProduct> = {}): CatalogueProduct => ({
  id: 'mug',
  title: 'Mug',
  price: { amount: 2000, currency: 'USD' },
  availability: 'in_stock',
  updatedAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});

describe('what a product change means to the customers interested in it', () => {
  it('back in stock: out of stock before, in stock now', () => {
    expect(productNews(product({ availability: 'out_of_stock' }), product(), 0.1)).toBe('back_in_stock');
    // Also at a lower price: one piece of news, that it can be bought again.
    expect(
      productNews(
        product({ availability: 'out_of_stock' }),
        product({ price: { amount: 1000, currency: 'USD' } }),
        0.1,
      ),
    ).toBe('back_in_stock');
    expect(productNews(product(), product({ availability: 'out_of_stock' }), 0.1)).toBeUndefined();
    expect(productNews(product(), product(), 0.1)).toBeUndefined();
  });

  it('a price drop of at least the share, in the same currency, while it can be bought', () => {
    expect(productNews(product(), product({ price: { amount: 1800, currency: 'USD' } }), 0.1)).toBe('price_dropped');
    expect(productNews(product(), product({ price: { amount: 1801, currency: 'USD' } }), 0.1)).toBeUndefined();
    expect(productNews(product(), product({ price: { amount: 2200, currency: 'USD' } }), 0.1)).toBeUndefined();
    expect(productNews(product(), product({ price: { amount: 1000, currency: 'EUR' } }), 0.1)).toBeUndefined();
    expect(
      productNews(
        product({ availability: 'out_of_stock' }),
        product({ availability: 'out_of_stock', price: { amount: 1000, currency: 'USD' } }),
        0.1,
      ),
    ).toBeUndefined();
  });

  it('nothing without a state to compare with', () => {
    expect(productNews(undefined, product(), 0.1)).toBeUndefined();
  });
});
