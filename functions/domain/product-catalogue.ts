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
