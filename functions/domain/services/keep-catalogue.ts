import type { Clock } from '../../ports/clock.js';
import type { ProductCatalogue } from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import type { LifecycleConfig } from '../config.js';
import {
  CANONICAL_SCHEMA_VERSION,
  type CatalogueEvent,
  type CatalogueProduct,
  type InventoryLevel,
  type SourceName,
  STOREFRONT_EVENT_SOURCE,
} from '../events.js';
import {
  type CatalogueParts,
  composeProduct,
  type ProductNews,
  partsTime,
  productNews,
  withDetails,
  withInventory,
  withPrice,
} from '../product-catalogue.js';
import type { RecordOutcome } from './record-outcome.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** Customers read per page of a product's interest items. */
const INTEREST_PAGE = 100;
/**
 * The most customers told of one product change. Beyond it the rest are not told of this change (the
 * outcome says so, and the handler logs it): one change must not hold the customer function for long.
 */
export const MAX_TOLD_PER_CHANGE = 5_000;

export interface KeepCatalogueDependencies {
  readonly store: ProductCatalogue;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly config: Pick<LifecycleConfig, 'journeys'>;
}

/** A product state kept, and the state it replaced (none for a product new to the catalogue). */
interface Replacement {
  readonly before: CatalogueProduct | undefined;
  readonly after: CatalogueProduct;
}

/**
 * Keeps the product catalogue from a storefront's product events: a product's state, or its deletion.
 * The store keeps a change only when it is newer than the one it holds, so a redelivery or a late, older
 * state (even one of a product deleted since) changes nothing.
 *
 * A product priced apart (Stripe) comes in parts, its details and each of its prices, each kept only
 * when newer than the same part kept: the catalogue product is made again from the parts on every change.
 *
 * A kept change that is news (back in stock, or a price drop), whichever way it came (a product payload,
 * a part, a stock level), is told to each customer interested in the product, one event each on the bus.
 */
export async function keepCatalogue(
  dependencies: KeepCatalogueDependencies,
  event: CatalogueEvent,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  switch (event.type) {
    case 'product.upserted': {
      const product = event.data.product;
      const result = await store.replaceProduct(event.source, product);
      if (result.write === 'stale') return { outcome: 'catalogued', write: 'stale' };
      // The links follow the newest state kept: an older state delivered late leaves them as they are.
      const links = event.data.inventoryItems ?? [];
      if (links.length > 0) {
        await store.keepInventoryLinks(
          event.source,
          links.map((link) => ({ ...link, productId: product.id })),
        );
      }
      return tell(dependencies, event.source, { before: result.replaced, after: product });
    }
    case 'product.deleted':
      return {
        outcome: 'catalogued',
        write: await store.deleteProduct(event.source, event.data.product.id, event.occurredAt),
      };
    case 'product.details_changed': {
      const details = event.data.product;
      return keepPart(dependencies, event.source, details.id, (parts) => withDetails(parts, details));
    }
    case 'product.price_changed': {
      const price = event.data.price;
      return keepPart(dependencies, event.source, price.productId, (parts) => withPrice(parts, price));
    }
    case 'product.inventory_changed':
      return keepInventory(dependencies, event.source, event.data.inventory);
  }
}

/**
 * One inventory item's stock at one location: kept when newer than the one kept, then the product's
 * availability made again from the item's stock at every location, as of this change. A product state
 * newer than the change (its payload counts the stock too) is left as it is.
 */
async function keepInventory(
  dependencies: KeepCatalogueDependencies,
  source: SourceName,
  level: InventoryLevel,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  const link = await store.findInventoryLink(source, level.itemId);
  if (!link) return { outcome: 'catalogued', write: 'unknown' };
  const kept = await store.keepInventoryLevel(source, link.productId, level);
  if (kept === 'stale') return { outcome: 'catalogued', write: 'stale' };
  const product = await store.findProduct(source, link.productId);
  if (!product) return { outcome: 'catalogued', write: 'written' };
  const levels = await store.findInventoryLevels(source, link.productId, level.itemId);
  const stocked = withInventory(product, link, levels, new Date(level.updatedAt).toISOString());
  const result = await store.replaceProduct(source, stocked);
  if (result.write === 'stale') return { outcome: 'catalogued', write: 'stale' };
  return tell(dependencies, source, { before: result.replaced, after: stocked });
}

