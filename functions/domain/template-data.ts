import { z } from 'zod';
import type { LifecycleConfig } from './config.js';
import type { Customer } from './customer.js';
import { durationMs } from './duration.js';
import type { StoreModel } from './intelligence/store-model.js';
import type { Enrollment } from './journeys/enrollment.js';
import { formatMoney } from './money.js';
import type { OrderRecord } from './orders.js';
import { safeLink, TemplateLinkSchema } from './web-address.js';

/** Half of a surrogate pair, with no other half next to it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Characters that change how the text around them is shown without being seen: the bidirectional
 * embeddings, overrides and isolates (U+202A–202E, U+2066–2069; a U+202E in a name reverses the rest of a
 * subject), the zero-width characters and direction marks (U+200B–200F), the word joiner and invisible
 * operators (U+2060–2064), the Arabic letter mark (U+061C), the Mongolian vowel separator (U+180E) and the
 * byte order mark (U+FEFF). Emoji joined by U+200D show as their parts.
 */
const INVISIBLE_FORMATTING = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * Template data contracts. SES renders stored templates with Handlebars and does not HTML-escape the
 * values, so every value that comes from a customer is made safe here, once, for every part of the email:
 * no control characters (a CR/LF in a name must never reach a header or split a line), no markup
 * characters (a name must never become HTML), and no invisible formatting characters (a name must never
 * reverse or hide the text around it).
 */
export function plainText(value: string, maxLength = 100): string {
  return (
    value
      .replace(INVISIBLE_FORMATTING, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      // Half a surrogate pair is no character: SES would render it as U+FFFD, or not at all.
      .replace(LONE_SURROGATE, '')
      .replace(/[<>"`]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, maxLength)
      // The cut must not split an emoji (or any pair) either, nor leave a space at the end.
      .replace(/[\ud800-\udbff]$/, '')
      .trimEnd()
  );
}

/**
 * Data every template receives: the person's name, the store, and the footer's legal parts. `firstName` is
 * empty when the customer gave none (or nothing of it is left once made safe): always present, so that SES
 * renders a template that prints it anyway, and false in `{{#if firstName}}…{{else}}…{{/if}}`, so that a
 * template can say something else without it.
 */
export const CommonTemplateDataSchema = z.object({
  firstName: z.string().max(50),
  storeName: z.string().min(1),
  storeUrl: TemplateLinkSchema,
  unsubscribeUrl: TemplateLinkSchema,
  postalAddress: z.string().min(1),
});
export type CommonTemplateData = z.infer<typeof CommonTemplateDataSchema>;

const Text = z.string().min(1);
const Items = z.array(z.object({ name: Text, quantity: z.number().int().positive() })).max(10);
const Discount = { discountCode: z.string().optional(), discountText: z.string().optional() };
const with_ = <T extends z.ZodRawShape>(shape: T) => CommonTemplateDataSchema.extend(shape);

/**
 * The contract of each template in templates/: the variables its sender provides. A marketer may use
 * any of them, and only them (`lifecycle templates lint` checks it). Money is pre-formatted text in the
 * store's currency; lists are at most ten entries.
 */
export const TEMPLATE_CONTRACTS = {
  'welcome-1': CommonTemplateDataSchema,
  'welcome-2': CommonTemplateDataSchema,
  'welcome-3': with_(Discount),
  'thank-you-first': with_({ orderNumber: z.string(), items: Items }),
  'thank-you-repeat': with_({ orderNumber: z.string(), orderCount: z.number().int().positive(), items: Items }),
  'repeat-incentive': with_({ discountCode: Text, discountText: Text, validDays: z.number().int().positive() }),
  'review-request': with_({ reviewUrl: TemplateLinkSchema, items: Items }),
  'referral-request': with_({ referralUrl: TemplateLinkSchema, referralReward: Text }),
  'nps-survey': with_({
    npsLinks: z.array(z.object({ score: z.number().int().min(0).max(10), url: TemplateLinkSchema })).length(11),
  }),
  'support-follow-up': with_({ supportEmail: z.email() }),
  'replenishment-reminder': with_({ productName: Text, reorderUrl: TemplateLinkSchema }),
  'cross-sell': with_({
    basedOn: Text,
    recommendations: z
      .array(z.object({ name: Text, url: TemplateLinkSchema }))
      .min(1)
      .max(10),
  }),
  'vip-welcome': with_({ vipPerk: Text, ...Discount }),
  'win-back-1': with_({ daysSinceLastOrder: z.number().int().nonnegative(), ...Discount }),
  'win-back-2': with_({ daysSinceLastOrder: z.number().int().nonnegative(), ...Discount }),
  'confirm-subscription': with_({ confirmUrl: TemplateLinkSchema, validDays: z.number().int().positive() }),
  're-engagement-1': with_({ keepSubscribedUrl: TemplateLinkSchema }),
  're-engagement-2': with_({ keepSubscribedUrl: TemplateLinkSchema }),
  'abandoned-checkout-1': with_({
    checkoutUrl: TemplateLinkSchema,
    items: z.array(z.object({ name: Text, quantity: z.number().int().positive(), price: Text })).max(10),
    total: Text,
  }),
  'abandoned-checkout-2': with_({
    checkoutUrl: TemplateLinkSchema,
    items: z.array(z.object({ name: Text, quantity: z.number().int().positive(), price: Text })).max(10),
    total: Text,
    ...Discount,
  }),
} as const satisfies Record<string, z.ZodType>;

export type TemplateName = keyof typeof TEMPLATE_CONTRACTS;

export function isKnownTemplate(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATE_CONTRACTS, name);
}

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
