import { type SourceName, SourceNameSchema } from '../events.js';
import { formatMoney } from '../money.js';
import { OfferSchema } from '../offers.js';
import type { OrderRecord } from '../orders.js';
import {
  catalogueEntry,
  MAX_PRODUCT_CARDS,
  type ProductCard,
  ProductCardSchema,
  type ProductLine,
  type ProductRef,
  productCard,
} from '../product-cards.js';
import { CommonTemplateDataSchema, plainText } from '../template-data.js';
import { TemplateLinkSchema } from '../web-address.js';
import * as z from '../zod.js';
import type { TemplateConfig, TemplateContext, TemplateDataResult } from './journey-module.js';

/*
 * What several journey modules share: parts of their settings, of their definitions, of their templates'
 * contracts, and the builders of their templates' data.
 */

// --- Settings ----------------------------------------------------------------------------------------------

/** Every built-in journey is on unless switched off. */
export const On = z._default(z.boolean(), true);
/**
 * An optional offer a journey's emails mention: a static `discountCode`, or a single-use `offer` whose
 * codes are issued per send; the static code, if set too, is what a send gets when no code can be issued.
 */
export const Offer = {
  discountCode: z.optional(z.string().check(z.minLength(1))),
  discountText: z.optional(z.string().check(z.minLength(1))),
  offer: z.optional(OfferSchema),
};

// --- Definitions -------------------------------------------------------------------------------------------

export const ORDER = 'order.placed';
export const PURCHASE_GOAL = { event: ORDER, within: 'P7D' };

// --- Contracts ---------------------------------------------------------------------------------------------

export const Text = z.string().check(z.minLength(1));
/** What was ordered, at most ten lines. */
export const Items = z
  .array(z.object({ name: Text, quantity: z.number().check(z.int(), z.positive()) }))
  .check(z.maxLength(10));
/**
 * The lines of an order or a checkout as product cards, at most {@link MAX_PRODUCT_CARDS}: each with its
 * quantity, and with `name` (the same text as `title`) for templates written before the cards.
 */
export const ProductItems = z
  .array(z.extend(ProductCardSchema, { name: Text, price: Text, quantity: z.number().check(z.int(), z.positive()) }))
  .check(z.maxLength(MAX_PRODUCT_CARDS));
/** An offer a template may print, inside `{{#if discountCode}}`. */
export const Discount = { discountCode: z.optional(z.string()), discountText: z.optional(z.string()) };
/** What a single-use offer adds: the last day its code works, and its terms (`{{#if discountExpiry}}`). */
export const SingleUseOffer = { discountExpiry: z.optional(z.string()), discountTerms: z.optional(z.string()) };
/** A contract: the data every template receives, and these variables of its own. */
export const withCommon = <T extends z.core.$ZodShape>(shape: T) => z.extend(CommonTemplateDataSchema, shape);

// --- Data --------------------------------------------------------------------------------------------------

/** The offer of a journey's settings, made safe; a part not configured is left out. */
export function offer(o: { discountCode?: string | undefined; discountText?: string | undefined }): {
  discountCode?: string;
  discountText?: string;
} {
  return {
    ...(o.discountCode ? { discountCode: plainText(o.discountCode) } : {}),
    ...(o.discountText ? { discountText: plainText(o.discountText) } : {}),
  };
}

/** The order that started the run, if it did. */
export function runOrder(context: TemplateContext): OrderRecord | undefined {
  const key = context.run.context?.orderKey;
  return key === undefined ? undefined : context.orders.get(key);
}

/** The customer's latest placed order that was not cancelled. */
export function latestOrder(context: TemplateContext): OrderRecord | undefined {
  return [...context.orders.values()]
    .filter((order) => order.placedAt !== undefined && order.cancelledAt === undefined)
    .sort((a, b) => (b.placedAt ?? '').localeCompare(a.placedAt ?? ''))[0];
}

/** An order's lines for a template, made safe, at most ten. */
export function itemsOf(order: OrderRecord | undefined): { name: string; quantity: number }[] {
  return (order?.lineItems ?? [])
    .slice(0, 10)
    .map((item) => ({ name: plainText(item.name, 120) || 'Item', quantity: item.quantity }));
}

/** The catalogue products of these lines, as {@link lineCards} shows them. */
export function lineRefs(source: SourceName | undefined, lines: readonly ProductLine[] | undefined): ProductRef[] {
  if (source === undefined) return [];
  return (lines ?? []).slice(0, MAX_PRODUCT_CARDS).map((line) => ({ source, productId: line.productId }));
}