/** Applies one part to a product's kept parts, from a fresh read each time another writer got there first. */
async function keepPart(
  dependencies: KeepCatalogueDependencies,
  source: SourceName,
  productId: string,
  apply: (parts: CatalogueParts) => CatalogueParts | undefined,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  const kept = await retryOnConflict(`the catalogue product ${source}:${productId}`, async () => {
    const read = await store.findProductParts(source, productId);
    // A deleted product stays deleted: a storefront does not give its id to another product.
    if (read.deleted) return 'stale' as const;
    const parts = apply(read.parts);
    if (!parts) return 'stale' as const;
    const after = composeProduct(parts);
    const written = await store.writeProductParts(source, productId, {
      expectedVersion: read.version,
      parts,
      product: after,
      at: partsTime(parts) as string,
    });
    // The write was conditional on the version read: what the parts made before is what it replaced.
    return written === 'conflict' ? 'conflict' : { before: composeProduct(read.parts), after };
  });
  if (kept === 'stale') return { outcome: 'catalogued', write: 'stale' };
  if (kept.after === undefined) return { outcome: 'catalogued', write: 'written' };
  return tell(dependencies, source, { before: kept.before, after: kept.after });
}

/** A kept change: told to those interested when it is news and its journey is on. */
async function tell(
  dependencies: KeepCatalogueDependencies,
  source: SourceName,
  change: Replacement,
): Promise<RecordOutcome> {
  const { backInStock, priceDrop } = dependencies.config.journeys;
  const { before, after } = change;
  const news = productNews(before, after, priceDrop.minimumDrop);
  const wanted = news === 'back_in_stock' ? backInStock.enabled : news === 'price_dropped' && priceDrop.enabled;
  if (news === undefined || !wanted || before === undefined) return { outcome: 'catalogued', write: 'written' };
  const told = await tellInterested(dependencies, source, news, change.after, before);
  return { outcome: 'catalogued', write: 'written', ...told };
}

/** Publishes the news to every customer interested in the product, page by page, up to the bound. */
async function tellInterested(
  dependencies: KeepCatalogueDependencies,
  source: SourceName,
  news: ProductNews,
  product: CatalogueProduct,
  before: CatalogueProduct,
): Promise<{ told: number; untold: boolean }> {
  const { store, publisher, clock } = dependencies;
  const type = news === 'back_in_stock' ? 'product.back_in_stock' : 'product.price_dropped';
  const changedAt = new Date(product.updatedAt).toISOString();
  const now = clock.now();
  let told = 0;
  let resumeAfter: string | undefined;
  do {
    const page = await store.interestedCustomers(source, product.id, {
      now,
      limit: Math.min(INTEREST_PAGE, MAX_TOLD_PER_CHANGE - told),
      resumeAfter,
    });
    await publisher.publish(
      page.customerIds.map((customerId) => ({
        source: STOREFRONT_EVENT_SOURCE,
        detailType: type,
        time: now,
        detail: {
          schemaVersion: CANONICAL_SCHEMA_VERSION,
          // The same change told twice (a redelivered publish) is one event per customer.
          id: `${news}:${source}:${product.id}:${changedAt}:${customerId}`,
          source,
          type,
          occurredAt: now.toISOString(),
          data: {
            customer: { customerId },
            product: {
              id: product.id,
              title: product.title,
              url: product.url,
              imageUrl: product.imageUrl,
              price: product.price,
              previousPrice: before.price,
            },
          },
        },
      })),
    );
    told += page.customerIds.length;
    resumeAfter = page.resumeAfter;
  } while (resumeAfter !== undefined && told < MAX_TOLD_PER_CHANGE);
  return { told, untold: resumeAfter !== undefined };
}
