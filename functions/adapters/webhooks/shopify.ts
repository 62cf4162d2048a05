import { EmailAddressSchema } from '../../domain/email-address.js';
import {
  type Acquisition,
  type Availability,
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  type Consent,
  type ConsentStatus,
  type CustomerFacts,
  type CustomerRef,
  type InventoryItemLink,
  IsoDateTimeSchema,
  type LineItem,
  MAX_LINE_ITEMS,
  MAX_PRODUCT_CATEGORIES,
  MAX_PRODUCT_VARIANTS,
  type ProductVariant,
} from '../../domain/events.js';
import { amountProblem, CurrencySchema, majorToMinor } from '../../domain/money.js';
import { WebAddressSchema } from '../../domain/web-address.js';
import * as z from '../../domain/zod.js';
import { compact } from '../field-values.js';
import {
  base64HmacSha256,
  firstIssue,
  jsonBody,
  matchesBase64HmacSha256,
  type SignatureCheck,
  sha256Hex,
  type WebhookParseResult,
  type WebhookRequest,
  type WebhookSource,
} from './source.js';

/*
 * Shopify webhooks (https://shopify.dev/docs/api/webhooks, payloads as of API 2026-07; fixture sources in
 * tests/fixtures/shopify/README.md). Shopify signs the raw body only: base64 HMAC-SHA256 with the app's
 * client secret, in `X-Shopify-Hmac-Sha256`. No timestamp is signed, so there is no freshness check:
 * Shopify retries a failed delivery for hours with the same body and signature, and redeliveries are
 * deduplicated on the delivery id (`X-Shopify-Webhook-Id`).
 */

export const SHOPIFY_HMAC_HEADER = 'x-shopify-hmac-sha256';
export const SHOPIFY_TOPIC_HEADER = 'x-shopify-topic';
/** "A unique composite key for each delivery": the same on every retry of one delivery. */
export const SHOPIFY_WEBHOOK_ID_HEADER = 'x-shopify-webhook-id';
/** "A unique ID shared across all deliveries from the same merchant action": not an event id for us. */
export const SHOPIFY_EVENT_ID_HEADER = 'x-shopify-event-id';
/** When Shopify triggered the delivery; the event time of payloads that carry none. */
export const SHOPIFY_TRIGGERED_AT_HEADER = 'x-shopify-triggered-at';
export const SHOPIFY_SHOP_DOMAIN_HEADER = 'x-shopify-shop-domain';

/** Signs a body the way Shopify does: used by tests, the docs' example and the CLI. */
export function signShopifyBody(rawBody: string, secret: string): string {
  return base64HmacSha256(rawBody, secret);
}

/** A base64 SHA-256 digest: 32 bytes, 44 characters with one padding `=`. */
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;

export function verifyShopifySignature(header: string | undefined, rawBody: string, secret: string): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const given = header.trim();
  if (!BASE64_DIGEST.test(given)) return { ok: false, reason: 'malformed' };
  return matchesBase64HmacSha256(given, rawBody, secret);
}

// ---------------------------------------------------------------------------------------------------
// Vendor payloads: only the fields we use. Shopify sends null for absent values, hence `nullish`.
// ---------------------------------------------------------------------------------------------------

/**
 * Shopify ids are JSON numbers, and its sample payloads (sent by `shopify app webhook trigger`) use
 * 18-digit ids beyond 2^53. The body is parsed keeping such integers as their exact text, so an id is
 * either a safe integer or a digit string here.
 */
const IdSchema = z.pipe(
  z.union([
    z.number().check(z.int(), z.nonnegative()),
    z.string().check(z.regex(/^\d{1,30}$/, { message: 'expected a numeric id' })),
  ]),
  z.transform(String),
);
/** Decimal amounts: strings such as "19.99" (occasionally numbers). Parsed with majorToMinor. */
const DecimalSchema = z.union([z.string(), z.number()]);
/**
 * Shopify's times are converted to UTC (below): one whose UTC instant leaves the years 0000-9999
 * (`9999-12-31T23:59:59-05:00`) would become an expanded year no canonical event accepts.
 */
const ShopifyTimeSchema = IsoDateTimeSchema.check(
  z.refine(
    (timestamp) => {
      const year = new Date(timestamp).getUTCFullYear();
      return year >= 0 && year <= 9999;
    },
    { message: 'expected a date-time between the years 0000 and 9999 in UTC' },
  ),
);
const TimestampSchema = z.nullish(ShopifyTimeSchema);
const TextSchema = z.nullish(z.string());

const EmailConsentSchema = z.object({
  state: TextSchema,
  opt_in_level: TextSchema,
  consent_updated_at: TimestampSchema,
});
type ShopifyEmailConsent = z.infer<typeof EmailConsentSchema>;

