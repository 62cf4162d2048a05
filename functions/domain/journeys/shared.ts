import { z } from 'zod';
import { formatMoney } from '../money.js';
import type { OrderRecord } from '../orders.js';
import { CommonTemplateDataSchema, plainText } from '../template-data.js';
import { safeLink, TemplateLinkSchema } from '../web-address.js';
import type { TemplateConfig, TemplateContext, TemplateDataResult } from './journey-module.js';

/*
 * What several journey modules share: parts of their settings, of their definitions, of their templates'
 * contracts, and the builders of their templates' data.
 */

// --- Settings ----------------------------------------------------------------------------------------------

/** Every built-in journey is on unless switched off. */
export const On = z.boolean().default(true);
/** An optional offer a journey's emails mention. */
export const Offer = { discountCode: z.string().min(1).optional(), discountText: z.string().min(1).optional() };

// --- Definitions -------------------------------------------------------------------------------------------

export const ORDER = 'order.placed';
export const PURCHASE_GOAL = { event: ORDER, within: 'P7D' };

// --- Contracts ---------------------------------------------------------------------------------------------

export const Text = z.string().min(1);
/** What was ordered, at most ten lines. */
export const Items = z.array(z.object({ name: Text, quantity: z.number().int().positive() })).max(10);
/** An offer a template may print, inside `{{#if discountCode}}`. */
export const Discount = { discountCode: z.string().optional(), discountText: z.string().optional() };
/** A contract: the data every template receives, and these variables of its own. */
export const withCommon = <T extends z.ZodRawShape>(shape: T) => CommonTemplateDataSchema.extend(shape);

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

/** The contract of an email of news about a product: its name and page, its price now and before. */
export const productNewsContract = withCommon({
  productName: Text,
  productUrl: TemplateLinkSchema,
  price: Text,
  previousPrice: Text,
});

/** The data of an email of news about a product, from the run's event; skipped without the product. */
export function productNewsData(context: TemplateContext): TemplateDataResult {
  const product = context.run.context?.product;
  const name = plainText(product?.name ?? '', 120);
  if (name === '' || product?.price === undefined || product.previousPrice === undefined) return { skip: 'no_product' };
  return {
    data: {
      productName: name,
      productUrl: safeLink(product.url, context.config.storeUrl),
      price: formatMoney(product.price.amount, product.price.currency),
      previousPrice: formatMoney(product.previousPrice.amount, product.previousPrice.currency),
    },
  };
}