/**
 * The lines of an order or a checkout as product cards at the lines' prices, at most {@link MAX_PRODUCT_CARDS}. A line whose name is nothing once made safe, and which the catalogue does not
 * know, is an "Item".
 */
export function lineCards(
  source: SourceName | undefined,
  lines: readonly (ProductLine & { readonly name: string; readonly quantity: number })[] | undefined,
  context: TemplateContext,
): (ProductCard & { name: string; price: string; quantity: number })[] {
  return (lines ?? []).slice(0, MAX_PRODUCT_CARDS).flatMap((line) => {
    const named = { ...line, name: plainText(line.name, 120) || 'Item' };
    const product = source ? catalogueEntry(context.catalogue, { source, productId: line.productId }) : undefined;
    const card = productCard(named, product, { storeUrl: context.config.storeUrl, price: 'line' });
    return card ? [{ ...card, name: card.title, price: card.price ?? '', quantity: line.quantity }] : [];
  });
}

/** The source a checkout came from: its key is `<source>:<checkout id>`. */
export function checkoutSource(key: string): SourceName | undefined {
  const parsed = SourceNameSchema.safeParse(key.split(':', 1)[0]);
  return parsed.success ? parsed.data : undefined;
}

/** What every template says of the store, from the configuration. */
export function storeData(config: TemplateConfig): { storeName: string; storeUrl: string; postalAddress: string } {
  return { storeName: config.storeName, storeUrl: config.storeUrl, postalAddress: config.postalAddress };
}

/** The eleven links of an NPS question, one per score from 0 to 10. */
export function npsLinks(links: TemplateContext['links']): { score: number; url: string }[] {
  return Array.from({ length: 11 }, (_, score) => ({ score, url: links.npsUrl(score) }));
}

/** Where a customer who needs help writes: `supportEmail`, else the sender's address. */
export function supportAddress(config: TemplateConfig): string {
  return config.supportEmail ?? /<([^>]+)>/.exec(config.sender.from)?.[1] ?? config.sender.from;
}

/** The product a run is about (a view, a request, news of it), for the catalogue read of its email. */
export function runProductRef(context: TemplateContext): ProductRef[] {
  const run = context.run.context;
  return run?.source !== undefined && run.productId !== undefined
    ? [{ source: run.source, productId: run.productId }]
    : [];
}

/**
 * The card of the product a run is about. `'catalogue'`: the catalogue's entry when it has one (today's
 * title, image and price), else what the event described; `'as told'`: the product as the news told it,
 * with the earlier price struck through when `previousPrice` (a price drop).
 */
export function runProductCard(
  context: TemplateContext,
  from: 'catalogue' | { readonly asTold: true; readonly previousPrice: boolean },
): ProductCard | undefined {
  const run = context.run.context;
  if (run?.productId === undefined) return undefined;
  const described = run.product;
  const [ref] = runProductRef(context);
  const known = from === 'catalogue' && ref ? catalogueEntry(context.catalogue, ref) : undefined;
  return productCard(
    {
      productId: run.productId,
      name: described?.name ?? context.model?.products?.[run.productId]?.name,
      unitPrice: described?.price,
      url: described?.url,
      imageUrl: described?.imageUrl,
      compareAtPrice: from !== 'catalogue' && from.previousPrice ? described?.previousPrice : undefined,
    },
    known,
    { storeUrl: context.config.storeUrl, price: 'catalogue' },
  );
}

/** The contract of an email of news about a product: its name and page, its price now and before, its card. */
export const productNewsContract = withCommon({
  productName: Text,
  productUrl: TemplateLinkSchema,
  price: Text,
  previousPrice: Text,
  product: z.omit(ProductCardSchema, { quantity: true }),
});

/**
 * The data of an email of news about a product, from the run's event; skipped without the product.
 * `previousPrice`: the card shows the earlier price struck through (a price drop).
 */
export function productNewsData(context: TemplateContext, previousPrice: boolean): TemplateDataResult {
  const product = context.run.context?.product;
  const card = runProductCard(context, { asTold: true, previousPrice });
  if (!card || product?.price === undefined || product.previousPrice === undefined) return { skip: 'no_product' };
  return {
    data: {
      productName: card.title,
      productUrl: card.url,
      price: formatMoney(product.price.amount, product.price.currency),
      previousPrice: formatMoney(product.previousPrice.amount, product.previousPrice.currency),
      product: card,
    },
  };
}