/** The customer object of customers/* payloads, and nested in orders and checkouts. */
const CustomerSchema = z.object({
  id: IdSchema,
  email: TextSchema,
  first_name: TextSchema,
  last_name: TextSchema,
  /** Present up to API 2024-10; from 2025-01 it comes only with customers_email_marketing_consent/update. */
  email_marketing_consent: z.nullish(EmailConsentSchema),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
type ShopifyCustomer = z.infer<typeof CustomerSchema>;

const LineItemSchema = z.object({
  product_id: z.nullish(IdSchema),
  variant_id: z.nullish(IdSchema),
  sku: TextSchema,
  /** Orders: "<title> - <variant title>". Checkout line items have only title and variant_title. */
  name: TextSchema,
  title: TextSchema,
  variant_title: TextSchema,
  quantity: z.number().check(z.int()),
  /** Price of one unit before discounts, in the shop currency. */
  price: DecimalSchema,
});
type ShopifyLineItem = z.infer<typeof LineItemSchema>;

const OrderSchema = z.object({
  id: IdSchema,
  /** What people see, e.g. "#1001". */
  name: TextSchema,
  email: TextSchema,
  contact_email: TextSchema,
  created_at: TimestampSchema,
  processed_at: TimestampSchema,
  updated_at: TimestampSchema,
  /** The shop currency: total_price and line item prices are in it. */
  currency: CurrencySchema,
  total_price: DecimalSchema,
  customer_locale: TextSchema,
  landing_site: TextSchema,
  referring_site: TextSchema,
  discount_codes: z.nullish(z.array(z.object({ code: z.string() }))),
  line_items: z.nullish(z.array(LineItemSchema)),
  customer: z.nullish(CustomerSchema),
});
type ShopifyOrder = z.infer<typeof OrderSchema>;

const CancelledOrderSchema = z.object({
  id: IdSchema,
  email: TextSchema,
  contact_email: TextSchema,
  updated_at: TimestampSchema,
  cancelled_at: ShopifyTimeSchema,
  customer: z.nullish(z.object({ id: IdSchema, email: TextSchema })),
});

const MoneySetSchema = z.object({
  presentment_money: z.nullish(z.object({ amount: DecimalSchema, currency_code: CurrencySchema })),
});

const RefundSchema = z.object({
  id: IdSchema,
  order_id: IdSchema,
  created_at: TimestampSchema,
  processed_at: TimestampSchema,
  transactions: z.nullish(
    z.array(
      z.object({
        kind: TextSchema,
        status: TextSchema,
        amount: z.nullish(DecimalSchema),
        /** The payment's currency; null in some payloads, then the refund's own money sets give it. */
        currency: z.nullish(CurrencySchema),
      }),
    ),
  ),
  refund_line_items: z.nullish(z.array(z.object({ subtotal_set: z.nullish(MoneySetSchema) }))),
  total_duties_set: z.nullish(MoneySetSchema),
});

const CheckoutSchema = z.object({
  /** The checkout's identity: checkouts/create and checkouts/update carry `token`, not `id`. */
  token: z.string().check(z.minLength(1), z.maxLength(200)),
  email: TextSchema,
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  completed_at: TimestampSchema,
  currency: CurrencySchema,
  total_price: DecimalSchema,
  abandoned_checkout_url: z.nullish(WebAddressSchema),
  customer_locale: TextSchema,
  line_items: z.nullish(z.array(LineItemSchema)),
  customer: z.nullish(z.pick(CustomerSchema, { id: true, email: true, first_name: true, last_name: true })),
});

const ConsentUpdateSchema = z.object({
  customer_id: IdSchema,
  email_address: TextSchema,
  email_marketing_consent: EmailConsentSchema,
});

/** A variant of products/create and products/update (REST Product resource, API 2026-07). */
const ProductVariantSchema = z.object({
  id: IdSchema,
  title: TextSchema,
  /** In the shop currency, which the payload does not name. */
  price: DecimalSchema,
  compare_at_price: z.nullish(DecimalSchema),
  /** `deny` stops sales at zero stock; `continue` sells on. */
  inventory_policy: TextSchema,
  /** `shopify` (or an app) when stock is tracked; null when it is not, and the variant is always for sale. */
  inventory_management: TextSchema,
  inventory_quantity: z.nullish(z.number().check(z.int())),
  /** The inventory item whose stock per location `inventory_levels/update` reports. */
  inventory_item_id: z.nullish(IdSchema),
  updated_at: TimestampSchema,
});
type ShopifyProductVariant = z.infer<typeof ProductVariantSchema>;

const ProductImageSchema = z.object({ src: z.nullish(WebAddressSchema) });

const ProductSchema = z.object({
  id: IdSchema,
  title: TextSchema,
  handle: TextSchema,
  product_type: TextSchema,
  /** Comma-separated. */
  tags: TextSchema,
  /** `active`, `draft` or `archived`: only an active product can be bought. */
  status: TextSchema,
  /** Null while the product is not on the online store. */
  published_at: TimestampSchema,
  updated_at: TimestampSchema,
  variants: z.array(ProductVariantSchema).check(z.minLength(1, { message: 'a product has at least one variant' })),
  image: z.nullish(ProductImageSchema),
  images: z.nullish(z.array(ProductImageSchema)),
});

/** products/delete: the product's id, nothing else. */
const DeletedProductSchema = z.object({ id: IdSchema });

/** inventory_levels/update (REST InventoryLevel resource): one item's stock at one location. */
const InventoryLevelSchema = z.object({
  inventory_item_id: IdSchema,
  location_id: IdSchema,
  /** Null when the item's stock is not tracked. */
  available: z.nullish(z.number().check(z.int(), z.gte(-1_000_000_000), z.lte(1_000_000_000))),
  updated_at: TimestampSchema,
});

/*
 * Compliance topics. Headers are not signed, so a captured signed body could be resent under another
 * topic; each schema requires the fields that only its own topic carries.
 */
const ComplianceCustomerSchema = z.object({ id: z.nullish(IdSchema), email: TextSchema });
const ShopDomainSchema = z.nullish(z.string().check(z.maxLength(300)));
const CustomersRedactSchema = z.object({
  shop_id: IdSchema,
  shop_domain: ShopDomainSchema,
  customer: ComplianceCustomerSchema,
  orders_to_redact: z.array(z.unknown()),
});
const CustomersDataRequestSchema = z.object({
  shop_id: IdSchema,
  shop_domain: ShopDomainSchema,
  customer: ComplianceCustomerSchema,
  orders_requested: z.array(z.unknown()),
  data_request: z.object({ id: IdSchema }),
});
const ShopRedactSchema = z.object({
  shop_id: IdSchema,
  shop_domain: ShopDomainSchema,
  customer: z.optional(z.never({ message: 'unexpected customer in a shop redaction' })),
});

// ---------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------

/** Thrown inside a topic handler to answer with a result other than events. */
class Rejected extends Error {
  readonly result: WebhookParseResult;
  constructor(result: WebhookParseResult) {
    super(result.kind);
    this.result = result;
  }
}
const invalid = (field: string, message: string) => new Rejected({ kind: 'invalid', field, message });
const ignored = (reason: string) => new Rejected({ kind: 'ignored', reason });

interface Delivery {
  /**
   * The canonical id: `shopify:<X-Shopify-Webhook-Id>`, or for a compliance topic
   * `shopify:<topic>:<SHA-256 of the body>` (see {@link COMPLIANCE_TOPICS}).
   */
  readonly id: string;
  readonly triggeredAt: string | undefined;
  /** The unsigned `X-Shopify-Shop-Domain` header. */
  readonly shopDomain: string | undefined;
  /** The shop this stack serves (`sources.shopify.shopDomain`), when configured. */
  readonly configuredShopDomain: string | undefined;
  /** The storefront's address (`storeUrl`): products' pages are under it. */
  readonly storeUrl: string | undefined;
  /** The shop currency, in which product payloads give prices without naming it. */
  readonly currency: string | undefined;
}

function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const { field, message } = firstIssue(result.error);
    throw invalid(field, message);
  }
  return result.data;
}

