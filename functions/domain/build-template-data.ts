import type { z } from 'zod';
import type { LifecycleConfig } from './config.js';
import type { Customer } from './customer.js';
import { durationMs } from './duration.js';
import type { StoreModel } from './intelligence/store-model.js';
import type { Enrollment } from './journeys/enrollment.js';
import { formatMoney } from './money.js';
import type { OrderRecord } from './orders.js';
import {
  type CommonTemplateData,
  CommonTemplateDataSchema,
  isKnownTemplate,
  plainText,
  TEMPLATE_CONTRACTS,
} from './template-data.js';
import { safeLink } from './web-address.js';

/*
 * The template data of a send (and of a preview), built from the configuration, the customer and the run,
 * and checked against the template's contract (template-data.ts). Apart from the contracts so that journey
 * definitions can check their template names without depending on the configuration.
 */

/** Everything the template data of a send may draw on. */
export interface TemplateContext {
  readonly config: LifecycleConfig;
  readonly customer: Customer;
  readonly orders: ReadonlyMap<string, OrderRecord>;
  readonly run: Enrollment;
  readonly model?: StoreModel | undefined;
  readonly links: {
    readonly unsubscribeUrl: string;
    /** A page where one click keeps the person subscribed (re-engagement). */
    readonly keepSubscribedUrl: string;
    /** The link recording an NPS answer of `score`. */
    readonly npsUrl: (score: number) => string;
    /** Double opt-in: the page where the person confirms the subscription (the link expires). */
    readonly confirmUrl: string;
  };
}

/** The data of a send, or why there is nothing worth sending (no product to recommend, say). */
export type TemplateDataResult = { readonly data: Record<string, unknown> } | { readonly skip: string };

/**
 * Builds the TemplateData of a send from the customer, the run and the store, and checks it against
 * the template's contract. Every text from a customer or a storefront is made safe with {@link plainText}.
 */
export function buildTemplateData(template: string, context: TemplateContext): TemplateDataResult {
  const { config, customer } = context;
  const common: CommonTemplateData = {
    firstName: plainText(customer.firstName ?? '', 50),
    ...storeData(config),
    unsubscribeUrl: context.links.unsubscribeUrl,
  };
  const specific = specificData(template, context);
  if ('skip' in specific) return specific;
  const contract: z.ZodType = isKnownTemplate(template) ? TEMPLATE_CONTRACTS[template] : CommonTemplateDataSchema;
  return { data: contract.parse({ ...common, ...specific.data }) as Record<string, unknown> };
}

function specificData(template: string, context: TemplateContext): TemplateDataResult {
  const { config, customer } = context;
  const j = config.journeys;
  const offer = (o: { discountCode?: string | undefined; discountText?: string | undefined }) => ({
    ...(o.discountCode ? { discountCode: plainText(o.discountCode) } : {}),
    ...(o.discountText ? { discountText: plainText(o.discountText) } : {}),
  });
  switch (template) {
    case 'welcome-3':
      return { data: offer(j.welcomeSeries) };
    case 'thank-you-first':
    case 'thank-you-repeat': {
      const order = runOrder(context);
      return {
        data: {
          orderNumber: plainText(order?.number ?? order?.orderId ?? ''),
          items: itemsOf(order),
          ...(template === 'thank-you-repeat' ? { orderCount: Math.max(1, customer.metrics.orderCount) } : {}),
        },
      };
    }
    case 'repeat-incentive':
      return {
        data: {
          discountCode: plainText(j.repeatIncentive.discountCode),
          discountText: plainText(j.repeatIncentive.discountText),
          validDays: j.repeatIncentive.validDays,
        },
      };
    case 'review-request':
      return {
        data: {
          reviewUrl: safeLink(j.reviewRequest.reviewUrl, config.storeUrl),
          items: itemsOf(runOrder(context) ?? latestOrder(context)),
        },
      };
    case 'referral-request':
      return {
        data: {
          referralUrl: safeLink(j.reviewRequest.referralUrl, config.storeUrl),
          referralReward: plainText(j.reviewRequest.referralReward),
        },
      };
    case 'nps-survey':
      return { data: { npsLinks: npsLinks(context.links) } };
    case 'support-follow-up':
      return { data: { supportEmail: supportAddress(config) } };
    case 'replenishment-reminder': {
      const productId = customer.replenishment?.productId;
      const product = productId ? context.model?.products?.[productId] : undefined;
      const name = plainText(product?.name ?? (productId ? productName(context, productId) : undefined) ?? '', 120);
      // A name that is nothing once made safe (empty, spaces, markup only) cannot be written in an email.
      if (!name) return { skip: 'no_product' };
      return { data: { productName: name, reorderUrl: safeLink(product?.url, config.storeUrl) } };
    }
    case 'cross-sell': {
      const order = runOrder(context) ?? latestOrder(context);
      const owned = new Set([...context.orders.values()].flatMap((o) => o.lineItems.map((item) => item.productId)));
      const products = context.model?.products ?? {};
      // Names that are nothing once made safe (empty, spaces, markup only) cannot be written in an email.
      const basedOn = order?.lineItems.find(
        (item) =>
          plainText(item.name, 120) !== '' && (products[item.productId]?.boughtWith ?? []).some((id) => !owned.has(id)),
      );
      if (!basedOn) return { skip: 'nothing_to_recommend' };
      const recommendations = (products[basedOn.productId]?.boughtWith ?? [])
        .filter((id) => !owned.has(id) && products[id] !== undefined)
        .map((id) => ({
          name: plainText(products[id]?.name ?? id, 120),
          url: safeLink(products[id]?.url, config.storeUrl),
        }))
        .filter((recommendation) => recommendation.name !== '')
        .slice(0, j.crossSell.maxRecommendations);
      if (recommendations.length === 0) return { skip: 'nothing_to_recommend' };
      return { data: { basedOn: plainText(basedOn.name, 120), recommendations } };
    }
    case 'vip-welcome':
      return { data: { vipPerk: plainText(j.vip.perk), ...offer({ discountCode: j.vip.discountCode }) } };
    case 'win-back-1':
    case 'win-back-2': {
      const last = customer.metrics.lastOrderAt;
      const days = last
        ? Math.max(0, Math.floor((Date.parse(context.run.dueAt ?? last) - Date.parse(last)) / 86_400_000))
        : 0;
      return { data: { daysSinceLastOrder: days, ...offer(j.winBack) } };
    }
    case 're-engagement-1':
    case 're-engagement-2':
      return { data: { keepSubscribedUrl: context.links.keepSubscribedUrl } };
    case 'confirm-subscription':
      // Confirmed (or unsubscribed) since the run started: there is nothing left to ask.
      if (customer.consent.email !== 'pending') return { skip: 'not_pending' };
      return {
        data: {
          confirmUrl: context.links.confirmUrl,
          validDays: Math.max(1, Math.round(durationMs(config.deliverability.confirmationValidFor) / 86_400_000)),
        },
      };
    case 'abandoned-checkout-1':
    case 'abandoned-checkout-2': {
      const checkout = customer.checkout;
      if (checkout?.status !== 'open') return { skip: 'checkout_completed' };
      return {
        data: {
          checkoutUrl: safeLink(checkout.url, config.storeUrl),
          items: checkout.lineItems.slice(0, 10).map((item) => ({
            name: plainText(item.name, 120) || 'Item',
            quantity: item.quantity,
            price: formatMoney(item.unitPrice.amount, item.unitPrice.currency),
          })),
          total: formatMoney(checkout.total.amount, checkout.total.currency),
          ...(template === 'abandoned-checkout-2' ? offer(j.abandonedCheckout) : {}),
        },
      };
    }
    default:
      return { data: {} };
  }
}

