import type { CatalogueProduct, SourceName } from './events.js';
import { formatMoney, type Money } from './money.js';
import { productKey } from './product-catalogue.js';
import { plainText } from './template-data.js';
import { normaliseWebAddress, safeLink, TemplateLinkSchema } from './web-address.js';
import * as z from './zod.js';

/*
 * The product card: how every email that is about products shows one (the items of an order or a checkout,
 * the product to buy again, a recommendation). Built here once, from the catalogue's entry for the product,
 * with what the order or checkout line says where the catalogue does not know it.
 */

/** The most products one email shows: enough for an order or a few picks, short enough to read on a phone. */
export const MAX_PRODUCT_CARDS = 6;
/** The longest title a card shows; the rest of a catalogue title (up to 300 characters) is cut. */
export const MAX_CARD_TITLE = 120;

/** A product the data of an email may show: the catalogue has products by source. */
export interface ProductRef {
  readonly source: SourceName;
  readonly productId: string;
}

/** The catalogue entries a send read, by {@link productKey}; a product the catalogue does not know is absent. */
export type CatalogueView = ReadonlyMap<string, CatalogueProduct>;

/** The catalogue's entry for `ref`, unless unknown (or the catalogue was not read). */
export function catalogueEntry(catalogue: CatalogueView | undefined, ref: ProductRef): CatalogueProduct | undefined {
  return catalogue?.get(productKey(ref.source, ref.productId));
}

const Text = z.string().check(z.minLength(1));

/**
 * A card in template data. `price` and `compareAtPrice` are formatted in the price's currency, as every
 * amount of an email is (formatMoney); `price` is missing only for a recommendation the catalogue does not
 * know; `compareAtPrice` is there only when it is higher than `price`, to be shown struck through; `imageUrl` only when the catalogue has an image; `quantity` only for a line of an
 * order or a checkout.
 */
export const ProductCardSchema = z.object({
  title: Text,
  url: TemplateLinkSchema,
  imageUrl: z.optional(TemplateLinkSchema),
  price: z.optional(Text),
  compareAtPrice: z.optional(Text),
  quantity: z.optional(z.number().check(z.int(), z.positive())),
});
export type ProductCard = z.infer<typeof ProductCardSchema>;

/** What an order or checkout line (or the customer's orders) say of a product, for when the catalogue does not. */
export interface ProductLine {
  readonly productId: string;
  readonly name?: string | undefined;
  readonly unitPrice?: Money | undefined;
  readonly quantity?: number | undefined;
  /** The page, image and earlier price an event described, for a product the catalogue does not know. */
  readonly url?: string | undefined;
  readonly imageUrl?: string | undefined;
  readonly compareAtPrice?: Money | undefined;
}

/**
 * A product's card. The title, page and image come from the catalogue, else what the line (or the event)
 * described, else the store's home page. The price is the line's when `price` is `'line'` (an order or a checkout: what the customer
 * was charged, or is about to be, and what the email's total adds up), else the catalogue's current one,
 * falling back to the line's. Every text is made safe with {@link plainText},
 * every link with {@link safeLink}. Undefined when nothing printable is left of the title.
 */
export function productCard(
  line: ProductLine,
  product: CatalogueProduct | undefined,
  options: { readonly storeUrl: string; readonly price: 'line' | 'catalogue' },
): ProductCard | undefined {
  const title =
    plainText(product?.title ?? line.name ?? '', MAX_CARD_TITLE) || plainText(line.name ?? '', MAX_CARD_TITLE);
  const price = options.price === 'line' ? (line.unitPrice ?? product?.price) : (product?.price ?? line.unitPrice);
  if (!title) return undefined;
  const compareAt = product?.compareAtPrice ?? line.compareAtPrice;
  const image = product?.imageUrl ?? line.imageUrl;
  const imageUrl = image === undefined ? undefined : normaliseWebAddress(image);
  return {
    title,
    url: safeLink(product?.url ?? line.url, options.storeUrl),
    ...(imageUrl ? { imageUrl } : {}),
    ...(price ? { price: formatMoney(price.amount, price.currency) } : {}),
    ...(price && compareAt && compareAt.currency === price.currency && compareAt.amount > price.amount
      ? { compareAtPrice: formatMoney(compareAt.amount, compareAt.currency) }
      : {}),
    ...(line.quantity !== undefined ? { quantity: line.quantity } : {}),
  };
}

/** The products `refs` name, grouped by source: what a send reads of the catalogue, one call per source. */
export function refsBySource(refs: readonly ProductRef[]): Map<SourceName, string[]> {
  const bySource = new Map<SourceName, string[]>();
  for (const ref of refs) {
    const ids = bySource.get(ref.source) ?? [];
    if (!ids.includes(ref.productId)) ids.push(ref.productId);
    bySource.set(ref.source, ids);
  }
  return bySource;
}