/** Instants in UTC: Shopify writes shop-local offsets (which change with DST), and we compare times. */
const utc = (timestamp: string): string => new Date(timestamp).toISOString();

/** The first timestamp present, else the delivery's trigger time; `field` names what was expected. */
function eventTime(delivery: Delivery, field: string, ...candidates: (string | null | undefined)[]): string {
  const found = candidates.find((candidate) => candidate) ?? delivery.triggeredAt;
  if (!found) throw invalid(field, 'a timestamp is required');
  return utc(found);
}

/** The first non-empty address of the candidates, normalised; invalid names the field it came from. */
function pickEmail(candidates: readonly (readonly [string, string | null | undefined])[]): string | undefined {
  for (const [field, value] of candidates) {
    if (!value?.trim()) continue;
    const result = EmailAddressSchema.safeParse(value);
    if (!result.success) throw invalid(field, 'invalid email address');
    return result.data;
  }
  return undefined;
}

const text = (value: string | null | undefined, max: number): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
};

/** Shopify's email marketing states, in the product's terms. */
const CONSENT_STATES: Readonly<Record<string, ConsentStatus>> = {
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  not_subscribed: 'none',
  pending: 'pending',
  // The address was erased or bounced: never market to it.
  redacted: 'unsubscribed',
  invalid: 'unsubscribed',
};

