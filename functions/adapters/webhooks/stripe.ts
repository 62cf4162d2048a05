import { EmailAddressSchema } from '../../domain/email-address.js';
import {
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  type Consent,
  type CustomerFacts,
  type CustomerRef,
  type LineItem,
  MAX_LINE_ITEMS,
} from '../../domain/events.js';
import { amountProblem, currencyExponent, isIsoCurrency, type Money, majorToMinor } from '../../domain/money.js';
import { WebAddressSchema } from '../../domain/web-address.js';
import * as z from '../../domain/zod.js';
import { compact, present } from '../field-values.js';
import {
  firstIssue,
  jsonBody,
  type SignatureCheck,
  verifyTimestampedHmac,
  type WebhookParseResult,
  type WebhookRequest,
  type WebhookSource,
} from './source.js';

/**
 * Stripe webhooks (snapshot events, https://docs.stripe.com/api/events/object). Signed in the
 * `Stripe-Signature` header (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1` per
 * active signing secret), verified as Stripe documents it (https://docs.stripe.com/webhooks#verify-manually);
 * the tests sign with the official `stripe` package, which the functions do not carry.
 */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
/** Signatures older (or further ahead) than this, against the receiver's wall clock, are refused: replays. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export function verifyStripeSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
): SignatureCheck {
  return verifyTimestampedHmac(header, rawBody, secret, now, STRIPE_SIGNATURE_TOLERANCE_SECONDS);
}

// --- Money -------------------------------------------------------------------------------------------

/**
 * Stripe's zero-decimal currencies: an API amount is whole units (https://docs.stripe.com/currencies#zero-decimal).
 * UGX is on Stripe's list too, but its special case says amounts keep two decimals for backwards
 * compatibility (like ISK since April 2023): 100 = 1 shilling. It is therefore left at two here.
 */
