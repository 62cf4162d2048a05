import type { Clock } from '../../ports/clock.js';
import type { ProductCatalogue } from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import type { LifecycleConfig } from '../config.js';
import {
  CANONICAL_SCHEMA_VERSION,
  type CatalogueEvent,
  type CatalogueProduct,
  STOREFRONT_EVENT_SOURCE,
} from '../events.js';
import { type ProductNews, productNews } from '../product-catalogue.js';
import type { RecordOutcome } from './record-outcome.js';

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

/**
 * Keeps the product catalogue from a storefront's product events: a product's state, or its deletion.
 * The store keeps a change only when it is newer than the one it holds, so a redelivery or a late, older
 * state (even one of a product deleted since) changes nothing. A kept change that is news (back in stock,
 * or a price drop) is told to each customer interested in the product, one event each on the bus.
 */
export async function keepCatalogue(
  dependencies: KeepCatalogueDependencies,
  event: CatalogueEvent,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  if (event.type === 'product.deleted') {
    return {
      outcome: 'catalogued',
      write: await store.deleteProduct(event.source, event.data.product.id, event.occurredAt),
    };
  }
  const product = event.data.product;
  const result = await store.replaceProduct(event.source, product);
  if (result.write === 'stale') return { outcome: 'catalogued', write: 'stale' };
  const { backInStock, priceDrop } = dependencies.config.journeys;
  const news = productNews(result.replaced, product, priceDrop.minimumDrop);
  const wanted = news === 'back_in_stock' ? backInStock.enabled : news === 'price_dropped' && priceDrop.enabled;
  if (news === undefined || !wanted || result.replaced === undefined)
    return { outcome: 'catalogued', write: 'written' };
  const told = await tellInterested(dependencies, event, news, result.replaced);
  return { outcome: 'catalogued', write: 'written', ...told };
}

/** Publishes the news to every customer interested in the product, page by page, up to the bound. */
async function tellInterested(
  dependencies: KeepCatalogueDependencies,
  event: CatalogueEvent & { type: 'product.upserted' },
  news: ProductNews,
  before: CatalogueProduct,
): Promise<{ told: number; untold: boolean }> {
  const { store, publisher, clock } = dependencies;
  const product = event.data.product;
  const type = news === 'back_in_stock' ? 'product.back_in_stock' : 'product.price_dropped';
  const changedAt = new Date(product.updatedAt).toISOString();
  const now = clock.now();
  let told = 0;
  let resumeAfter: string | undefined;
  do {
    const page = await store.interestedCustomers(event.source, product.id, {
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
          id: `${news}:${event.source}:${product.id}:${changedAt}:${customerId}`,
          source: event.source,
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
