import { EmailAddressSchema } from './email-address.js';
import { InvalidCanonicalEventError } from './errors.js';
import { MAX_MINOR_AMOUNT, MoneySchema } from './money.js';
import { WebAddressSchema } from './web-address.js';
import * as z from './zod.js';

export type { Money } from './money.js';

/**
 * The canonical event model: every storefront's webhook becomes one of these, so nothing downstream knows
 * or cares which shop an event came from. Events are versioned by `schemaVersion`; a breaking change adds
 * a new version next to the old one rather than changing it. Events carry only what the product uses:
 * an EventBridge entry is limited to 256 KB, and storefront payloads can be far larger.
 */
export const CANONICAL_SCHEMA_VERSION = 1 as const;

/** Where an event entered the product. Kept for aliases and consent proof, never for branching. */
export const SourceNameSchema = z.enum(['generic', 'shopify', 'woocommerce', 'stripe']);
export type SourceName = z.infer<typeof SourceNameSchema>;

/** The EventBridge `source` of events accepted from storefront webhooks. */
export const STOREFRONT_EVENT_SOURCE = 'lifecycle.storefront';

export const IsoDateTimeSchema = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' });

/** IANA time zone names such as Europe/Paris; checked against the runtime's time zone database. */
export const TimeZoneSchema = z
  .string()
  .check(z.refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Paris' }));

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Email marketing consent. `none`: never asked or never answered (Shopify's `not_subscribed`). */
export const ConsentStatusSchema = z.enum(['subscribed', 'unsubscribed', 'pending', 'none']);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

const Text = (max: number) => z.string().check(z.maxLength(max));
/** A storefront's own id of something (customer, order, product): kept as text. */
const ExternalIdSchema = z.string().check(z.minLength(1), z.maxLength(200));

export const AcquisitionSchema = z.object({
  source: z.optional(Text(200)),
  medium: z.optional(Text(200)),
  campaign: z.optional(Text(200)),
});
export type Acquisition = z.infer<typeof AcquisitionSchema>;

/** A consent statement, with its proof when the storefront gives one. */
export const ConsentSchema = z.object({
  email: ConsentStatusSchema,
  /** Where it was given: a form, a checkout, an admin change. */
  source: z.optional(Text(200)),
  /** When the storefront says the state was given or changed; defaults to the event's time. */
  at: z.optional(IsoDateTimeSchema),
  /** The IP address and user agent of the form submission, as proof. */
  ip: z.optional(Text(64)),
  userAgent: z.optional(Text(500)),
});
export type Consent = z.infer<typeof ConsentSchema>;

/** Who an event is about. Either the email or the storefront's customer id identifies them. */
export const CustomerRefSchema = z.object({
  email: z.optional(EmailAddressSchema),
  /** The storefront's own customer id, kept as an alias: `<source>:<externalId>`. */
  externalId: z.optional(ExternalIdSchema),
});
export type CustomerRef = z.infer<typeof CustomerRefSchema>;

/**
 * A birthday: `--MM-DD` (ISO 8601 without the year), or `YYYY-MM-DD` with a year of birth from 1900 to
 * 2099. Only dates that exist: 31 February is refused, 29 February only in a leap year (or without one).
 */
const MONTH_DAY =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
const LEAP_YEAR = '(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26]))';
export const BirthdaySchema = z.string().check(
  z.regex(new RegExp(`^(?:--(?:${MONTH_DAY}|02-29)|(?:19|20)\\d\\d-${MONTH_DAY}|${LEAP_YEAR}-02-29)$`), {
    message: 'expected a date that exists, as --MM-DD or YYYY-MM-DD, such as --03-14 or 1990-03-14',
  }),
);

/** What a storefront tells us about a person. Only what the product uses is kept. */
export const CustomerFactsSchema = z.extend(CustomerRefSchema, {
  firstName: z.optional(Text(200)),
  lastName: z.optional(Text(200)),
  /** Only the generic format carries one: Shopify, WooCommerce and Stripe have no standard birthday field. */
  birthday: z.optional(BirthdaySchema),
  timezone: z.optional(TimeZoneSchema),
  locale: z.optional(Text(35)),
  consent: z.optional(ConsentSchema),
  acquisition: z.optional(AcquisitionSchema),
});
export type CustomerFacts = z.infer<typeof CustomerFactsSchema>;

/** The most units of one product in one line of an order: wholesale, not a typo or a probe. */
export const MAX_LINE_QUANTITY = 1_000_000;

export const LineItemSchema = z
  .object({
    productId: ExternalIdSchema,
    variantId: z.optional(ExternalIdSchema),
    sku: z.optional(Text(200)),
    name: Text(300),
    quantity: z
      .number()
      .check(
        z.int(),
        z.positive(),
        z.lte(MAX_LINE_QUANTITY, { message: `a line holds at most ${MAX_LINE_QUANTITY} units` }),
      ),
    /** Price of one unit, before order-level discounts. */
    unitPrice: MoneySchema,
    categories: z.optional(z.array(Text(200)).check(z.maxLength(10))),
  })
  .check(
    z.refine((line) => line.quantity * line.unitPrice.amount <= MAX_MINOR_AMOUNT, {
      message: `a line's quantity times its unit price is at most ${MAX_MINOR_AMOUNT} minor units`,
      path: ['quantity'],
    }),
  );
export type LineItem = z.infer<typeof LineItemSchema>;

/** At most this many line items travel on the bus; the rest are summarised by the order total. */
export const MAX_LINE_ITEMS = 100;

export const OrderSchema = z.object({
  id: ExternalIdSchema,
  /** The number a person sees, e.g. #1001. */
  number: z.optional(Text(100)),
  placedAt: IsoDateTimeSchema,
  /** What the customer paid, taxes and shipping included, discounts deducted. */
  total: MoneySchema,
  discountCodes: z.optional(z.array(Text(100)).check(z.maxLength(20))),
  lineItems: z.array(LineItemSchema).check(z.maxLength(MAX_LINE_ITEMS)),
});
export type Order = z.infer<typeof OrderSchema>;

export const CheckoutSchema = z.object({
  id: ExternalIdSchema,
  /** Where the customer can resume the checkout: http(s) only, kept in its normal form. */
  url: z.optional(WebAddressSchema),
  total: MoneySchema,
  lineItems: z.array(LineItemSchema).check(z.maxLength(MAX_LINE_ITEMS)),
});
export type Checkout = z.infer<typeof CheckoutSchema>;

export const ProductSchema = z.object({
  id: ExternalIdSchema,
  name: z.optional(Text(300)),
  url: z.optional(WebAddressSchema),
  categories: z.optional(z.array(Text(200)).check(z.maxLength(10))),
  price: z.optional(MoneySchema),
});
export type Product = z.infer<typeof ProductSchema>;

/** Whether a product, or one variant of it, can be bought now. */
export const AvailabilitySchema = z.enum(['in_stock', 'out_of_stock']);
export type Availability = z.infer<typeof AvailabilitySchema>;

/** The most variants a catalogue product keeps: Shopify's own limit per product is 2,048; emails show a few. */
export const MAX_PRODUCT_VARIANTS = 100;
/** The most categories (collections, tags, types) a catalogue product keeps. */
export const MAX_PRODUCT_CATEGORIES = 20;

export const ProductVariantSchema = z.object({
  id: ExternalIdSchema,
  title: Text(300),
  price: MoneySchema,
  availability: AvailabilitySchema,
});
export type ProductVariant = z.infer<typeof ProductVariantSchema>;

/**
 * A product as the storefront sells it, kept in the catalogue so that emails can show it: its page and
 * image (http(s) only, in their normal form), its price and the compare-at price it is reduced from,
 * whether it can be bought, and its variants. `updatedAt` is the storefront's time of this state: a state
 * older than the one kept changes nothing.
 */
export const CatalogueProductSchema = z
  .object({
    id: ExternalIdSchema,
    title: Text(300).check(z.minLength(1)),
    /** The product's page; none for a product that has no public page (a draft). */
    url: z.optional(WebAddressSchema),
    imageUrl: z.optional(WebAddressSchema),
    /** The price of the product, or its lowest variant price. */
    price: MoneySchema,
    /** The price before a reduction, shown struck through; in the price's currency. */
    compareAtPrice: z.optional(MoneySchema),
    availability: AvailabilitySchema,
    categories: z.optional(z.array(Text(200)).check(z.maxLength(MAX_PRODUCT_CATEGORIES))),
    variants: z.optional(z.array(ProductVariantSchema).check(z.maxLength(MAX_PRODUCT_VARIANTS))),
    updatedAt: IsoDateTimeSchema,
  })
  .check(
    z.superRefine((product, context) => {
      const currency = product.price.currency;
      if (product.compareAtPrice !== undefined && product.compareAtPrice.currency !== currency) {
        context.addIssue({
          code: 'custom',
          path: ['compareAtPrice', 'currency'],
          message: "a compare-at price is in the product price's currency",
        });
      }
      const seen = new Set<string>();
      (product.variants ?? []).forEach((variant, index) => {
        if (variant.price.currency !== currency) {
          context.addIssue({
            code: 'custom',
            path: ['variants', index, 'price', 'currency'],
            message: "a variant's price is in the product price's currency",
          });
        }
        if (seen.has(variant.id)) {
          context.addIssue({ code: 'custom', path: ['variants', index, 'id'], message: 'variant ids are unique' });
        }
        seen.add(variant.id);
      });
    }),
  );
export type CatalogueProduct = z.infer<typeof CatalogueProductSchema>;

const envelope = {
  schemaVersion: z.literal(CANONICAL_SCHEMA_VERSION),
  /** Unique across sources: `<source>:<the source's own event or delivery id>`. */
  id: z.string().check(z.minLength(1), z.maxLength(512)),
  source: SourceNameSchema,
  /** When it happened, by the storefront's clock. Used to keep newer state over older deliveries. */
  occurredAt: IsoDateTimeSchema,
};

const identified = <
  T extends z.ZodMiniObject<{ email: z.ZodMiniOptional<z.ZodMiniType>; externalId: z.ZodMiniOptional<z.ZodMiniType> }>,
>(
  schema: T,
) =>
  schema.check(
    z.refine((customer) => customer.email !== undefined || customer.externalId !== undefined, {
      message: 'an email or an external customer id is required',
    }),
  );

export const CustomerSignedUpSchema = z.object({
  ...envelope,
  type: z.literal('customer.signed_up'),
  data: z.object({ customer: z.extend(CustomerFactsSchema, { email: EmailAddressSchema }) }),
});
export const CustomerUpdatedSchema = z.object({
  ...envelope,
  type: z.literal('customer.updated'),
  data: z.object({ customer: identified(CustomerFactsSchema) }),
});
export const ConsentChangedSchema = z.object({
  ...envelope,
  type: z.literal('consent.changed'),
  data: z.object({ customer: identified(CustomerRefSchema), consent: ConsentSchema }),
});
export const OrderPlacedSchema = z.object({
  ...envelope,
  type: z.literal('order.placed'),
  /** The customer is optional: an order without an email counts for the store, not for a person. */
  data: z.object({ customer: z.optional(CustomerFactsSchema), order: OrderSchema }),
});
export const OrderRefundedSchema = z.object({
  ...envelope,
  type: z.literal('order.refunded'),
  data: z.object({
    customer: z.optional(CustomerRefSchema),
    order: z.object({ id: ExternalIdSchema }),
    refund: z.object({ id: ExternalIdSchema, amount: MoneySchema, refundedAt: IsoDateTimeSchema }),
  }),
});
export const OrderCancelledSchema = z.object({
  ...envelope,
  type: z.literal('order.cancelled'),
  data: z.object({
    customer: z.optional(CustomerRefSchema),
    order: z.object({ id: ExternalIdSchema, cancelledAt: IsoDateTimeSchema }),
  }),
});
export const CheckoutStartedSchema = z.object({
  ...envelope,
  type: z.literal('checkout.started'),
  data: z.object({ customer: CustomerFactsSchema, checkout: CheckoutSchema }),
});
export const CheckoutUpdatedSchema = z.object({
  ...envelope,
  type: z.literal('checkout.updated'),
  data: z.object({ customer: CustomerFactsSchema, checkout: CheckoutSchema }),
});
export const ProductViewedSchema = z.object({
  ...envelope,
  type: z.literal('product.viewed'),
  data: z.object({ customer: identified(CustomerRefSchema), product: ProductSchema }),
});
/**
 * How a storefront that reports stock per inventory item and location (Shopify) ties an item to the
 * product: the variant it stocks, whether that variant sells without stock (stock not tracked, or sold
 * past zero), and whether the product is for sale at all.
 */
export const InventoryItemLinkSchema = z.object({
  itemId: ExternalIdSchema,
  variantId: ExternalIdSchema,
  alwaysAvailable: z.boolean(),
  forSale: z.boolean(),
});
export type InventoryItemLink = z.infer<typeof InventoryItemLinkSchema>;

/** A customer asks to be told when a product can be bought again (a "notify me" button). */
export const ProductStockRequestedSchema = z.object({
  ...envelope,
  type: z.literal('product.stock_requested'),
  data: z.object({ customer: identified(CustomerRefSchema), product: ProductSchema }),
});
/**
 * News about a product for one customer interested in it (made by the product from a catalogue change,
 * never accepted from outside): the customer by the product's own id for them, the product as the email
 * shows it, and the price it had before the change.
 */
const productNews = <T extends string>(type: T) =>
  z.object({
    ...envelope,
    type: z.literal(type),
    data: z.object({
      customer: z.object({ customerId: z.string().check(z.minLength(1), z.maxLength(200)) }),
      product: z.object({
        id: ExternalIdSchema,
        title: Text(300).check(z.minLength(1)),
        url: z.optional(WebAddressSchema),
        imageUrl: z.optional(WebAddressSchema),
        price: MoneySchema,
        previousPrice: MoneySchema,
      }),
    }),
  });
export const ProductBackInStockSchema = productNews('product.back_in_stock');
export const ProductPriceDroppedSchema = productNews('product.price_dropped');
export const ProductUpsertedSchema = z.object({
  ...envelope,
  type: z.literal('product.upserted'),
  data: z.object({
    product: CatalogueProductSchema,
    /** The product's inventory items, for the stock changes that name only an item (Shopify). */
    inventoryItems: z.optional(z.array(InventoryItemLinkSchema).check(z.maxLength(MAX_PRODUCT_VARIANTS))),
  }),
});

/** The stock of one inventory item at one location (Shopify `inventory_levels/update`). */
export const InventoryLevelSchema = z.object({
  itemId: ExternalIdSchema,
  locationId: ExternalIdSchema,
  /** Units available; none when the item's stock is not tracked there. */
  available: z.optional(z.number().check(z.int(), z.gte(-1_000_000_000), z.lte(1_000_000_000))),
  updatedAt: IsoDateTimeSchema,
});
export type InventoryLevel = z.infer<typeof InventoryLevelSchema>;

export const ProductInventoryChangedSchema = z.object({
  ...envelope,
  type: z.literal('product.inventory_changed'),
  data: z.object({ inventory: InventoryLevelSchema }),
});
export const ProductDeletedSchema = z.object({
  ...envelope,
  type: z.literal('product.deleted'),
  /** The product is gone from the storefront as of the event's `occurredAt`. */
  data: z.object({ product: z.object({ id: ExternalIdSchema }) }),
});
/**
 * A product's own facts, for a storefront that prices products apart from them (Stripe: a product and
 * its prices change in different events): title, page, image, whether it is sold, and the id of its
 * default price. Kept beside the product's prices; the catalogue product is made from both.
 */
export const ProductDetailsSchema = z.object({
  id: ExternalIdSchema,
  title: Text(300).check(z.minLength(1)),
  url: z.optional(WebAddressSchema),
  imageUrl: z.optional(WebAddressSchema),
  /** Whether the storefront sells it at all. */
  active: z.boolean(),
  defaultPriceId: z.optional(ExternalIdSchema),
  categories: z.optional(z.array(Text(200)).check(z.maxLength(MAX_PRODUCT_CATEGORIES))),
  updatedAt: IsoDateTimeSchema,
});
export type ProductDetails = z.infer<typeof ProductDetailsSchema>;

/** One price of a product priced apart (a Stripe Price), as of `changedAt`. */
export const ProductPriceSchema = z.object({
  id: ExternalIdSchema,
  productId: ExternalIdSchema,
  /** None for a price without a fixed amount (customer chooses, tiers, metered). */
  amount: z.optional(MoneySchema),
  active: z.boolean(),
  /** A subscription's price rather than a one-time one. */
  recurring: z.boolean(),
  /** The price was deleted: it prices nothing any more. */
  deleted: z.optional(z.boolean()),
  changedAt: IsoDateTimeSchema,
});
export type ProductPrice = z.infer<typeof ProductPriceSchema>;

export const ProductDetailsChangedSchema = z.object({
  ...envelope,
  type: z.literal('product.details_changed'),
  data: z.object({ product: ProductDetailsSchema }),
});
export const ProductPriceChangedSchema = z.object({
  ...envelope,
  type: z.literal('product.price_changed'),
  data: z.object({ price: ProductPriceSchema }),
});
export const CustomerErasedSchema = z.object({
  ...envelope,
  type: z.literal('customer.erased'),
  data: z.object({ customer: identified(CustomerRefSchema) }),
});
export const CustomerDataRequestedSchema = z.object({
  ...envelope,
  type: z.literal('customer.data_requested'),
  data: z.object({ customer: identified(CustomerRefSchema), request: z.object({ id: ExternalIdSchema }) }),
});
export const ShopErasedSchema = z.object({
  ...envelope,
  type: z.literal('shop.erased'),
  data: z.object({
    shop: z.object({ domain: z.optional(Text(300)) }),
    /** Set by the product itself when an erasure continues in another invocation. */
    resumeAfter: z.optional(Text(2000)),
    page: z.optional(z.number().check(z.int(), z.nonnegative())),
  }),
});

export const CanonicalEventSchema = z.discriminatedUnion('type', [
  CustomerSignedUpSchema,
  CustomerUpdatedSchema,
  ConsentChangedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
  OrderCancelledSchema,
  CheckoutStartedSchema,
  CheckoutUpdatedSchema,
  ProductViewedSchema,
  ProductStockRequestedSchema,
  ProductBackInStockSchema,
  ProductPriceDroppedSchema,
  ProductUpsertedSchema,
  ProductDeletedSchema,
  ProductDetailsChangedSchema,
  ProductPriceChangedSchema,
  ProductInventoryChangedSchema,
  CustomerErasedSchema,
  CustomerDataRequestedSchema,
  ShopErasedSchema,
]);
export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;
export type CanonicalEventType = CanonicalEvent['type'];
export type EventOfType<T extends CanonicalEventType> = Extract<CanonicalEvent, { type: T }>;
export type CustomerSignedUp = EventOfType<'customer.signed_up'>;
/** The events that keep the product catalogue: about products, never about a person. */
export type CatalogueEvent =
  | EventOfType<'product.upserted'>
  | EventOfType<'product.deleted'>
  | EventOfType<'product.details_changed'>
  | EventOfType<'product.price_changed'>
  | EventOfType<'product.inventory_changed'>;
export const CATALOGUE_EVENT_TYPES: readonly CatalogueEvent['type'][] = [
  'product.upserted',
  'product.deleted',
  'product.details_changed',
  'product.price_changed',
  'product.inventory_changed',
];

/** Whether an event keeps the catalogue rather than a customer. */
export function isCatalogueEvent(event: CanonicalEvent): event is CatalogueEvent {
  return (CATALOGUE_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** Every canonical event type, in the order they are documented. */
export const CANONICAL_EVENT_TYPES: readonly CanonicalEventType[] = CanonicalEventSchema.def.options.flatMap(
  (option) => option.shape.type.def.values,
);

/**
 * The earliest time an event from outside may state: before online shops, so a date before it is a
 * placeholder or a probe (a consent dated 1900 must not make a new customer look long unengaged).
 */
export const EARLIEST_EVENT_TIME = '1995-01-01T00:00:00.000Z';
/** How far ahead of the product's clock a sender's clock may run. */
export const CLOCK_SKEW_ALLOWANCE_MS = 15 * 60 * 1000;

/**
 * The fields that hold a time, wherever they are in an event (`occurredAt`, `data.order.placedAt`,
 * `data.refund.refundedAt`, `data.order.cancelledAt`, `data.customer.consent.at`, `data.consent.at`,
 * `data.product.updatedAt`, `data.price.changedAt`).
 * A test checks this list against every date-time of the published JSON Schema.
 */
export const EVENT_TIME_FIELDS: ReadonlySet<string> = new Set([
  'occurredAt',
  'placedAt',
  'refundedAt',
  'cancelledAt',
  'at',
  'updatedAt',
  'changedAt',
]);

export interface EventProblem {
  /** The path of the field in the canonical event, e.g. `data.order.placedAt`. */
  readonly field: string;
  /** What is wrong; never the value. */
  readonly message: string;
}

/**
 * The first time in `event` that cannot be real at `now`: after now plus the clock-skew allowance (a
 * consent dated 9999 would outrank every later real change), or before {@link EARLIEST_EVENT_TIME}.
 */
export function eventTimeProblem(event: CanonicalEvent, now: Date): EventProblem | undefined {
  const visit = (value: unknown, path: readonly string[]): EventProblem | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    for (const [key, inner] of Object.entries(value)) {
      const here = [...path, key];
      if (typeof inner === 'string' && EVENT_TIME_FIELDS.has(key)) {
        const message = timeProblem(inner, now);
        if (message) return { field: here.join('.'), message };
      } else {
        const found = visit(inner, here);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visit(event, []);
}

/** Why a time from outside cannot be real at `now` (see {@link eventTimeProblem}), or undefined. */
export function timeProblem(time: string, now: Date): string | undefined {
  const at = Date.parse(time);
  if (at > now.getTime() + CLOCK_SKEW_ALLOWANCE_MS) return 'the time is in the future';
  if (at < Date.parse(EARLIEST_EVENT_TIME)) return `the time is before ${EARLIEST_EVENT_TIME}`;
  return undefined;
}

/**
 * An event from outside, checked as the bus will check it and against the clock: the event in its
 * normal form (addresses and links normalised), or the first field that cannot be real.
 */
export function acceptCanonicalEvent(
  input: unknown,
  now: Date,
): { readonly event: CanonicalEvent } | { readonly problem: EventProblem } {
  const result = CanonicalEventSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { problem: { field: issue?.path.join('.') || '(event)', message: issue?.message ?? 'invalid' } };
  }
  return acceptEventTime(result.data, now);
}

/** An event already made by the canonical schemas, accepted unless its times cannot be real by `now`. */
export function acceptEventTime(
  event: CanonicalEvent,
  now: Date,
): { readonly event: CanonicalEvent } | { readonly problem: EventProblem } {
  const problem = eventTimeProblem(event, now);
  return problem ? { problem } : { event };
}

/** Validates an event read from the bus; throws {@link InvalidCanonicalEventError} naming the field. */
export function parseCanonicalEvent(input: unknown): CanonicalEvent {
  const result = CanonicalEventSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new InvalidCanonicalEventError(`invalid canonical event at ${field}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The events of news about a product, for one customer each. */
export type ProductNewsEvent = EventOfType<'product.back_in_stock'> | EventOfType<'product.price_dropped'>;

export function isProductNewsEvent(event: CanonicalEvent): event is ProductNewsEvent {
  return event.type === 'product.back_in_stock' || event.type === 'product.price_dropped';
}

/** Who an event is about, if it is about a person known by address or storefront id. */
export function eventCustomer(event: CanonicalEvent): CustomerRef | undefined {
  return event.type === 'shop.erased' || isCatalogueEvent(event) || isProductNewsEvent(event)
    ? undefined
    : event.data.customer;
}
