import type { ProductCatalogue } from '../../ports/customer-store.js';
import type { CatalogueEvent } from '../events.js';
import type { RecordOutcome } from './record-outcome.js';

/**
 * Keeps the product catalogue from a storefront's product events: a product's state, or its deletion.
 * The store keeps a change only when it is newer than the one it holds, so a redelivery or a late, older
 * state (even one of a product deleted since) changes nothing.
 */
export async function keepCatalogue(
  dependencies: { readonly store: ProductCatalogue },
  event: CatalogueEvent,
): Promise<RecordOutcome> {
  const { store } = dependencies;
  const write =
    event.type === 'product.upserted'
      ? await store.upsertProduct(event.source, event.data.product)
      : await store.deleteProduct(event.source, event.data.product.id, event.occurredAt);
  return { outcome: 'catalogued', write };
}