/** The consent statement, or undefined when Shopify gives no state we know. */
function toConsent(consent: ShopifyEmailConsent | null | undefined): Consent | undefined {
  const state = consent?.state?.trim().toLowerCase();
  const status = state && Object.hasOwn(CONSENT_STATES, state) ? CONSENT_STATES[state] : undefined;
  if (!consent || !status) return undefined;
  return compact({
    email: status,
    // Where it came from, as proof: the opt-in level (single_opt_in, confirmed_opt_in, unknown).
    source: consent.opt_in_level?.trim() ? `shopify:${consent.opt_in_level.trim()}`.slice(0, 200) : undefined,
    at: consent.consent_updated_at ? utc(consent.consent_updated_at) : undefined,
  });
}

function customerFacts(customer: ShopifyCustomer, email: string | undefined): CustomerFacts {
  return compact({
    email,
    externalId: customer.id,
    firstName: text(customer.first_name, 200),
    lastName: text(customer.last_name, 200),
    consent: toConsent(customer.email_marketing_consent),
  });
}

/** UTM parameters of the landing page, else the referring site's host as a referral. */
function acquisition(landingSite: string | null | undefined, referringSite: string | null | undefined) {
  const params = parseUrl(landingSite, 'https://shop.invalid/')?.searchParams;
  const utm: Acquisition = compact({
    source: text(params?.get('utm_source'), 200),
    medium: text(params?.get('utm_medium'), 200),
    campaign: text(params?.get('utm_campaign'), 200),
  });
  if (Object.keys(utm).length > 0) return utm;
  const host = text(parseUrl(referringSite)?.hostname, 200);
  return host ? { source: host, medium: 'referral' } : undefined;
}

function parseUrl(value: string | null | undefined, base?: string): URL | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  for (const candidate of [trimmed, `https://${trimmed}`]) {
    try {
      return new URL(candidate, base);
    } catch {
      // try the next form: a bare host such as www.example.com
    }
  }
  return undefined;
}

function money(value: string | number, currency: string, field: string) {
  const amount = majorToMinor(value, currency);
  if (amount === undefined) throw invalid(field, 'expected a decimal amount');
  const problem = amountProblem(amount);
  if (problem) throw invalid(field, problem);
  return { amount, currency };
}

/**
 * Line items with a product (custom items and deleted products have none) and a positive quantity, at
 * most MAX_LINE_ITEMS of them; the order total still counts the rest.
 */
function lineItems(items: readonly ShopifyLineItem[] | null | undefined, currency: string): LineItem[] {
  const kept: LineItem[] = [];
  for (const [index, item] of (items ?? []).entries()) {
    if (kept.length >= MAX_LINE_ITEMS) break;
    if (!item.product_id || item.quantity < 1) continue;
    const title = [item.title, item.variant_title].filter((part) => part?.trim()).join(' - ');
    kept.push(
      compact({
        productId: item.product_id,
        variantId: item.variant_id ?? undefined,
        sku: text(item.sku, 200),
        name: (text(item.name, 300) ?? title).slice(0, 300),
        quantity: item.quantity,
        unitPrice: money(item.price, currency, `line_items.${index}.price`),
      }),
    );
  }
  return kept;
}

function envelope(delivery: Delivery, occurredAt: string) {
  return { schemaVersion: CANONICAL_SCHEMA_VERSION, id: delivery.id, source: 'shopify' as const, occurredAt };
}

// ---------------------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------------------

function customerCreated(body: unknown, delivery: Delivery): CanonicalEvent {
  const customer = parseBody(CustomerSchema, body);
  const email = pickEmail([['email', customer.email]]);
  if (!email) throw ignored('customer without email');
  return {
    ...envelope(delivery, eventTime(delivery, 'updated_at', customer.updated_at, customer.created_at)),
    type: 'customer.signed_up',
    data: { customer: { ...customerFacts(customer, email), email } },
  };
}

function customerUpdated(body: unknown, delivery: Delivery): CanonicalEvent {
  const customer = parseBody(CustomerSchema, body);
  const email = pickEmail([['email', customer.email]]);
  return {
    ...envelope(delivery, eventTime(delivery, 'updated_at', customer.updated_at, customer.created_at)),
    type: 'customer.updated',
    data: { customer: customerFacts(customer, email) },
  };
}

function orderCustomer(order: ShopifyOrder): CustomerFacts | undefined {
  const email = pickEmail([
    ['customer.email', order.customer?.email],
    ['email', order.email],
    ['contact_email', order.contact_email],
  ]);
  if (!email && !order.customer) return undefined;
  return compact({
    ...(order.customer ? customerFacts(order.customer, email) : { email }),
    locale: text(order.customer_locale, 35),
    acquisition: acquisition(order.landing_site, order.referring_site),
  });
}

