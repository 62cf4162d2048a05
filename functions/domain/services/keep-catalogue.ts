import type { ProductCatalogue } from '../../ports/customer-store.js';
import type { CatalogueEvent, InventoryLevel, SourceName } from '../events.js';
import {
  type CatalogueParts,
  composeProduct,
  partsTime,
  withDetails,
  withInventory,
  withPrice,
} from '../product-catalogue.js';
import type { RecordOutcome } from './record-outcome.js';
import { retryOnConflict } from './retry-on-conflict.js';

/**
 * Keeps the product catalogue from a storefront's product events: a product's state, or its deletion.
 * The store keeps a change only when it is newer than the one it holds, so a redelivery or a late, older
 * state (even one of a product deleted since) changes nothing.
 *
 * A product priced apart (Stripe) comes in parts, its details and each of its prices, each kept only
 * when newer than the same part kept: the catalogue product is made again from the parts on every change.
 */
export async function keepCatalogue(
  dependencies: { readonly store: ProductCatalogue },
  event: CatalogueEvent,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  switch (event.type) {
    case 'product.upserted': {
      const product = event.data.product;
      const write = await store.upsertProduct(event.source, product);
      // The links follow the newest state kept: an older state delivered late leaves them as they are.
      const links = event.data.inventoryItems ?? [];
      if (write === 'written' && links.length > 0) {
        await store.keepInventoryLinks(
          event.source,
          links.map((link) => ({ ...link, productId: product.id })),
        );
      }
      return { outcome: 'catalogued', write };
    }
    case 'product.deleted':
      return {
        outcome: 'catalogued',
        write: await store.deleteProduct(event.source, event.data.product.id, event.occurredAt),
      };
    case 'product.details_changed': {
      const details = event.data.product;
      return keepPart(store, event.source, details.id, (parts) => withDetails(parts, details));
    }
    case 'product.price_changed': {
      const price = event.data.price;
      return keepPart(store, event.source, price.productId, (parts) => withPrice(parts, price));
    }
    case 'product.inventory_changed':
      return keepInventory(store, event.source, event.data.inventory);
  }
}

/**
 * One inventory item's stock at one location: kept when newer than the one kept, then the product's
 * availability made again from the item's stock at every location, as of this change. A product state
 * newer than the change (its payload counts the stock too) is left as it is.
 */
async function keepInventory(
  store: ProductCatalogue,
  source: SourceName,
  level: InventoryLevel,
): Promise<RecordOutcome> {
  const link = await store.findInventoryLink(source, level.itemId);
  if (!link) return { outcome: 'catalogued', write: 'unknown' };
  const kept = await store.keepInventoryLevel(source, link.productId, level);
  if (kept === 'stale') return { outcome: 'catalogued', write: 'stale' };
  const product = await store.findProduct(source, link.productId);
  if (!product) return { outcome: 'catalogued', write: 'written' };
  const levels = await store.findInventoryLevels(source, link.productId, level.itemId);
  const stocked = withInventory(product, link, levels, new Date(level.updatedAt).toISOString());
  return { outcome: 'catalogued', write: await store.upsertProduct(source, stocked) };
}

/** Applies one part to a product's kept parts, from a fresh read each time another writer got there first. */
function keepPart(
  store: ProductCatalogue,
  source: SourceName,
  productId: string,
  apply: (parts: CatalogueParts) => CatalogueParts | undefined,
): Promise<RecordOutcome> {
  return retryOnConflict(`the catalogue product ${source}:${productId}`, async () => {
    const kept = await store.findProductParts(source, productId);
    // A deleted product stays deleted: a storefront does not give its id to another product.
    if (kept.deleted) return { outcome: 'catalogued', write: 'stale' } as const;
    const parts = apply(kept.parts);
    if (!parts) return { outcome: 'catalogued', write: 'stale' } as const;
    const at = partsTime(parts) as string;
    const written = await store.writeProductParts(source, productId, {
      expectedVersion: kept.version,
      parts,
      product: composeProduct(parts),
      at,
    });
    return written === 'conflict' ? 'conflict' : ({ outcome: 'catalogued', write: 'written' } as const);
  });
}
