import {
  type Availability,
  type CatalogueProduct,
  type InventoryItemLink,
  type InventoryLevel,
  MAX_PRODUCT_VARIANTS,
  type ProductDetails,
  type ProductPrice,
  type SourceName,
} from './events.js';

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

/*
 * A product priced apart from it (Stripe): its details and each of its prices change in events of their
 * own, each ordered by its own time, so that a late price event cannot undo a newer state of the product,
 * nor a late product event a newer price. The catalogue product is made from the newest of each.
 */

/** What is kept of a product priced apart: its details (once known) and its prices by id. */
export interface CatalogueParts {
  readonly details?: ProductDetails;
  readonly prices: Readonly<Record<string, ProductPrice>>;
}

export const NO_PARTS: CatalogueParts = { prices: {} };

/** The most prices kept of one product: the newest. */
export const MAX_KEPT_PRICES = MAX_PRODUCT_VARIANTS;

/** The parts with these details, or undefined when the kept details are as new or newer. */
export function withDetails(parts: CatalogueParts, details: ProductDetails): CatalogueParts | undefined {
  const kept = parts.details;
  if (kept && iso(kept.updatedAt) >= iso(details.updatedAt)) return undefined;
  return { ...parts, details };
}

/** The parts with this price, or undefined when the kept state of that price is as new or newer. */
export function withPrice(parts: CatalogueParts, price: ProductPrice): CatalogueParts | undefined {
  const kept = parts.prices[price.id];
  if (kept && iso(kept.changedAt) >= iso(price.changedAt)) return undefined;
  const prices = Object.values({ ...parts.prices, [price.id]: price })
    .sort((a, b) => (iso(b.changedAt) < iso(a.changedAt) ? -1 : 1))
    .slice(0, MAX_KEPT_PRICES);
  return { ...parts, prices: Object.fromEntries(prices.map((each) => [each.id, each])) };
}

/** The newest time of any part: the time of the catalogue product made from them. */
export function partsTime(parts: CatalogueParts): string | undefined {
  const times = [parts.details?.updatedAt, ...Object.values(parts.prices).map((price) => price.changedAt)]
    .filter((time): time is string => time !== undefined)
    .map(iso)
    .sort();
  return times.at(-1);
}

/**
 * The catalogue product the parts make, or undefined while they make none (no details yet, or no price
 * with an amount). Its price is the default price when that has an amount and is not deleted; otherwise
 * the lowest active one-time price, else the lowest active one. It can be bought while the product is
 * active and that price is active.
 */
export function composeProduct(parts: CatalogueParts): CatalogueProduct | undefined {
  const details = parts.details;
  const updatedAt = partsTime(parts);
  if (!details || !updatedAt) return undefined;
  const priced = Object.values(parts.prices).filter((price) => price.amount !== undefined && !price.deleted);
  const lowest = (candidates: readonly ProductPrice[]) =>
    candidates.reduce<ProductPrice | undefined>(
      (low, next) => (low === undefined || (next.amount?.amount ?? 0) < (low.amount?.amount ?? 0) ? next : low),
      undefined,
    );
  const active = priced.filter((price) => price.active);
  const chosen =
    priced.find((price) => price.id === details.defaultPriceId) ??
    lowest(active.filter((price) => !price.recurring)) ??
    lowest(active);
  if (!chosen?.amount) return undefined;
  const product: CatalogueProduct = {
    id: details.id,
    title: details.title,
    price: chosen.amount,
    availability: details.active && chosen.active ? 'in_stock' : 'out_of_stock',
    updatedAt,
  };
  return {
    ...product,
    ...(details.url ? { url: details.url } : {}),
    ...(details.imageUrl ? { imageUrl: details.imageUrl } : {}),
    ...(details.categories ? { categories: details.categories } : {}),
  };
}

function iso(time: string): string {
  return new Date(time).toISOString();
}

/*
 * Stock per inventory item and location (Shopify): an inventory change names an item, not a product. The
 * item's link, kept from the product's payloads, finds the product and variant.
 */

/** An inventory item's link to its product, as kept. */
export interface KeptInventoryLink extends InventoryItemLink {
  readonly productId: string;
}

/**
 * The product as the stock of one of its items makes it, as of `at`: the item's variant can be bought
 * when it sells without stock, or any location has some available (> 0, or stock not tracked there); the
 * product when any of its variants can, and only while it is for sale.
 */
export function withInventory(
  product: CatalogueProduct,
  link: KeptInventoryLink,
  levels: readonly InventoryLevel[],
  at: string,
): CatalogueProduct {
  const stocked = levels.some((level) => level.available === undefined || level.available > 0);
  const variantAvailability: Availability =
    link.forSale && (link.alwaysAvailable || stocked) ? 'in_stock' : 'out_of_stock';
  const variants = product.variants?.map((variant) =>
    variant.id === link.variantId ? { ...variant, availability: variantAvailability } : variant,
  );
  const others = (variants ?? []).filter((variant) => variant.id !== link.variantId);
  const available =
    variantAvailability === 'in_stock' ||
    (link.forSale && others.some((variant) => variant.availability === 'in_stock'));
  return {
    ...product,
    ...(variants ? { variants } : {}),
    availability: available ? 'in_stock' : 'out_of_stock',
    updatedAt: at,
  };
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
