import type { ProductCatalogue } from '../../ports/customer-store.js';
import type { CatalogueProduct } from '../events.js';
import { type CatalogueView, type ProductRef, refsBySource } from '../product-cards.js';
import { productKey } from '../product-catalogue.js';

/**
 * The catalogue's entries for the products an email may show, read in one call per source (an email's
 * products are almost always of one): a send and a preview read them so before they build the data.
 */
export async function readCatalogue(
  store: Pick<ProductCatalogue, 'findProducts'>,
  refs: readonly ProductRef[],
): Promise<CatalogueView> {
  const view = new Map<string, CatalogueProduct>();
  for (const [source, ids] of refsBySource(refs)) {
    for (const product of await store.findProducts(source, ids)) view.set(productKey(source, product.id), product);
  }
  return view;
}
