import type { Availability } from '../events.js';
import type { ProductInsight } from './store-model.js';

/**
 * The most candidates a recommendation looks at: the catalogue is read for these, before those out of
 * stock are dropped, so a few sold-out products still leave enough to recommend.
 */
export const MAX_RECOMMENDATION_CANDIDATES = 24;

/** What the replenishment settings say of consumables: products and categories with a known interval. */
export interface ConsumableSettings {
  readonly intervals: readonly { readonly productId?: string | undefined; readonly category?: string | undefined }[];
  /** Learned rhythms count too: a product the store's customers rebuy (`rebuyDays`) is a consumable. */
  readonly learn: boolean;
}

/**
 * Whether a product is used up and bought again: named by the replenishment intervals (by product id or
 * by one of its categories), or, when the journey learns, rebought often enough that the store model
 * knows its rhythm.
 */
export function isConsumable(
  productId: string,
  insight: ProductInsight | undefined,
  settings: ConsumableSettings,
): boolean {
  const categories = new Set(insight?.categories ?? []);
  if (
    settings.intervals.some(
      (i) => i.productId === productId || (i.category !== undefined && categories.has(i.category)),
    )
  )
    return true;
  return settings.learn && insight?.rebuyDays !== undefined;
}

export interface RecommendationInput {
  /** The products the recommendation starts from (the order's), in their order. */
  readonly basis: readonly string[];
  /** Every product the customer bought. */
  readonly owned: ReadonlySet<string>;
  /** The store model's products: co-purchases and buyers. */
  readonly products: Readonly<Record<string, ProductInsight>>;
  readonly consumables: ConsumableSettings;
  /** A product's availability in the catalogue; undefined when the catalogue does not say (it is kept). */
  readonly availability?: ((productId: string) => Availability | undefined) | undefined;
  readonly max: number;
}

/**
 * The products to recommend, best first, at most `max`: those most often bought together with the basis
 * (each basis product's co-purchases in turn, best first), then the store's most bought ones. Never a
 * product of the basis, never one the customer already bought unless it is a consumable, never one the
 * catalogue says is out of stock. Pure.
 */
export function recommendProducts(input: RecommendationInput): string[] {
  const { basis, owned, products, consumables, availability, max } = input;
  const popular = Object.entries(products)
    .sort(([a, x], [b, y]) => y.buyers - x.buyers || a.localeCompare(b))
    .map(([id]) => id);
  const candidates = [...basis.flatMap((id) => products[id]?.boughtWith ?? []), ...popular];
  const chosen: string[] = [];
  for (const id of candidates) {
    if (chosen.length >= max) break;
    if (chosen.includes(id) || basis.includes(id) || products[id] === undefined) continue;
    if (owned.has(id) && !isConsumable(id, products[id], consumables)) continue;
    if (availability?.(id) === 'out_of_stock') continue;
    chosen.push(id);
  }
  return chosen;
}