/** orders/create and orders/paid: the same order twice, with the same order id, counted once downstream. */
function orderPlaced(body: unknown, delivery: Delivery): CanonicalEvent {
  const order = parseBody(OrderSchema, body);
  const placedAt = order.processed_at ?? order.created_at;
  if (!placedAt) throw invalid('processed_at', 'a timestamp is required');
  const discountCodes = (order.discount_codes ?? [])
    .map((discount) => text(discount.code, 100))
    .filter((code): code is string => code !== undefined)
    .slice(0, 20);
  const customer = orderCustomer(order);
  return {
    ...envelope(delivery, eventTime(delivery, 'updated_at', order.updated_at, placedAt)),
    type: 'order.placed',
    data: compact({
      customer,
      order: compact({
        id: order.id,
        number: text(order.name, 100),
        placedAt: utc(placedAt),
        // total_price, not current_total_price: the amount at placement. Refunds arrive as their own
        // events, and current_total_price would already have them deducted on later deliveries.
        total: money(order.total_price, order.currency, 'total_price'),
        discountCodes: discountCodes.length > 0 ? discountCodes : undefined,
        lineItems: lineItems(order.line_items, order.currency),
      }),
    }),
  };
}

function orderCancelled(body: unknown, delivery: Delivery): CanonicalEvent {
  const order = parseBody(CancelledOrderSchema, body);
  const email = pickEmail([
    ['customer.email', order.customer?.email],
    ['email', order.email],
    ['contact_email', order.contact_email],
  ]);
  const customer: CustomerRef | undefined =
    email || order.customer ? compact({ email, externalId: order.customer?.id }) : undefined;
  return {
    ...envelope(delivery, eventTime(delivery, 'updated_at', order.updated_at, order.cancelled_at)),
    type: 'order.cancelled',
    data: compact({ customer, order: { id: order.id, cancelledAt: utc(order.cancelled_at) } }),
  };
}

/**
 * The amount actually returned: successful refund transactions. Transactions are in the currency the
 * customer paid in; when they carry none, the refund's presentment money sets give it.
 */
function refundAmount(refund: z.infer<typeof RefundSchema>) {
  const transactions = (refund.transactions ?? [])
    .map((transaction, index) => ({ transaction, index }))
    .filter(({ transaction }) => transaction.kind === 'refund' && transaction.status === 'success');
  const currencies = new Set(transactions.flatMap(({ transaction }) => transaction.currency ?? []));
  if (currencies.size > 1) {
    const mixed = transactions.find(({ transaction }) => transaction.currency !== [...currencies][0]);
    throw invalid(`transactions.${mixed?.index ?? 0}.currency`, 'refund transactions in several currencies');
  }
  const currency =
    [...currencies][0] ??
    refund.refund_line_items?.find((line) => line.subtotal_set?.presentment_money)?.subtotal_set?.presentment_money
      ?.currency_code ??
    refund.total_duties_set?.presentment_money?.currency_code;
  if (!currency) throw invalid('transactions', 'the refund currency is missing');
  let amount = 0;
  for (const { transaction, index } of transactions) {
    if (transaction.amount === null || transaction.amount === undefined) {
      throw invalid(`transactions.${index}.amount`, 'expected a decimal amount');
    }
    amount += money(transaction.amount, currency, `transactions.${index}.amount`).amount;
  }
  return { amount, currency };
}

function orderRefunded(body: unknown, delivery: Delivery): CanonicalEvent {
  const refund = parseBody(RefundSchema, body);
  const refundedAt = eventTime(delivery, 'processed_at', refund.processed_at, refund.created_at);
  return {
    ...envelope(delivery, refundedAt),
    type: 'order.refunded',
    data: {
      order: { id: refund.order_id },
      refund: { id: refund.id, amount: refundAmount(refund), refundedAt },
    },
  };
}

function checkoutEvent(type: 'checkout.started' | 'checkout.updated') {
  return (body: unknown, delivery: Delivery): CanonicalEvent => {
    const checkout = parseBody(CheckoutSchema, body);
    const email = pickEmail([
      ['email', checkout.email],
      ['customer.email', checkout.customer?.email],
    ]);
    if (!email) throw ignored('checkout without email');
    // A completed checkout became an order (order.placed); it is no longer one to recover.
    if (checkout.completed_at) throw ignored('checkout already completed');
    return {
      ...envelope(delivery, eventTime(delivery, 'updated_at', checkout.updated_at, checkout.created_at)),
      type,
      data: {
        customer: compact({
          email,
          externalId: checkout.customer?.id,
          firstName: text(checkout.customer?.first_name, 200),
          lastName: text(checkout.customer?.last_name, 200),
          locale: text(checkout.customer_locale, 35),
        }),
        checkout: compact({
          id: checkout.token,
          url: checkout.abandoned_checkout_url ?? undefined,
          total: money(checkout.total_price, checkout.currency, 'total_price'),
          lineItems: lineItems(checkout.line_items, checkout.currency),
        }),
      },
    };
  };
}

