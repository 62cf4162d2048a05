import type { CatalogueProduct, SourceName } from './events.js';

/*
 * The product catalogue: what the storefronts say they sell, one entry per product, each change kept only
 * when it is newer by the storefront's own time, so that deliveries out of order or delivered twice change
 * nothing.
 */

/** A product's key in the catalogue: products of different sources never share one. */
export function productKey(source: SourceName, productId: string): string {
  return `${source}:${productId}`;
}

/**
 * One change to the catalogue, at the storefront's time `at` (UTC, in the one ISO form, so that times
 * compare as text): a product's new state, or its deletion, kept as a tombstone so that an older state
 * delivered after it does not bring the product back.
 */
export type CatalogueChange =
  | { readonly kind: 'upsert'; readonly source: SourceName; readonly product: CatalogueProduct; readonly at: string }
  | { readonly kind: 'delete'; readonly source: SourceName; readonly productId: string; readonly at: string };

/** A product's state, at its `updatedAt`. */
export function upsertChange(source: SourceName, product: CatalogueProduct): CatalogueChange {
  return { kind: 'upsert', source, product, at: new Date(product.updatedAt).toISOString() };
}

/** A product's deletion at `deletedAt`. */
export function deleteChange(source: SourceName, productId: string, deletedAt: string): CatalogueChange {
  return { kind: 'delete', source, productId, at: new Date(deletedAt).toISOString() };
}

/**
 * What a kept product change means to the customers interested in it: the product can be bought again, or
 * its price fell by at least `minimumDrop` (a share of the old price, in the same currency). A product back
 * in stock is news of its own even when its price fell too; a price drop of a product that cannot be bought
 * is no news. Nothing without a state to compare with (a product new to the catalogue, or recreated).
 */
export type ProductNews = 'back_in_stock' | 'price_dropped';

export function productNews(
  before: CatalogueProduct | undefined,
  after: CatalogueProduct,
  minimumDrop: number,
): ProductNews | undefined {
  if (before === undefined || after.availability !== 'in_stock') return undefined;
  if (before.availability === 'out_of_stock') return 'back_in_stock';
  const drop = before.price.amount - after.price.amount;
  const sameCurrency = before.price.currency === after.price.currency;
  return sameCurrency && drop > 0 && drop >= before.price.amount * minimumDrop ? 'price_dropped' : undefined;
}
