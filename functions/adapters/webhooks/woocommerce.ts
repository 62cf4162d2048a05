import { EmailAddressSchema } from '../../domain/email-address.js';
import {
  type Acquisition,
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  type CustomerFacts,
  type CustomerRef,
  IsoDateTimeSchema,
  type LineItem,
  MAX_LINE_ITEMS,
  MAX_PRODUCT_CATEGORIES,
} from '../../domain/events.js';
import { amountProblem, CurrencySchema, type Money, majorToMinor } from '../../domain/money.js';
import { WebAddressSchema } from '../../domain/web-address.js';
import * as z from '../../domain/zod.js';
import { compact, cut, present } from '../field-values.js';
import {
  base64HmacSha256,
  firstIssue,
  jsonBody,
  matchesBase64HmacSha256,
  type SignatureCheck,
  type WebhookParseResult,
  type WebhookRequest,
  type WebhookSource,
} from './source.js';

/*
 * WooCommerce webhooks (WooCommerce > Settings > Advanced > Webhooks, API version "WP REST API Integration v3").
 * Delivery, per WC_Webhook::deliver() in woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php:
 * the body is the REST v3 representation of the resource (`/wc/v3/orders/<id>`, `/wc/v3/customers/<id>`) built at
 * delivery time, and the headers are X-WC-Webhook-Source, -Topic, -Resource, -Event, -Signature, -ID, -Delivery-ID.
 *
 * Event ids. The delivery id is `wp_hash(<webhook id> . <unix second>)`: a new one on every attempt, the same one
 * for two deliveries of one webhook in the same second (two orders saved together would collide), and like every
 * header it is not covered by the signature (a captured body could be replayed forever under fresh delivery ids).
 * So canonical ids come from the signed body instead: what the event is about plus the resource's own
 * modification time. The same state delivered twice is one event; every new state of an order is a new one, which
 * the order model expects ("a newer delivery of the same order replaces the older facts").
 */

/** `base64(HMAC-SHA256(raw body, secret))`; WooCommerce signs nothing else (no timestamp, no headers). */
export const WOOCOMMERCE_SIGNATURE_HEADER = 'x-wc-webhook-signature';
/** `<resource>.<event>`, e.g. `order.created`. */
export const WOOCOMMERCE_TOPIC_HEADER = 'x-wc-webhook-topic';

/**
 * The ping WooCommerce posts when a webhook is saved as Active (WC_Webhook::deliver_ping()): the form body
 * `webhook_id=<id>`, no signature and none of the X-WC-Webhook-* headers. The webhook stays "pending delivery"
 * until the URL answers exactly 200.
 */
const PING_BODY = /^webhook_id=\d+$/;

/** Signs a body the way WooCommerce does: used by tests and the docs' example. */
export function signWooCommerceBody(rawBody: string, secret: string): string {
  return base64HmacSha256(rawBody, secret);
}

export function isWooCommercePing(rawBody: string): boolean {
  return PING_BODY.test(rawBody);
}

export function verifyWooCommerceSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
): SignatureCheck {
  // The ping is not signed, and it publishes nothing (parse answers it as ignored): accepting it unsigned lets
  // the shop save the webhook and gives a forger nothing but a log line.
  if (isWooCommercePing(rawBody)) return { ok: true };
  if (!header) return { ok: false, reason: 'missing' };
  const signature = header.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || signature.length % 4 !== 0) {
    return { ok: false, reason: 'malformed' };
  }
  return matchesBase64HmacSha256(signature, rawBody, secret);
}

// ---------------------------------------------------------------------------------------------------------------
// The vendor payloads: REST API v3 shapes, only the fields used here (woocommerce-rest-api-docs, wp-api-v3).

/**
 * `*_gmt` dates: `wc_rest_prepare_date_response()` writes `Y-m-d\TH:i:s` in UTC without an offset. An offset,
 * should a filter add one, is kept.
 */