/** From API 2025-01 on, the only place email marketing consent arrives. */
function consentChanged(body: unknown, delivery: Delivery): CanonicalEvent {
  const update = parseBody(ConsentUpdateSchema, body);
  const consent = toConsent(update.email_marketing_consent);
  if (!consent) throw ignored('email marketing consent without a known state');
  const email = pickEmail([['email_address', update.email_address]]);
  return {
    ...envelope(delivery, eventTime(delivery, 'email_marketing_consent.consent_updated_at', consent.at)),
    type: 'consent.changed',
    data: { customer: compact({ email, externalId: update.customer_id }), consent },
  };
}

function complianceCustomer(customer: z.infer<typeof ComplianceCustomerSchema>): CustomerRef {
  const email = pickEmail([['customer.email', customer.email]]);
  if (!email && !customer.id) throw invalid('customer', 'an email or a customer id is required');
  return compact({ email, externalId: customer.id ?? undefined });
}

/**
 * The shop a compliance request is for, from the signed body. When a shop domain is configured, the
 * body must name it: a request without a domain, or for another shop, is refused rather than erasing
 * this store's customers (the domain header is not signed, so it proves nothing).
 */
function requestedShop(domain: string | null | undefined, delivery: Delivery): string | undefined {
  const named = text(domain, 300)?.toLowerCase();
  const expected = delivery.configuredShopDomain;
  if (expected === undefined) return named ?? text(delivery.shopDomain, 300);
  if (named === undefined) {
    throw invalid('shop_domain', 'the request names no shop, and sources.shopify.shopDomain is configured');
  }
  if (named !== expected)
    throw invalid('shop_domain', 'the request is for another shop than sources.shopify.shopDomain');
  return named;
}

function customerErased(body: unknown, delivery: Delivery): CanonicalEvent {
  const request = parseBody(CustomersRedactSchema, body);
  requestedShop(request.shop_domain, delivery);
  return {
    ...envelope(delivery, eventTime(delivery, `(headers).${SHOPIFY_TRIGGERED_AT_HEADER}`)),
    type: 'customer.erased',
    data: { customer: complianceCustomer(request.customer) },
  };
}

function customerDataRequested(body: unknown, delivery: Delivery): CanonicalEvent {
  const request = parseBody(CustomersDataRequestSchema, body);
  requestedShop(request.shop_domain, delivery);
  return {
    ...envelope(delivery, eventTime(delivery, `(headers).${SHOPIFY_TRIGGERED_AT_HEADER}`)),
    type: 'customer.data_requested',
    data: { customer: complianceCustomer(request.customer), request: { id: request.data_request.id } },
  };
}

function shopErased(body: unknown, delivery: Delivery): CanonicalEvent {
  const request = parseBody(ShopRedactSchema, body);
  return {
    ...envelope(delivery, eventTime(delivery, `(headers).${SHOPIFY_TRIGGERED_AT_HEADER}`)),
    type: 'shop.erased',
    data: { shop: compact({ domain: requestedShop(request.shop_domain, delivery) }) },
  };
}

/** Whether a variant can be bought: stock not tracked, sold past zero, or some left. */
export function variantAvailability(
  variant: Pick<ShopifyProductVariant, 'inventory_management' | 'inventory_policy' | 'inventory_quantity'>,
): Availability {
  const tracked = Boolean(variant.inventory_management?.trim());
  const sellsPastZero = variant.inventory_policy?.trim() === 'continue';
  // A tracked variant whose quantity the payload leaves out is taken as for sale rather than guessed gone.
  const left = variant.inventory_quantity ?? 1;
  return !tracked || sellsPastZero || left > 0 ? 'in_stock' : 'out_of_stock';
}

/** The product's page on the storefront, while it is active and on the online store. */
export function productPage(
  handle: string | null | undefined,
  delivery: Pick<Delivery, 'storeUrl'>,
): string | undefined {
  const name = handle?.trim();
  if (!name || !delivery.storeUrl) return undefined;
  const base = delivery.storeUrl.endsWith('/') ? delivery.storeUrl : `${delivery.storeUrl}/`;
  return new URL(`products/${encodeURIComponent(name)}`, base).href;
}

/** The product types and tags, each once, as categories. */
export function productCategories(
  types: readonly (string | null | undefined)[],
  tags: string | null | undefined,
): string[] | undefined {
  const all = [...types, ...(tags ?? '').split(',')]
    .map((category) => text(category, 200))
    .filter((category): category is string => category !== undefined);
  const kept = [...new Set(all)].slice(0, MAX_PRODUCT_CATEGORIES);
  return kept.length > 0 ? kept : undefined;
}

/**
 * products/create and products/update: the product in the catalogue. Its price is its lowest variant
 * price, with that variant's compare-at price when it is higher (Shopify sends "0.00" or null for none).
 * A draft or archived product, or one off the online store, has no page and cannot be bought.
 */
