import { describe, expect, it } from 'vitest';
import {
  buildTemplateData,
  type TemplateContext,
  templateProducts,
} from '../../../functions/domain/build-template-data.js';
import type { CatalogueProduct } from '../../../functions/domain/events.js';
import { emptyOrder, withOrderPlaced } from '../../../functions/domain/orders.js';
import { MAX_PRODUCT_CARDS, productCard } from '../../../functions/domain/product-cards.js';
import { productKey } from '../../../functions/domain/product-catalogue.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer, orderRun } from '../../helpers/customers.js';
import { item } from '../../helpers/events.js';

const STORE = { storeUrl: 'https://shop.example.com/', price: 'line' as const };

function product(id: string, overrides: Partial<CatalogueProduct> = {}): CatalogueProduct {
  return {
    id,
    title: `Catalogue ${id}`,
    url: `https://shop.example.com/products/${id}`,
    imageUrl: `https://cdn.example.com/${id}.jpg`,
    price: { amount: 1200, currency: 'EUR' },
    availability: 'in_stock',
    updatedAt: '2026-05-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('a product card', () => {
  it('takes title, page and image from the catalogue, and the price of the line it shows', () => {
    const line = { ...item('tea', 990, 'EUR', 3), name: 'tea (as ordered)' };
    expect(productCard(line, product('tea', { compareAtPrice: { amount: 1500, currency: 'EUR' } }), STORE)).toEqual({
      title: 'Catalogue tea',
      url: 'https://shop.example.com/products/tea',
      imageUrl: 'https://cdn.example.com/tea.jpg',
      price: '€9.90',
      compareAtPrice: '€15.00',
      quantity: 3,
    });
    // Without a line's price (a product to buy again, a recommendation): the catalogue's current price.
    expect(productCard({ productId: 'tea' }, product('tea'), { ...STORE, price: 'catalogue' })?.price).toBe('€12.00');
  });

  it('falls back to the line and the store when the catalogue does not know the product', () => {
    expect(productCard(item('tea', 990, 'EUR', 1), undefined, STORE)).toEqual({
      title: item('tea', 990, 'EUR', 1).name,
      url: 'https://shop.example.com/',
      price: '€9.90',
      quantity: 1,
    });
    expect(productCard({ productId: 'tea' }, undefined, { ...STORE, price: 'catalogue' })).toBeUndefined();
  });

  it('shows a compare-at price only when it is higher, in the same currency', () => {
    const line = item('tea', 1200, 'EUR', 1);
    const lower = product('tea', { compareAtPrice: { amount: 1000, currency: 'EUR' } });
    const other = product('tea', { compareAtPrice: { amount: 9000, currency: 'USD' } });
    expect(productCard(line, lower, STORE)?.compareAtPrice).toBeUndefined();
    expect(productCard(line, other, STORE)?.compareAtPrice).toBeUndefined();
  });

  it('makes a hostile title plain text, bounded, and a link it cannot write the store', () => {
    const hostile = product('tea', {
      title: `<img src=x onerror=alert(1)>"Tea\u202e\u200b ${'very long '.repeat(40)}`,
      url: 'javascript:alert(1)',
      imageUrl: 'https://cdn.example.com/a b"c.jpg',
    });
    const card = productCard(item('tea', 990, 'EUR', 1), hostile, STORE);
    expect(card?.title).not.toMatch(/[<>"\u202e\u200b]/);
    expect(card?.title.startsWith('img src=x onerror=alert(1)Tea very long')).toBe(true);
    expect(card?.title.length).toBeLessThanOrEqual(120);
    expect(card?.url).toBe('https://shop.example.com/');
    expect(card?.imageUrl).toBe('https://cdn.example.com/a%20b%22c.jpg');
    // A catalogue title that is nothing once made safe: the line's name.
    expect(
      productCard({ ...item('tea', 990, 'EUR', 1), name: 'Tea' }, product('tea', { title: '<>' }), STORE)?.title,
    ).toBe('Tea');
  });
});

describe('the product cards of the order and checkout emails', () => {
  const lines = Array.from({ length: MAX_PRODUCT_CARDS + 2 }, (_, i) => item(`p${i}`, 1000 + i, 'USD', 1));
  const order = withOrderPlaced(
    emptyOrder('shopify', 'o1'),
    {
      id: 'o1',
      number: '#1',
      placedAt: '2026-05-01T00:00:00Z',
      total: { amount: 9000, currency: 'USD' },
      lineItems: lines,
    },
    '2026-05-01T00:00:00Z',
  );
  const context: TemplateContext = {
    config: testConfig(),
    customer: {
      ...aCustomer('cus_1', 'ada@example.com'),
      metrics: { orderCount: 1, revenue: { amount: 9000, currency: 'USD' } },
      checkout: {
        key: 'shopify:c1',
        total: { amount: 9000, currency: 'USD' },
        lineItems: lines,
        startedAt: '2026-05-01T00:00:00Z',
        updatedAt: '2026-05-01T00:00:00Z',
        status: 'open',
      },
    },
    orders: new Map([[order.key, order]]),
    run: orderRun(order.key),
    links: {
      unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t',
      keepSubscribedUrl: 'https://api.example.com/unsubscribe?token=t&keep=1',
      npsUrl: (score) => `https://api.example.com/feedback?token=f&score=${score}`,
      confirmUrl: 'https://api.example.com/confirm?token=c',
    },
  };
  const catalogue = new Map([[productKey('shopify', 'p0'), product('p0', { price: { amount: 1, currency: 'USD' } })]]);

  it.each(['thank-you-first', 'thank-you-repeat', 'abandoned-checkout-1', 'abandoned-checkout-2'])(
    '%s names the catalogue products of its lines, and shows at most six, from the catalogue',
    (template) => {
      const refs = templateProducts(template, context);
      expect(refs).toEqual(
        lines.slice(0, MAX_PRODUCT_CARDS).map((line) => ({ source: 'shopify', productId: line.productId })),
      );
      const result = buildTemplateData(template, { ...context, catalogue });
      if ('skip' in result) throw new Error(result.skip);
      const items = result.data.items as Record<string, unknown>[];
      expect(items).toHaveLength(MAX_PRODUCT_CARDS);
      expect(items[0]).toEqual({
        title: 'Catalogue p0',
        name: 'Catalogue p0',
        url: 'https://shop.example.com/products/p0',
        imageUrl: 'https://cdn.example.com/p0.jpg',
        price: '$10.00',
        quantity: 1,
      });
      expect(items[1]).toMatchObject({ title: lines[1]?.name, url: 'https://shop.example.com/', price: '$10.01' });
    },
  );
});