const WcGmtDateSchema = z.pipe(
  z.pipe(
    z.string().check(
      z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/, {
        message: 'expected a GMT date-time such as 2026-11-20T09:30:00',
      }),
    ),
    z.transform((value) => (/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`)),
  ),
  IsoDateTimeSchema,
);

const WcIdSchema = z.number().check(z.int(), z.positive());
/** Money is a decimal string with the shop's number of decimals ("29.35", "7150" for JPY); parsed below. */
const WcAmountSchema = z.string().check(z.maxLength(40));
const WcText = z.nullish(z.string());

const WcAddressSchema = z.object({ first_name: WcText, last_name: WcText, email: WcText });

const WcCustomerSchema = z.object({
  id: WcIdSchema,
  date_created_gmt: WcGmtDateSchema,
  date_modified_gmt: z.nullish(WcGmtDateSchema),
  email: z.string().check(z.maxLength(320)),
  first_name: WcText,
  last_name: WcText,
  billing: z.nullish(WcAddressSchema),
});
type WcCustomer = z.infer<typeof WcCustomerSchema>;

const WcLineItemSchema = z.object({
  name: z.string(),
  product_id: z.number().check(z.int(), z.nonnegative()),
  variation_id: z.nullish(z.number().check(z.int(), z.nonnegative())),
  quantity: z.number().check(z.int()),
  /** Line subtotal before discounts, tax excluded; `price` (a float, after discounts) is deliberately not used. */
  subtotal: WcAmountSchema,
  subtotal_tax: z.nullish(WcAmountSchema),
  sku: WcText,
});

const WcOrderSchema = z.object({
  id: WcIdSchema,
  number: z.nullish(z.union([z.string(), z.number()])),
  status: z.string().check(z.minLength(1), z.maxLength(100)),
  currency: CurrencySchema,
  date_created_gmt: WcGmtDateSchema,
  date_modified_gmt: z.nullish(WcGmtDateSchema),
  date_paid_gmt: z.nullish(WcGmtDateSchema),
  total: WcAmountSchema,
  prices_include_tax: z.nullish(z.boolean()),
  /** 0 for a guest order. */
  customer_id: z.number().check(z.int(), z.nonnegative()),
  billing: z.nullish(WcAddressSchema),
  meta_data: z.nullish(z.array(z.object({ key: z.string(), value: z.unknown() }))),
  line_items: z.nullish(z.array(WcLineItemSchema)),
  coupon_lines: z.nullish(z.array(z.object({ code: z.string() }))),
  /** `total` is negative: `'-' . wc_format_decimal( $refund->get_amount() )` in the orders controller. */
  refunds: z.nullish(z.array(z.object({ id: WcIdSchema, total: WcAmountSchema }))),
});
type WcOrder = z.infer<typeof WcOrderSchema>;

/**
 * A product (`/wc/v3/products/<id>`, WC_REST_Products_Controller). `price` is the price it sells at now (the
 * sale price during a sale; a variable product's lowest variation price), `regular_price` the price before a
 * sale; all three are "" when none is set.
 */
const WcProductSchema = z.object({
  id: WcIdSchema,
  name: z.string().check(z.maxLength(10_000)),
  /** `publish`, `draft`, `pending`, `private` (or `future`, `trash`): only `publish` has a public page. */
  status: z.string().check(z.minLength(1), z.maxLength(100)),
  permalink: z.nullish(WebAddressSchema),
  price: z.nullish(WcAmountSchema),
  regular_price: z.nullish(WcAmountSchema),
  sale_price: z.nullish(WcAmountSchema),
  /** `instock`, `outofstock` or `onbackorder`. */
  stock_status: z.nullish(z.string().check(z.maxLength(100))),
  images: z.nullish(z.array(z.object({ src: z.nullish(WebAddressSchema) }))),
  categories: z.nullish(z.array(z.object({ name: z.string().check(z.maxLength(10_000)) }))),
  /** A variable product's variation ids; their prices and stock come in other deliveries (not used). */
  variations: z.nullish(z.array(z.number().check(z.int()))),
  date_created_gmt: z.nullish(WcGmtDateSchema),
  date_modified_gmt: z.nullish(WcGmtDateSchema),
});
type WcProduct = z.infer<typeof WcProductSchema>;

/** product.deleted: `WC_Webhook::build_payload()` sends a deleted resource's id alone. */
const WcDeletedSchema = z.object({ id: WcIdSchema });

// ---------------------------------------------------------------------------------------------------------------
// Mapping.

/** A well-signed body with a wrong field: becomes `{kind:'invalid'}` naming the field, never its value. */
class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const SOURCE = 'woocommerce' as const;
const PLACED_STATUSES = new Set(['processing', 'completed']);

function envelope(id: string, occurredAt: string) {
  return { schemaVersion: CANONICAL_SCHEMA_VERSION, id: `${SOURCE}:${id}`, source: SOURCE, occurredAt };
}

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
  ['ndash', '\u2013'],
  ['mdash', '\u2014'],
  ['hellip', '\u2026'],
  ['lsquo', '\u2018'],
  ['rsquo', '\u2019'],
  ['ldquo', '\u201c'],
  ['rdquo', '\u201d'],
]);

/** Item names come HTML-escaped (a variation is named "Scarf &ndash; Charcoal"); emails want the text. */
function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (entity, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED_ENTITIES.get(name.toLowerCase()) ?? entity;
  });
}

function email(value: string | null | undefined, field: string): string | undefined {
  if (!value?.trim()) return undefined;
  const result = EmailAddressSchema.safeParse(value);
  if (!result.success) throw new FieldError(field, 'invalid email address');
  return result.data;
}

/**
 * A decimal amount in minor units, refused by name when no real order holds it. WooCommerce writes a
 * refund's total negative (`"-10.00"`): `refund` takes its size.
 */
function minor(value: string, currency: string, field: string, kind: 'amount' | 'refund' = 'amount'): number {
  const signed = majorToMinor(value, currency);
  if (signed === undefined) throw new FieldError(field, 'expected a decimal amount');
  const amount = kind === 'refund' ? Math.abs(signed) : signed;
  const problem = amountProblem(amount);
  if (problem) throw new FieldError(field, problem);
  return amount;
}

function customerFacts(customer: WcCustomer): CustomerFacts {
  return compact({
    email: email(customer.email, 'email'),
    externalId: String(customer.id),
    firstName: present(customer.first_name, 200) ?? present(customer.billing?.first_name, 200),
    lastName: present(customer.last_name, 200) ?? present(customer.billing?.last_name, 200),
  });
}

function customerCreated(customer: WcCustomer): WebhookParseResult {
  const facts = customerFacts(customer);
  // WordPress lets an administrator create a user without an address; there is no one to write to.
  if (facts.email === undefined) return { kind: 'ignored', reason: 'customer without an email' };
  // WooCommerce has no marketing consent of its own: consent stays absent, which the product reads as none.
  return {
    kind: 'events',
    events: [
      {
        ...envelope(`customer:${customer.id}:created`, customer.date_created_gmt),
        type: 'customer.signed_up',
        data: { customer: { ...facts, email: facts.email } },
      },
    ],
  };
}

function customerUpdated(customer: WcCustomer): WebhookParseResult {
  const version = customer.date_modified_gmt ?? customer.date_created_gmt;
  return {
    kind: 'events',
    events: [
      {
        ...envelope(`customer:${customer.id}:updated:${version}`, version),
        type: 'customer.updated',
        data: { customer: customerFacts(customer) },
      },
    ],
  };
}

const ATTRIBUTION_META: ReadonlyMap<string, keyof Acquisition> = new Map([
  ['_wc_order_attribution_utm_source', 'source'],
  ['_wc_order_attribution_utm_medium', 'medium'],
  ['_wc_order_attribution_utm_campaign', 'campaign'],
]);

/** Order Attribution (WooCommerce 8.5+) keeps the first-touch UTM values in the order's meta data. */
function acquisition(order: WcOrder): Acquisition | undefined {
  const found: Record<string, string> = {};
  for (const meta of order.meta_data ?? []) {
    const key = ATTRIBUTION_META.get(meta.key);
    if (key && typeof meta.value === 'string' && found[key] === undefined) {
      const value = present(meta.value, 200);
      if (value) found[key] = value;
    }
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

function orderCustomerRef(order: WcOrder): CustomerRef | undefined {
  const ref = compact({
    email: email(order.billing?.email, 'billing.email'),
    externalId: order.customer_id > 0 ? String(order.customer_id) : undefined,
  });
  return ref.email === undefined && ref.externalId === undefined ? undefined : ref;
}

function orderCustomerFacts(order: WcOrder): CustomerFacts | undefined {
  const ref = orderCustomerRef(order);
  if (!ref) return undefined;
  return compact({
    ...ref,
    firstName: present(order.billing?.first_name, 200),
    lastName: present(order.billing?.last_name, 200),
    acquisition: acquisition(order),
  });
}

function lineItems(order: WcOrder): LineItem[] {
  const items: LineItem[] = [];
  for (const [index, item] of (order.line_items ?? []).entries()) {
    if (items.length >= MAX_LINE_ITEMS) break;
    // product_id 0: a line added by hand or by a plugin with no product behind it; it still counts in the total.
    if (item.product_id === 0 || item.quantity < 1) continue;
    // The unit price as the shop shows it, before order discounts: the line subtotal (tax excluded), plus its
    // tax when the shop enters prices tax included.
    const field = `line_items.${index}`;
    let subtotal = minor(item.subtotal, order.currency, `${field}.subtotal`);
    if (order.prices_include_tax && item.subtotal_tax) {
      subtotal += minor(item.subtotal_tax, order.currency, `${field}.subtotal_tax`);
    }
    items.push(
      compact({
        productId: String(item.product_id),
        variantId: item.variation_id ? String(item.variation_id) : undefined,
        sku: present(item.sku, 200),
        name: cut(decodeEntities(item.name).trim(), 300),
        quantity: item.quantity,
        unitPrice: { amount: Math.round(subtotal / item.quantity), currency: order.currency },
      }),
    );
  }
  return items;
}

function orderEvents(order: WcOrder): WebhookParseResult {
  const version = order.date_modified_gmt ?? order.date_created_gmt;
  const events: CanonicalEvent[] = [];
  const key = `order:${order.id}`;

  if (PLACED_STATUSES.has(order.status)) {
    const codes = (order.coupon_lines ?? []).map((line) => cut(line.code, 100)).filter(Boolean);
    const customer = orderCustomerFacts(order);
    events.push({
      ...envelope(`${key}:placed:${version}`, version),
      type: 'order.placed',
      data: {
        ...(customer ? { customer } : {}),
        order: compact({
          id: String(order.id),
          number: order.number === null || order.number === undefined ? undefined : cut(String(order.number), 100),
          placedAt: order.date_paid_gmt ?? order.date_created_gmt,
          total: { amount: minor(order.total, order.currency, 'total'), currency: order.currency },
          discountCodes: codes.length > 0 ? codes.slice(0, 20) : undefined,
          lineItems: lineItems(order),
        }),
      },
    });
  }

  const ref = orderCustomerRef(order);
  const customer = ref ? { customer: ref } : {};

  if (order.status === 'cancelled') {
    events.push({
      ...envelope(`${key}:cancelled`, version),
      type: 'order.cancelled',
      data: { ...customer, order: { id: String(order.id), cancelledAt: version } },
    });
  }

  // Every delivery carries all refunds so far; each keeps its own id, so a refund already seen is a duplicate.
  // The payload has no refund date: the order's modification time is the closest the shop tells.
  const refunds = (order.refunds ?? []).map((refund, index) => ({
    id: String(refund.id),
    amount: minor(refund.total, order.currency, `refunds.${index}.total`, 'refund'),
  }));
  // Marking an order Refunded creates the refund itself (wc_order_fully_refunded), so the list is normally there;
  // without one, the whole total was refunded.
  if (order.status === 'refunded' && refunds.length === 0) {
    refunds.push({ id: `${order.id}-full`, amount: minor(order.total, order.currency, 'total', 'refund') });
  }
  for (const refund of refunds) {
    events.push({
      ...envelope(`${key}:refund:${refund.id}`, version),
      type: 'order.refunded',
      data: {
        ...customer,
        order: { id: String(order.id) },
        refund: { id: refund.id, amount: { amount: refund.amount, currency: order.currency }, refundedAt: version },
      },
    });
  }

  // pending, on-hold, failed, checkout-draft, trash and statuses added by plugins say nothing the product uses.
  if (events.length === 0) return { kind: 'ignored', reason: `order status ${cut(order.status, 100)} is not used` };
  return { kind: 'events', events };
}

/** The settings of the WooCommerce dialect. */
export interface WooCommerceSourceSettings {
  /** The shop currency (`sources.woocommerce.currency`); without it, product topics are `ignored`. */
  readonly currency?: string | undefined;
}

/** A product price, or undefined when the shop has none set (`""`). */
function productPrice(value: string | null | undefined, currency: string, field: string): Money | undefined {
  if (!value?.trim()) return undefined;
  return { amount: minor(value, currency, field), currency };
}

/** Whether the shop sells it: `instock` or `onbackorder` (taken as orderable), and published. */
const FOR_SALE_STOCK = new Set(['instock', 'onbackorder']);

/**
 * product.created, product.updated and product.restored: the product in the catalogue, as of its
 * `date_modified_gmt`. Only a published product has a page and can be bought; a product without any price
 * (a draft being written, a variable product before its variations have one) is not catalogued.
 */
function productUpserted(product: WcProduct, settings: WooCommerceSourceSettings): WebhookParseResult {
  const currency = settings.currency;
  if (!currency) return { kind: 'ignored', reason: 'products need the shop currency (sources.woocommerce.currency)' };
  const title = present(decodeEntities(product.name), 300);
  if (!title) throw new FieldError('name', 'a product has a name');
  const price =
    productPrice(product.price, currency, 'price') ?? productPrice(product.regular_price, currency, 'regular_price');
  if (!price) return { kind: 'ignored', reason: 'a product without a price is not catalogued' };
  const regular = productPrice(product.regular_price, currency, 'regular_price');
  const published = product.status.trim() === 'publish';
  const forSale = published && FOR_SALE_STOCK.has(product.stock_status?.trim() ?? 'instock');
  const categories = [
    ...new Set((product.categories ?? []).map((category) => present(decodeEntities(category.name), 200))),
  ].filter((name): name is string => name !== undefined);
  const updatedAt = product.date_modified_gmt ?? product.date_created_gmt;
  if (!updatedAt) throw new FieldError('date_modified_gmt', 'a product has a modification time');
  return {
    kind: 'events',
    events: [
      {
        ...envelope(`product:${product.id}:${updatedAt}`, updatedAt),
        type: 'product.upserted',
        data: {
          product: compact({
            id: String(product.id),
            title,
            url: published ? (product.permalink ?? undefined) : undefined,
            imageUrl: product.images?.find((image) => image.src)?.src ?? undefined,
            price,
            compareAtPrice: regular && regular.amount > price.amount ? regular : undefined,
            availability: forSale ? 'in_stock' : 'out_of_stock',
            categories: categories.length > 0 ? categories.slice(0, MAX_PRODUCT_CATEGORIES) : undefined,
            updatedAt,
          }),
        },
      },
    ],
  };
}

/**
 * product.deleted (trashed or deleted for good): the body is the id alone, so the deletion is as of its
 * receipt. Each receipt is its own event: a product trashed, restored and trashed again leaves again.
 */
function productDeleted(product: { id: number }, receivedAt: Date): WebhookParseResult {
  const at = receivedAt.toISOString();
  return {
    kind: 'events',
    events: [
      {
        ...envelope(`product:${product.id}:deleted:${at}`, at),
        type: 'product.deleted',
        data: { product: { id: String(product.id) } },
      },
    ],
  };
}

type TopicHandler = (json: unknown, settings: WooCommerceSourceSettings, receivedAt: Date) => WebhookParseResult;

/** The topics the product uses; the header is not signed, but every id and fact comes from the signed body. */
const upsertTopic: TopicHandler = (json, settings) =>
  withSchema(WcProductSchema, json, (product) => productUpserted(product, settings));
const TOPICS: ReadonlyMap<string, TopicHandler> = new Map<string, TopicHandler>([
  ['customer.created', (json) => withSchema(WcCustomerSchema, json, customerCreated)],
  ['customer.updated', (json) => withSchema(WcCustomerSchema, json, customerUpdated)],
  ['order.created', (json) => withSchema(WcOrderSchema, json, orderEvents)],
  ['order.updated', (json) => withSchema(WcOrderSchema, json, orderEvents)],
  ['product.created', upsertTopic],
  ['product.updated', upsertTopic],
  ['product.restored', upsertTopic],
  [
    'product.deleted',
    (json, _settings, receivedAt) =>
      withSchema(WcDeletedSchema, json, (product) => productDeleted(product, receivedAt)),
  ],
]);

function withSchema<T>(
  schema: z.ZodMiniType<T>,
  json: unknown,
  map: (body: T) => WebhookParseResult,
): WebhookParseResult {
  const result = schema.safeParse(json);
  if (!result.success) return { kind: 'invalid', ...firstIssue(result.error) };
  try {
    return map(result.data);
  } catch (error) {
    if (error instanceof FieldError) return { kind: 'invalid', field: error.field, message: error.message };
    throw error;
  }
}

/** The WooCommerce dialect, for the shop the settings describe. */
export function createWooCommerceSource(settings: WooCommerceSourceSettings): WebhookSource {
  return {
    name: SOURCE,
    verify(request: WebhookRequest, secret: string): SignatureCheck {
      return verifyWooCommerceSignature(request.headers[WOOCOMMERCE_SIGNATURE_HEADER], request.rawBody, secret);
    },
    parse: (request, receivedAt) => parseWooCommerce(request, settings, receivedAt),
  };
}

/** The WooCommerce dialect with no shop currency: product topics are ignored. */
export const woocommerceSource: WebhookSource = createWooCommerceSource({});

function parseWooCommerce(
  request: WebhookRequest,
  settings: WooCommerceSourceSettings,
  receivedAt: Date,
): WebhookParseResult {
  // Answered 200 so that WooCommerce saves the webhook as delivered; nothing is published.
  if (isWooCommercePing(request.rawBody)) return { kind: 'ignored', reason: 'ping' };
  const topic = request.headers[WOOCOMMERCE_TOPIC_HEADER]?.trim();
  if (!topic) return { kind: 'invalid', field: WOOCOMMERCE_TOPIC_HEADER, message: 'the topic header is missing' };
  const handler = TOPICS.get(topic);
  if (!handler) return { kind: 'ignored', reason: `topic ${cut(topic, 100)} is not used` };
  const body = jsonBody(request.rawBody);
  return 'json' in body ? handler(body.json, settings, receivedAt) : body;
}