function productUpserted(body: unknown, delivery: Delivery): CanonicalEvent {
  const currency = delivery.currency;
  if (!currency) throw ignored('products need the shop currency (sources.shopify.currency)');
  const product = parseBody(ProductSchema, body);
  const title = text(product.title, 300);
  if (!title) throw invalid('title', 'a product has a title');
  const forSale = product.status?.trim() === 'active';
  const onStore = forSale && Boolean(product.published_at);
  const priced = product.variants.map((variant, index) => ({
    variant,
    price: money(variant.price, currency, `variants.${index}.price`),
    compareAt:
      variant.compare_at_price === null || variant.compare_at_price === undefined
        ? undefined
        : money(variant.compare_at_price, currency, `variants.${index}.compare_at_price`),
  }));
  const cheapest = priced.reduce((low, next) => (next.price.amount < low.price.amount ? next : low));
  const variants: ProductVariant[] = priced.slice(0, MAX_PRODUCT_VARIANTS).map(({ variant, price }) => ({
    id: variant.id,
    title: text(variant.title, 300) ?? '',
    price,
    availability: forSale ? variantAvailability(variant) : 'out_of_stock',
  }));
  const available = forSale && product.variants.some((variant) => variantAvailability(variant) === 'in_stock');
  const image = product.image?.src ?? product.images?.find((candidate) => candidate.src)?.src ?? undefined;
  // A sale that changes a variant's stock may leave the product's own updated_at as it was: the newest
  // time of the product and its variants is the time of this state.
  const times = [product.updated_at, ...product.variants.map((variant) => variant.updated_at)]
    .filter((time): time is string => Boolean(time))
    .map(utc)
    .sort();
  const updatedAt = eventTime(delivery, 'updated_at', times.at(-1));
  return {
    ...envelope(delivery, updatedAt),
    type: 'product.upserted',
    data: {
      product: compact({
        id: product.id,
        title,
        url: onStore ? productPage(product.handle, delivery) : undefined,
        imageUrl: image,
        price: cheapest.price,
        compareAtPrice:
          cheapest.compareAt && cheapest.compareAt.amount > cheapest.price.amount ? cheapest.compareAt : undefined,
        availability: available ? 'in_stock' : 'out_of_stock',
        categories: productCategories([product.product_type], product.tags),
        variants,
        updatedAt,
      }),
      ...inventoryLinks(product.variants, forSale),
    },
  };
}

/** How the stock changes of the variants' inventory items find this product again. */
function inventoryLinks(
  variants: readonly ShopifyProductVariant[],
  forSale: boolean,
): { inventoryItems?: InventoryItemLink[] } {
  const links = variants
    .filter((variant) => variant.inventory_item_id)
    .slice(0, MAX_PRODUCT_VARIANTS)
    .map((variant) => ({
      itemId: variant.inventory_item_id as string,
      variantId: variant.id,
      alwaysAvailable: !variant.inventory_management?.trim() || variant.inventory_policy?.trim() === 'continue',
      forSale,
    }));
  return links.length > 0 ? { inventoryItems: links } : {};
}

/**
 * inventory_levels/update: one inventory item's stock at one location, at its `updated_at`. It names no
 * product: the item's link, kept from the product's payloads, finds it.
 */
function inventoryChanged(body: unknown, delivery: Delivery): CanonicalEvent {
  const level = parseBody(InventoryLevelSchema, body);
  const updatedAt = eventTime(delivery, 'updated_at', level.updated_at);
  return {
    ...envelope(delivery, updatedAt),
    type: 'product.inventory_changed',
    data: {
      inventory: compact({
        itemId: level.inventory_item_id,
        locationId: level.location_id,
        available: level.available ?? undefined,
        updatedAt,
      }),
    },
  };
}

/** products/delete: the product leaves the catalogue as of the delivery's trigger time. */
function productDeleted(body: unknown, delivery: Delivery): CanonicalEvent {
  const product = parseBody(DeletedProductSchema, body);
  return {
    ...envelope(delivery, eventTime(delivery, `(headers).${SHOPIFY_TRIGGERED_AT_HEADER}`)),
    type: 'product.deleted',
    data: { product: { id: product.id } },
  };
}

type TopicHandler = (body: unknown, delivery: Delivery) => CanonicalEvent;

/** The topics the product uses (`X-Shopify-Topic`), and the canonical event each becomes. */
export const SHOPIFY_TOPICS: Readonly<Record<string, TopicHandler>> = {
  'customers/create': customerCreated,
  'customers/update': customerUpdated,
  'customers_email_marketing_consent/update': consentChanged,
  'orders/create': orderPlaced,
  'orders/paid': orderPlaced,
  'orders/cancelled': orderCancelled,
  'refunds/create': orderRefunded,
  'checkouts/create': checkoutEvent('checkout.started'),
  'checkouts/update': checkoutEvent('checkout.updated'),
  'products/create': productUpserted,
  'products/update': productUpserted,
  'products/delete': productDeleted,
  'inventory_levels/update': inventoryChanged,
  'customers/redact': customerErased,
  'customers/data_request': customerDataRequested,
  'shop/redact': shopErased,
};