function runOrder(context: TemplateContext): OrderRecord | undefined {
  const key = context.run.context?.orderKey;
  return key === undefined ? undefined : context.orders.get(key);
}

function latestOrder(context: TemplateContext): OrderRecord | undefined {
  return [...context.orders.values()]
    .filter((order) => order.placedAt !== undefined && order.cancelledAt === undefined)
    .sort((a, b) => (b.placedAt ?? '').localeCompare(a.placedAt ?? ''))[0];
}

function itemsOf(order: OrderRecord | undefined): { name: string; quantity: number }[] {
  return (order?.lineItems ?? [])
    .slice(0, 10)
    .map((item) => ({ name: plainText(item.name, 120) || 'Item', quantity: item.quantity }));
}

function productName(context: TemplateContext, productId: string): string | undefined {
  for (const order of context.orders.values()) {
    const item = order.lineItems.find((line) => line.productId === productId);
    if (item) return item.name;
  }
  return undefined;
}

/** What every template says of the store, from the configuration. */
function storeData(config: LifecycleConfig) {
  return { storeName: config.storeName, storeUrl: config.storeUrl, postalAddress: config.postalAddress };
}

function npsLinks(links: TemplateContext['links']): { score: number; url: string }[] {
  return Array.from({ length: 11 }, (_, score) => ({ score, url: links.npsUrl(score) }));
}

/** Where a customer who needs help writes: `supportEmail`, else the sender's address. */
function supportAddress(config: LifecycleConfig): string {
  return config.supportEmail ?? /<([^>]+)>/.exec(config.sender.from)?.[1] ?? config.sender.from;
}

/**
 * The data of a preview from a template's sample (templates/NAME/sample.json): the sample's own texts, with
 * what belongs to a store taken from the configuration (name, site, postal address, support address), the
 * sample store's links moved onto the configured site, and the signed links made by `links` as for a send.
 * A preview so never links to the sample's made-up brand, nor to its made-up tokens.
 */
export function sampleTemplateData(
  sample: Readonly<Record<string, unknown>>,
  config: LifecycleConfig,
  links: TemplateContext['links'],
): Record<string, unknown> {
  const sampleSite = typeof sample.storeUrl === 'string' ? sample.storeUrl.replace(/\/+$/, '') : undefined;
  const site = config.storeUrl.replace(/\/+$/, '');
  const onSite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const rest = sampleSite && value.startsWith(sampleSite) ? value.slice(sampleSite.length) : undefined;
      return rest !== undefined && /^(?:$|[/?#])/.test(rest) ? `${site}${rest}` : value;
    }
    if (Array.isArray(value)) return value.map(onSite);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, onSite(inner)]));
    }
    return value;
  };
  const has = (key: string) => Object.hasOwn(sample, key);
  return {
    ...(onSite(sample) as Record<string, unknown>),
    ...storeData(config),
    unsubscribeUrl: links.unsubscribeUrl,
    ...(has('keepSubscribedUrl') ? { keepSubscribedUrl: links.keepSubscribedUrl } : {}),
    ...(has('confirmUrl') ? { confirmUrl: links.confirmUrl } : {}),
    ...(has('npsLinks') ? { npsLinks: npsLinks(links) } : {}),
    ...(has('supportEmail') ? { supportEmail: supportAddress(config) } : {}),
  };
}
