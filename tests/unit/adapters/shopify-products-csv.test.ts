import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readShopifyOrdersCsv } from '../../../functions/adapters/backfill/shopify-orders-csv.js';
import {
  readShopifyProductsCsv,
  type ShopifyProductsCsvItem,
} from '../../../functions/adapters/backfill/shopify-products-csv.js';
import type { CatalogueProduct } from '../../../functions/domain/events.js';

const EXPORT = readFileSync('examples/shopify-products-export.csv', 'utf8');
const OPTIONS = { currency: 'USD', storeUrl: 'https://shop.example.com', updatedAt: '2026-05-20T14:00:00.000Z' };

async function read(text: string, options = OPTIONS) {
  const items: ShopifyProductsCsvItem[] = [];
  for await (const item of readShopifyProductsCsv([text], options)) items.push(item);
  const products: CatalogueProduct[] = [];
  const rejected: { line: number; reason: string }[] = [];
  for (const item of items) {
    if (item.kind === 'rejected') rejected.push({ line: item.line, reason: item.reason });
    else if (item.event.type === 'product.upserted') products.push(item.event.data.product);
  }
  return { items, products, rejected };
}

function product(products: readonly CatalogueProduct[], id: string): CatalogueProduct {
  const found = products.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no product ${id}`);
  return found;
}

const HEADER =
  'Handle,Title,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Price,Variant Compare At Price,Image Src,Image Position,Variant Image,Status';

describe('the Shopify products export as catalogue products', () => {
  it('gives one product per variant, titled and keyed as the orders export names its line items', async () => {
    const { products, rejected } = await read(EXPORT);
    expect(rejected).toEqual([]);
    expect(products).toHaveLength(12);
    expect(product(products, 'BEANIE-CHR')).toEqual({
      id: 'BEANIE-CHR',
      title: 'Merino Beanie - Charcoal',
      url: 'https://shop.example.com/products/merino-beanie',
      imageUrl: 'https://cdn.shopify.com/s/files/1/0000/0001/products/beanie-charcoal.jpg',
      price: { amount: 4500, currency: 'USD' },
      compareAtPrice: { amount: 5500, currency: 'USD' },
      availability: 'in_stock',
      categories: ['Hats', 'merino', 'winter'],
      updatedAt: '2026-05-20T14:00:00.000Z',
    });
    // The second variant, on a later row: its own option value, price and stock (none left, sales stop).
    expect(product(products, 'BEANIE-MOS')).toMatchObject({
      title: 'Merino Beanie - Moss',
      availability: 'out_of_stock',
    });
    // A product without variants ("Default Title") is named by its title alone.
    expect(product(products, 'SCARF-CSH').title).toBe('Cashmere Blend Scarf');
    // A variant without a SKU is keyed by its title: what the orders export writes as its Lineitem name.
    expect(product(products, 'Gift Card')).toMatchObject({ title: 'Gift Card', price: { amount: 2500 } });

    // Every line item of the orders export finds its product in the catalogue.
    const skus = new Set<string>();
    for await (const item of readShopifyOrdersCsv([readFileSync('examples/shopify-orders-export.csv', 'utf8')])) {
      if (item.kind === 'event' && item.event.type === 'order.placed') {
        for (const line of item.event.data.order.lineItems) skus.add(line.productId);
      }
    }
    expect([...skus].filter((id) => !products.some((candidate) => candidate.id === id))).toEqual([]);
  });

  it('leaves a draft or unpublished product without a page and out of stock', async () => {
    const { products } = await read(EXPORT);
    const draft = product(products, 'CARD-MOS');
    expect(draft.url).toBeUndefined();
    expect(draft.availability).toBe('out_of_stock');

    const unpublished = await read(
      [HEADER, 'hidden-hat,Hidden Hat,Hats,,false,Title,Default Title,HAT-1,,,deny,20.00,,,,,active'].join('\n'),
    );
    expect(unpublished.products[0]).toMatchObject({ id: 'HAT-1', availability: 'in_stock' });
    expect(unpublished.products[0]?.url).toBeUndefined();
  });

  it('keeps untracked inventory and sell-on-at-zero variants in stock', async () => {
    const { products } = await read(EXPORT);
    expect(product(products, 'SCARF-CSH').availability).toBe('in_stock');
    expect(product(products, 'WASH-100').availability).toBe('in_stock');
    expect(product(products, 'SOCK-PLN').availability).toBe('in_stock');
  });

  it("takes the product's first image from a later row when the variant has none", async () => {
    const { products, rejected } = await read(
      [
        HEADER,
        'mug,Mug,Kitchen,,true,Size,Small,MUG-S,shopify,2,deny,18.00,12.00,,,,active',
        'mug,,,,,,Large,MUG-L,shopify,5,deny,24.00,,,,https://cdn.example.com/mug-large.jpg,',
        'mug,,,,,,,,,,,,,https://cdn.example.com/mug.jpg,1,,',
        'mug,,,,,,,,,,,,,https://cdn.example.com/mug-2.jpg,2,,',
      ].join('\r\n'),
    );
    expect(rejected).toEqual([]);
    expect(products.map((found) => [found.id, found.title, found.imageUrl])).toEqual([
      ['MUG-S', 'Mug - Small', 'https://cdn.example.com/mug.jpg'],
      ['MUG-L', 'Mug - Large', 'https://cdn.example.com/mug-large.jpg'],
    ]);
    // A compare-at price that is not higher is no reduction.
    expect(products[0]?.compareAtPrice).toBeUndefined();
  });

  it('rejects a bad row by its line and column, never its value, and keeps the rest', async () => {
    const { products, rejected } = await read(
      [
        HEADER,
        'mug,Mug,Kitchen,,true,Size,Small,MUG-S,shopify,2,deny,18.00,,,,,active',
        'mug,,,,,,Large,MUG-L,shopify,5,deny,"24,00",,,,,',
        ',,,,,,,,,,,,,,,,',
        'cup,,Kitchen,,true,Title,Default Title,CUP,,,deny,9.00,,,,,active',
        'bowl,Bowl,Kitchen,,true,Title,Default Title,MUG-S,,,deny,9.00,,,,,active',
        'plate,Plate,Kitchen,,true,Title,Default Title,PLATE,,,deny,9.00,,,,javascript:alert(1),active',
      ].join('\n'),
    );
    expect(products.map((found) => found.id)).toEqual(['MUG-S']);
    expect(rejected).toEqual([
      { line: 3, reason: 'Variant Price is not a decimal amount' },
      { line: 5, reason: 'Title is empty' },
      { line: 6, reason: 'the same Variant SKU (or title) already appears on line 2' },
      { line: 7, reason: expect.stringMatching(/^Variant Image: /) },
    ]);
    expect(JSON.stringify(rejected)).not.toContain('javascript');
  });

  it('refuses a file that is not a products export, by its header', async () => {
    const { products, rejected } = await read(readFileSync('examples/shopify-orders-export.csv', 'utf8'));
    expect(products).toEqual([]);
    expect(rejected).toEqual([
      { line: 1, reason: 'the header has no Handle, Title, Variant Price column: not a Shopify products export' },
    ]);
  });
});