/**
 * The privacy topics Shopify requires of every app. Their delivery id is not signed, so a captured body
 * re-sent under a new one would be a new request: they are identified by their signed body instead. A new
 * request is a new body (a data request carries its own id; a redacted customer's id is never reused).
 */
const COMPLIANCE_TOPICS: ReadonlySet<string> = new Set(['customers/redact', 'customers/data_request', 'shop/redact']);

/**
 * A number of 16 digits or more where a JSON value starts: what an integer beyond 2^53 (16 digits) needs.
 * It may also match inside a string; never missing such a number is what matters.
 */
const LONG_NUMBER = /[:,[]\s*\d{16}/;

/**
 * Shopify ids beyond 2^53 kept exact: the reviver sees the number's source text (Node 21+). The reviver
 * costs a call for every value of the body (about three times the parse itself), so a body in which no
 * value can be such a number is parsed without it, to the same result.
 */
function parseJson(rawBody: string): unknown {
  if (!LONG_NUMBER.test(rawBody)) return JSON.parse(rawBody);
  return JSON.parse(rawBody, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    Number.isInteger(value) &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^\d+$/.test(context.source)
      ? context.source
      : value,
  );
}

const WEBHOOK_ID = /^[A-Za-z0-9._:-]{1,200}$/;
const TOPIC_NAME = /^[a-z0-9_./-]{1,100}$/;

/** What a Shopify source is told by the configuration. */
export interface ShopifySourceSettings {
  /** The shop this stack serves (`sources.shopify.shopDomain`); compliance requests must name it. */
  readonly shopDomain?: string | undefined;
  /** The storefront's address (`storeUrl`), under which products have their pages. */
  readonly storeUrl?: string | undefined;
  /** The shop currency (`sources.shopify.currency`); without it, product topics are `ignored`. */
  readonly currency?: string | undefined;
}

/** The Shopify dialect, for the shop the settings name. */
export function createShopifySource(settings: ShopifySourceSettings): WebhookSource {
  return {
    name: 'shopify',
    verify(request: WebhookRequest, secret: string): SignatureCheck {
      return verifyShopifySignature(request.headers[SHOPIFY_HMAC_HEADER], request.rawBody, secret);
    },
    parse: (request) => parseShopify(request, settings),
  };
}

/** The Shopify dialect with no shop configured (any shop's compliance requests are taken as this one's). */
export const shopifySource: WebhookSource = createShopifySource({});

function parseShopify(request: WebhookRequest, settings: ShopifySourceSettings): WebhookParseResult {
  const topic = request.headers[SHOPIFY_TOPIC_HEADER]?.trim();
  if (!topic) {
    return { kind: 'invalid', field: `(headers).${SHOPIFY_TOPIC_HEADER}`, message: 'the topic header is missing' };
  }
  const handler = Object.hasOwn(SHOPIFY_TOPICS, topic) ? SHOPIFY_TOPICS[topic] : undefined;
  if (!handler) {
    return { kind: 'ignored', reason: TOPIC_NAME.test(topic) ? `topic ${topic} is not used` : 'topic is not used' };
  }
  const webhookId = request.headers[SHOPIFY_WEBHOOK_ID_HEADER]?.trim();
  if (!webhookId || !WEBHOOK_ID.test(webhookId)) {
    return {
      kind: 'invalid',
      field: `(headers).${SHOPIFY_WEBHOOK_ID_HEADER}`,
      message: webhookId ? 'the delivery id is malformed' : 'the delivery id header is missing',
    };
  }
  const triggeredAt = request.headers[SHOPIFY_TRIGGERED_AT_HEADER]?.trim();
  const body = jsonBody(request.rawBody, parseJson);
  if (!('json' in body)) return body;
  const delivery: Delivery = {
    id: COMPLIANCE_TOPICS.has(topic) ? `shopify:${topic}:${sha256Hex(request.rawBody)}` : `shopify:${webhookId}`,
    triggeredAt: triggeredAt && ShopifyTimeSchema.safeParse(triggeredAt).success ? triggeredAt : undefined,
    shopDomain: request.headers[SHOPIFY_SHOP_DOMAIN_HEADER]?.trim() || undefined,
    configuredShopDomain: settings.shopDomain?.toLowerCase(),
    storeUrl: settings.storeUrl,
    currency: settings.currency,
  };
  try {
    return { kind: 'events', events: [handler(body.json, delivery)] };
  } catch (error) {
    if (error instanceof Rejected) return error.result;
    throw error;
  }
}