const STRIPE_ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** Three-decimal currencies (https://docs.stripe.com/currencies#three-decimal). */
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** How many decimals a Stripe API amount has in `currency` (upper case). */
export function stripeExponent(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.has(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * A Stripe amount (the currency's Stripe unit) in ISO 4217 minor units. They differ where Stripe keeps
 * two decimals for a currency ISO gives none (ISK, UGX: Stripe 50000 = 500 kr = canonical 500) or has no
 * decimals for one ISO gives two (MGA). HUF and TWD are two-decimal in charges (zero-decimal only for
 * payouts), as in ISO. A fraction of the ISO unit (old fractional ISK charges) rounds half away from zero.
 */
export function stripeAmountToMinor(amount: number, currency: string): number | undefined {
  if (!Number.isSafeInteger(amount)) return undefined;
  const code = currency.toUpperCase();
  const exponent = stripeExponent(code);
  if (exponent === currencyExponent(code)) return amount;
  const digits = Math.abs(amount)
    .toString()
    .padStart(exponent + 1, '0');
  const decimal = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  const minor = majorToMinor(decimal, code);
  if (minor === undefined) return undefined;
  return amount < 0 ? -minor : minor;
}

/** A field of the vendor payload that cannot be mapped; becomes an `invalid` result naming it. */
class FieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function money(amount: number, currency: string, field: string): Money {
  const code = currency.toUpperCase();
  const minor = stripeAmountToMinor(amount, code);
  if (minor === undefined) throw new FieldError(field, 'the amount cannot be converted to minor units');
  const problem = amountProblem(minor);
  if (problem) throw new FieldError(field, problem);
  return { amount: minor, currency: code };
}

// --- Vendor payload schemas (only the fields used) ----------------------------------------------------

const StripeIdSchema = z.string().check(z.minLength(1), z.maxLength(200));
/** An id, or the object when the sender expanded it (webhooks send ids; expanded objects carry `id`). */
const ExpandableIdSchema = z.pipe(
  z.union([StripeIdSchema, z.object({ id: StripeIdSchema })]),
  z.transform((value) => (typeof value === 'string' ? value : value.id)),
);
const AmountSchema = z.number().check(z.int({ message: 'expected an integer amount' }));
const CurrencyCodeSchema = z.string().check(
  z.regex(/^[A-Za-z]{3}$/, { message: 'expected a three-letter currency code' }),
  z.refine((code) => isIsoCurrency(code.toUpperCase()), { message: 'expected an ISO 4217 currency code such as usd' }),
);
/** Kept as text here: an address we cannot use is dropped, it does not refuse a paid order. */
const EmailTextSchema = z.string().check(z.maxLength(1000));
const NameTextSchema = z.string().check(z.maxLength(1000));
/** Up to 9999-12-31T23:59:59Z: a later time is no valid Date (or no four-digit year) to put in an event. */
const UnixSecondsSchema = z
  .number()
  .check(z.int(), z.nonnegative(), z.lte(253_402_300_799, { message: 'expected Unix seconds' }));

/** Every event: the envelope. `data.object` is checked per type, once the type is known to be used. */
const StripeEventSchema = z.object({
  id: StripeIdSchema,
  type: z.string().check(z.minLength(1), z.maxLength(200)),
  created: UnixSecondsSchema,
  data: z.object({ object: z.unknown(), previous_attributes: z.optional(z.unknown()) }),
});

/** A Checkout line item (https://docs.stripe.com/api/checkout/sessions/line_items), only when expanded. */
const CheckoutLineItemSchema = z.object({
  description: z.nullish(z.string()),
  quantity: z.nullish(z.number().check(z.int(), z.nonnegative())),
  amount_subtotal: z.nullish(AmountSchema),
  price: z.nullish(
    z.object({
      id: StripeIdSchema,
      product: z.union([StripeIdSchema, z.object({ id: StripeIdSchema, name: z.nullish(z.string()) })]),
      unit_amount: z.nullish(AmountSchema),
    }),
  ),
});

/**
 * A promotion code as an order names it: its id (`promo_…`), which is what webhooks carry, or the promotion
 * code object when the sender expanded it, which says the code the customer typed. The id is kept as the
 * order's discount code: a code this product made through Stripe is recorded with its id, and redeemed by it.
 * https://docs.stripe.com/api/promotion_codes/object
 */
const PromotionCodeRefSchema = z.pipe(
  z.union([StripeIdSchema, z.object({ id: StripeIdSchema, code: z.nullish(z.string().check(z.maxLength(500))) })]),
  z.transform((value) => (typeof value === 'string' ? value : value.code?.trim() || value.id)),
);
/** A discount (https://docs.stripe.com/api/discounts/object): its id (`di_…`) unless expanded. */
const DiscountRefSchema = z.union([
  z.pipe(
    StripeIdSchema,
    z.transform(() => undefined),
  ),
  z.pipe(
    z.object({ promotion_code: z.nullish(PromotionCodeRefSchema) }),
    z.transform((value) => value.promotion_code),
  ),
]);

/** The promotion codes of an order, as they are known: at most 20, each at most 100 characters. */
function promotionCodes(codes: readonly (string | null | undefined)[]): string[] | undefined {
  const known = [...new Set(codes.filter((code): code is string => !!code && code.length <= 100))].slice(0, 20);
  return known.length > 0 ? known : undefined;
}

/** https://docs.stripe.com/api/checkout/sessions/object */
const CheckoutSessionSchema = z.object({
  id: StripeIdSchema,
  mode: z.string().check(z.maxLength(50)),
  payment_status: z.string().check(z.maxLength(50)),
  payment_intent: z.nullish(ExpandableIdSchema),
  customer: z.nullish(ExpandableIdSchema),
  customer_email: z.nullish(EmailTextSchema),
  customer_details: z.nullish(
    z.object({
      email: z.nullish(EmailTextSchema),
      name: z.nullish(NameTextSchema),
      individual_name: z.nullish(NameTextSchema),
    }),
  ),
  amount_total: z.nullish(AmountSchema),
  currency: z.nullish(CurrencyCodeSchema),
  consent: z.nullish(z.object({ promotions: z.nullish(z.string().check(z.maxLength(50))) })),
  line_items: z.optional(z.object({ data: z.array(CheckoutLineItemSchema) })),
  /** The coupons and promotion codes applied: promotion codes by id in webhooks, by code when expanded. */
  discounts: z.nullish(
    z.array(z.object({ promotion_code: z.nullish(PromotionCodeRefSchema) })).check(z.maxLength(100)),
  ),
  /** `breakdown` is includable only: absent from webhooks, present when the sender expanded it. */
  total_details: z.nullish(
    z.object({
      breakdown: z.nullish(
        z.object({ discounts: z.array(z.object({ discount: z.nullish(DiscountRefSchema) })).check(z.maxLength(100)) }),
      ),
    }),
  ),
});
type CheckoutSession = z.infer<typeof CheckoutSessionSchema>;

/** https://docs.stripe.com/api/customers/object */
const CustomerSchema = z.object({
  id: StripeIdSchema,
  email: z.nullish(EmailTextSchema),
  name: z.nullish(NameTextSchema),
  individual_name: z.nullish(NameTextSchema),
  preferred_locales: z.nullish(z.array(z.string())),
});

/** https://docs.stripe.com/api/invoices/line_item: `pricing` since 2025-03-31.basil, `price` before. */
const InvoiceLineSchema = z.object({
  amount: AmountSchema,
  description: z.nullish(z.string()),
  quantity: z.nullish(z.number().check(z.int(), z.nonnegative())),
  pricing: z.nullish(
    z.object({ price_details: z.nullish(z.object({ price: ExpandableIdSchema, product: ExpandableIdSchema })) }),
  ),
  price: z.nullish(z.object({ id: StripeIdSchema, product: ExpandableIdSchema, unit_amount: z.nullish(AmountSchema) })),
});

/** https://docs.stripe.com/api/invoices/object */
const InvoiceSchema = z.object({
  id: StripeIdSchema,
  number: z.nullish(z.string()),
  amount_paid: AmountSchema,
  currency: CurrencyCodeSchema,
  customer: z.nullish(ExpandableIdSchema),
  customer_email: z.nullish(EmailTextSchema),
  customer_name: z.nullish(NameTextSchema),
  /** API versions before 2025-03-31.basil only. */
  payment_intent: z.nullish(ExpandableIdSchema),
  /** Since basil: includable (absent from webhooks unless Stripe starts sending it). */
  payments: z.nullish(
    z.object({
      data: z.array(
        z.object({
          status: z.nullish(z.string()),
          payment: z.object({ type: z.string(), payment_intent: z.nullish(ExpandableIdSchema) }),
        }),
      ),
    }),
  ),
  lines: z.object({ data: z.array(InvoiceLineSchema) }),
  /** The discounts applied, by id (`di_…`) in webhooks; expanded, they name their promotion code. */
  discounts: z.nullish(z.array(DiscountRefSchema).check(z.maxLength(100))),
});

/** https://docs.stripe.com/api/charges/object */
const ChargeSchema = z.object({
  id: StripeIdSchema,
  amount_refunded: AmountSchema.check(z.nonnegative()),
  currency: CurrencyCodeSchema,
  payment_intent: z.nullish(ExpandableIdSchema),
  customer: z.nullish(ExpandableIdSchema),
  receipt_email: z.nullish(EmailTextSchema),
  billing_details: z.nullish(z.object({ email: z.nullish(EmailTextSchema) })),
  /** Included by default only before API version 2022-11-15. */
  refunds: z.nullish(
    z.object({ data: z.array(z.object({ id: StripeIdSchema, amount: AmountSchema, created: UnixSecondsSchema })) }),
  ),
});
const ChargePreviousSchema = z.nullish(z.object({ amount_refunded: z.optional(AmountSchema.check(z.nonnegative())) }));

/** https://docs.stripe.com/api/products/object */
const ProductSchema = z.object({
  id: StripeIdSchema,
  active: z.boolean(),
  name: z.string().check(z.maxLength(10_000)),
  /** The product's page; Stripe leaves it null unless set. */
  url: z.nullish(WebAddressSchema),
  images: z.nullish(z.array(WebAddressSchema).check(z.maxLength(100))),
  default_price: z.nullish(ExpandableIdSchema),
  updated: UnixSecondsSchema,
});

/** https://docs.stripe.com/api/prices/object */
const PriceSchema = z.object({
  id: StripeIdSchema,
  active: z.boolean(),
  currency: CurrencyCodeSchema,
  product: ExpandableIdSchema,
  /** `one_time` or `recurring`. */
  type: z.string().check(z.maxLength(50)),
  /** Null for a price without a fixed amount (customer chooses, tiered, or a decimal amount). */
  unit_amount: z.nullish(AmountSchema.check(z.nonnegative())),
});

// --- Mapping -------------------------------------------------------------------------------------------

type StripeEvent = z.infer<typeof StripeEventSchema>;

/** The event types this source maps; everything else is answered 2xx and dropped. */
const USED_TYPES = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'customer.created',
  'invoice.paid',
  'charge.refunded',
  'product.created',
  'product.updated',
  'product.deleted',
  'price.created',
  'price.updated',
  'price.deleted',
]);

function parseObject<T extends z.ZodMiniType>(schema: T, value: unknown, field = 'data.object'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = firstIssue(result.error, field);
    throw new FieldError(issue.field, issue.message);
  }
  return result.data;
}

function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A usable address, normalised; an unusable one is dropped rather than refusing the event. */
function email(...candidates: (string | null | undefined)[]): string | undefined {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const parsed = EmailAddressSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/**
 * One free-text name (Stripe has no first/last fields) split without guessing: a single word is a
 * first name, two words are first and last; with more ("Mary Ann Smith", "Ludwig van Beethoven") only the
 * first word is kept, as the greeting name, rather than store a last name that may be wrong.
 */
export function splitName(full: string | null | undefined): { firstName?: string; lastName?: string } {
  const words = (full ?? '').trim().split(/\s+/).filter(Boolean);
  const [first, second] = words;
  if (!first) return {};
  if (words.length === 2 && second) return { firstName: first.slice(0, 200), lastName: second.slice(0, 200) };
  return { firstName: first.slice(0, 200) };
}

function hasIdentity(customer: CustomerRef): boolean {
  return customer.email !== undefined || customer.externalId !== undefined;
}

function envelope(event: StripeEvent) {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `stripe:${event.id}`,
    source: 'stripe' as const,
    occurredAt: isoFromUnix(event.created),
  };
}

function checkoutCustomer(session: CheckoutSession, event: StripeEvent): CustomerFacts {
  const details = session.customer_details;
  const promotions = session.consent?.promotions;
  // Only an explicit answer is a consent statement; no answer (not asked) leaves consent untouched.
  const consent: Consent | undefined =
    promotions === 'opt_in' || promotions === 'opt_out'
      ? {
          email: promotions === 'opt_in' ? 'subscribed' : 'unsubscribed',
          source: 'stripe:checkout',
          at: isoFromUnix(event.created),
        }
      : undefined;
  return compact({
    email: email(details?.email, session.customer_email),
    externalId: session.customer ?? undefined,
    ...splitName(details?.individual_name || details?.name),
    consent,
  });
}

function checkoutLineItems(session: CheckoutSession, currency: string): LineItem[] {
  const items: LineItem[] = [];
  const data = session.line_items?.data ?? [];
  for (const [index, item] of data.entries()) {
    if (items.length >= MAX_LINE_ITEMS) break;
    const price = item.price;
    const quantity = item.quantity ?? 1;
    if (!price || quantity === 0) continue;
    const product = typeof price.product === 'string' ? { id: price.product, name: undefined } : price.product;
    // The price's unit amount; for custom amounts (no unit amount) the pre-discount subtotal per unit.
    const unit = price.unit_amount ?? Math.round((item.amount_subtotal ?? 0) / quantity);
    items.push({
      productId: product.id,
      variantId: price.id,
      name: (item.description || product.name || product.id).slice(0, 300),
      quantity,
      unitPrice: money(unit, currency, `data.object.line_items.data.${index}.price.unit_amount`),
    });
  }
  return items;
}

/**
 * `checkout.session.completed` / `checkout.session.async_payment_succeeded`. A paid one-off checkout is an
 * order, keyed by its PaymentIntent: refunds arrive as `charge.refunded` carrying that PaymentIntent, which
 * is how they find the order. A subscription or setup checkout, or one whose delayed payment (SEPA, bank
 * transfer) is still unpaid, only tells us who the customer is and what they answered to marketing: the
 * subscription's money comes as `invoice.paid` (counting the session too would count it twice), the delayed
 * payment as `checkout.session.async_payment_succeeded`.
 */
function mapCheckout(event: StripeEvent): WebhookParseResult {
  const session = parseObject(CheckoutSessionSchema, event.data.object);
  const customer = checkoutCustomer(session, event);
  const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
  if (session.mode !== 'payment' || !paid) {
    if (!hasIdentity(customer)) {
      return {
        kind: 'ignored',
        reason: `checkout session (${session.mode}, ${session.payment_status}) without a customer`,
      };
    }
    return { kind: 'events', events: [{ ...envelope(event), type: 'customer.updated', data: { customer } }] };
  }
  if (session.amount_total === null || session.amount_total === undefined) {
    throw new FieldError('data.object.amount_total', 'a paid checkout session needs its total');
  }
  if (!session.currency) throw new FieldError('data.object.currency', 'a paid checkout session needs its currency');
  const codes = [
    ...(session.discounts ?? []).map((discount) => discount.promotion_code),
    ...(session.total_details?.breakdown?.discounts ?? []).map((line) => line.discount),
  ];
  const discountCodes = promotionCodes(codes);
  const order = {
    id: session.payment_intent ?? session.id,
    placedAt: isoFromUnix(event.created),
    total: money(session.amount_total, session.currency, 'data.object.amount_total'),
    lineItems: checkoutLineItems(session, session.currency),
    ...(discountCodes ? { discountCodes } : {}),
  };
  const placed: CanonicalEvent = {
    ...envelope(event),
    type: 'order.placed',
    data: hasIdentity(customer) ? { customer, order } : { order },
  };
  return { kind: 'events', events: [placed] };
}

/**
 * `customer.created`: Stripe creates customers at payment time, so this is not a signup (which would
 * start the welcome series): it creates the customer, without consent.
 */
function mapCustomerCreated(event: StripeEvent): WebhookParseResult {
  const created = parseObject(CustomerSchema, event.data.object);
  const locale = created.preferred_locales?.find((value) => value.length > 0 && value.length <= 35);
  const customer: CustomerFacts = compact({
    email: email(created.email),
    externalId: created.id,
    ...splitName(created.individual_name || created.name),
    locale,
  });
  return { kind: 'events', events: [{ ...envelope(event), type: 'customer.updated', data: { customer } }] };
}

/**
 * `invoice.paid`: subscriptions and invoices. The order id is the PaymentIntent when the payload names it
 * (API versions before 2025-03-31.basil put it in `payment_intent`; later ones moved it to the includable
 * `payments` list, which webhooks do not include), so that `charge.refunded` links to it; otherwise the
 * invoice id. Since basil a charge no longer names its invoice either, so a refund of such an invoice
 * cannot be linked from the payloads alone (it is recorded on its PaymentIntent's key).
 */
function mapInvoicePaid(event: StripeEvent): WebhookParseResult {
  const invoice = parseObject(InvoiceSchema, event.data.object);
  if (invoice.amount_paid === 0) {
    return { kind: 'ignored', reason: 'invoice paid nothing (trial or fully credited): not a purchase' };
  }
  const paidPayment = invoice.payments?.data.find((p) => p.status === 'paid' && p.payment.payment_intent);
  const orderId = invoice.payment_intent ?? paidPayment?.payment.payment_intent ?? invoice.id;
  const lineItems: LineItem[] = [];
  for (const [index, line] of invoice.lines.data.entries()) {
    if (lineItems.length >= MAX_LINE_ITEMS) break;
    const product = line.pricing?.price_details?.product ?? line.price?.product;
    const quantity = line.quantity ?? 1;
    if (!product || quantity === 0) continue;
    const unit = line.price?.unit_amount ?? Math.round(line.amount / quantity);
    lineItems.push(
      compact({
        productId: product,
        variantId: line.pricing?.price_details?.price ?? line.price?.id,
        name: (line.description || product).slice(0, 300),
        quantity,
        unitPrice: money(unit, invoice.currency, `data.object.lines.data.${index}.amount`),
      }),
    );
  }
  const customer: CustomerFacts = compact({
    email: email(invoice.customer_email),
    externalId: invoice.customer ?? undefined,
    ...splitName(invoice.customer_name),
  });
  const order = compact({
    id: orderId,
    number: invoice.number?.slice(0, 100) || undefined,
    placedAt: isoFromUnix(event.created),
    total: money(invoice.amount_paid, invoice.currency, 'data.object.amount_paid'),
    lineItems,
    discountCodes: promotionCodes(invoice.discounts ?? []),
  });
  const placed: CanonicalEvent = {
    ...envelope(event),
    type: 'order.placed',
    data: hasIdentity(customer) ? { customer, order } : { order },
  };
  return { kind: 'events', events: [placed] };
}

/**
 * `charge.refunded` (sent for every refund, partial ones included; `amount_refunded` is the running
 * total). The refund is the newest of `refunds.data` when the payload lists them (API versions before
 * 2022-11-15). Otherwise its id is `<charge id>:<amount_refunded>`, unique per refund because the running
 * total only grows, and its amount is what this refund added: `amount_refunded` minus the
 * `previous_attributes.amount_refunded` Stripe sends with the event, or the whole running total when that
 * is absent (right for the first refund of a charge, which is the usual case).
 */
function mapChargeRefunded(event: StripeEvent): WebhookParseResult {
  const charge = parseObject(ChargeSchema, event.data.object);
  const previous = parseObject(ChargePreviousSchema, event.data.previous_attributes, 'data.previous_attributes');
  // Stripe lists refunds newest first; the sort (stable) only guards against another order.
  const listed = (charge.refunds?.data ?? []).map((item, index) => ({ ...item, index }));
  const newest = listed.sort((a, b) => b.created - a.created)[0];
  const refund = newest
    ? { id: newest.id, amount: newest.amount, field: `data.object.refunds.data.${newest.index}.amount` }
    : {
        id: `${charge.id}:${charge.amount_refunded}`,
        amount: charge.amount_refunded - (previous?.amount_refunded ?? 0),
        field: 'data.object.amount_refunded',
      };
  if (refund.amount <= 0) return { kind: 'ignored', reason: 'charge.refunded without a new refunded amount' };
  const customer: CustomerRef = compact({
    email: email(charge.billing_details?.email, charge.receipt_email),
    externalId: charge.customer ?? undefined,
  });
  const refunded: CanonicalEvent = {
    ...envelope(event),
    type: 'order.refunded',
    data: {
      ...(hasIdentity(customer) ? { customer } : {}),
      order: { id: charge.payment_intent ?? charge.id },
      refund: {
        id: refund.id,
        amount: money(refund.amount, charge.currency, refund.field),
        refundedAt: isoFromUnix(event.created),
      },
    },
  };
  return { kind: 'events', events: [refunded] };
}

/**
 * product.created and product.updated: the product's own details, as of its `updated` time; its price
 * comes from its prices' events (a product event names only the id of its default price).
 */
function mapProductDetails(event: StripeEvent): WebhookParseResult {
  const product = parseObject(ProductSchema, event.data.object);
  const title = present(product.name, 300);
  if (!title) throw new FieldError('data.object.name', 'a product has a name');
  const details = compact({
    id: product.id,
    title,
    url: product.url ?? undefined,
    imageUrl: product.images?.[0],
    active: product.active,
    defaultPriceId: product.default_price ?? undefined,
    updatedAt: isoFromUnix(product.updated),
  });
  return {
    kind: 'events',
    events: [{ ...envelope(event), type: 'product.details_changed', data: { product: details } }],
  };
}

/** product.deleted: the product leaves the catalogue as of the event. */
function mapProductDeleted(event: StripeEvent): WebhookParseResult {
  const product = parseObject(z.object({ id: StripeIdSchema }), event.data.object);
  return {
    kind: 'events',
    events: [{ ...envelope(event), type: 'product.deleted', data: { product: { id: product.id } } }],
  };
}

/**
 * price.created, price.updated and price.deleted: one price of a product, as of the event (a Price has no
 * modification time of its own). An amount is only kept when the price has a fixed one.
 */
function mapPrice(event: StripeEvent): WebhookParseResult {
  const price = parseObject(PriceSchema, event.data.object);
  const amount =
    price.unit_amount === null || price.unit_amount === undefined
      ? undefined
      : money(price.unit_amount, price.currency, 'data.object.unit_amount');
  const changed = compact({
    id: price.id,
    productId: price.product,
    amount,
    active: price.active,
    recurring: price.type === 'recurring',
    deleted: event.type === 'price.deleted' ? true : undefined,
    changedAt: isoFromUnix(event.created),
  });
  return { kind: 'events', events: [{ ...envelope(event), type: 'product.price_changed', data: { price: changed } }] };
}

function toCanonical(event: StripeEvent): WebhookParseResult {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return mapCheckout(event);
    case 'customer.created':
      return mapCustomerCreated(event);
    case 'invoice.paid':
      return mapInvoicePaid(event);
    case 'charge.refunded':
      return mapChargeRefunded(event);
    case 'product.created':
    case 'product.updated':
      return mapProductDetails(event);
    case 'product.deleted':
      return mapProductDeleted(event);
    case 'price.created':
    case 'price.updated':
    case 'price.deleted':
      return mapPrice(event);
    default:
      return { kind: 'ignored', reason: `topic ${event.type} is not used` };
  }
}

export const stripeSource: WebhookSource = {
  name: 'stripe',
  verify(request: WebhookRequest, secret: string, now: Date): SignatureCheck {
    return verifyStripeSignature(request.headers[STRIPE_SIGNATURE_HEADER], request.rawBody, secret, now);
  },
  parse(request: WebhookRequest): WebhookParseResult {
    const body = jsonBody(request.rawBody);
    if (!('json' in body)) return body;
    const result = StripeEventSchema.safeParse(body.json);
    if (!result.success) return { kind: 'invalid', ...firstIssue(result.error) };
    if (!USED_TYPES.has(result.data.type)) return { kind: 'ignored', reason: `topic ${result.data.type} is not used` };
    try {
      return toCanonical(result.data);
    } catch (error) {
      if (error instanceof FieldError) return { kind: 'invalid', field: error.field, message: error.message };
      throw error;
    }
  },
};
