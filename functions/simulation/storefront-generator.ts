import {
  CANONICAL_EVENT_TYPES,
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  type CanonicalEventType,
  type Consent,
  type ConsentStatus,
  type CustomerFacts,
  type EventOfType,
  isCatalogueEvent,
  isProductNewsEvent,
  type LineItem,
} from '../domain/events.js';
import { currencyExponent } from '../domain/money.js';
import { sampleBeta, sampleGamma } from './clv-samplers.js';
import { createRandom, type Random } from './random.js';

/**
 * The built-in synthetic storefront: a stream of canonical events for the simulator to replay on its
 * simulated clock. It is a small coffee-and-brewing shop whose customers behave the way lifecycle
 * marketing expects them to: many sign-ups never buy and most buyers buy once, a minority come back;
 * buyers differ in how often and how much they buy (BG/NBD and Gamma-Gamma); channels bring customers of
 * different value; consumables are rebought on a rhythm; carts are abandoned and sometimes recovered;
 * orders are refunded or cancelled; people unsubscribe. Every number comes from a seeded stream: the same
 * options always give the same events. Pure: time and randomness come from the options.
 */

// ---------------------------------------------------------------------------------------------------------
// Profile

/** A product category of the simulated catalogue. */
export interface CategoryProfile {
  /** The category name, carried on line items and product views. */
  readonly name: string;
  /** Share of the catalogue's products in this category (relative weight). */
  readonly weight: number;
  /** Whether its products are used up and rebought (coffee, filters): candidates for replenishment. */
  readonly consumable: boolean;
  /** For consumables: days one unit lasts, on average; each product varies it by ±20%. */
  readonly replenishDays?: number;
  /**
   * Where its prices sit in the catalogue's price range, as fractions [low, high] of the range on a log
   * scale: 0 is `priceRange.min`, 1 is `priceRange.max`. Filters are cheap, grinders dear.
   */
  readonly priceBand: readonly [number, number];
  /** The category whose products are bought together with this one's (a brewer's filters). */
  readonly companion?: string;
  /** Product names; reused with a numeral suffix when the category has more products than names. */
  readonly names: readonly string[];
}

/** An acquisition channel: where a customer first came from, and how good its customers tend to be. */
export interface AcquisitionChannel {
  /** UTM source, e.g. `google`. */
  readonly source: string;
  /** UTM medium, e.g. `cpc`. */
  readonly medium: string;
  /** UTM campaign, when the channel is a campaign. */
  readonly campaign?: string;
  /** Share of new customers arriving through this channel (relative weight). */
  readonly weight: number;
  /** Multiplies the customer's mean order value: referrals spend more than discount-hunting social ads. */
  readonly valueMultiplier: number;
  /** Multiplies the customer's purchase rate λ: word of mouth brings regulars, prospecting ads one-offs. */
  readonly frequencyMultiplier: number;
}

/** A time zone customers live in. */
export interface TimezoneShare {
  /** IANA name, carried on customer facts. */
  readonly zone: string;
  /** Share of customers living there (relative weight). */
  readonly weight: number;
  /**
   * Standard UTC offset in hours, used only to put activity in local waking hours. Daylight saving time
   * is ignored on purpose: an hour's shift does not matter for a simulation, and Intl per event is slow.
   */
  readonly utcOffsetHours: number;
  /** BCP 47 locale of customers in that zone. */
  readonly locale: string;
}

/** A discount code and how often it is used. The order total is the line items' sum minus `percent`. */
export interface DiscountCode {
  /** The code, carried in the order's `discountCodes`. */
  readonly code: string;
  /** Percent off the line items' sum, rounded to the nearest minor unit. */
  readonly percent: number;
  /** Share of eligible orders that use it. */
  readonly useShare: number;
}

/** Everything that shapes the simulated store. All money in integer minor units of `currency`. */
export interface StorefrontProfile {
  /** ISO 4217 currency of every price and order. */
  readonly currency: string;
  /** Base URL of the store, for product and checkout links. */
  readonly shopUrl: string;
  /** The catalogue. */
  readonly catalogue: {
    /** Number of products. */
    readonly size: number;
    /** Cheapest and dearest unit price, in minor units; prices are spread log-uniformly within each band. */
    readonly priceRange: { readonly min: number; readonly max: number };
    /**
     * Zipf exponent of product popularity: product of rank k is chosen with weight 1 / k^s. Around 1, a
     * few best-sellers make most sales, as in real stores.
     */
    readonly popularitySkew: number;
    /** Chance that an order holding a product also holds one of its companion category's. */
    readonly bundleShare: number;
    /** Chance that a customer's first pick of an order comes from their favourite category. */
    readonly categoryLoyalty: number;
    /** Largest number of lines in a basket. */
    readonly maxLines: number;
    /** The categories. */
    readonly categories: readonly CategoryProfile[];
  };
  /** Acquisition channels, with their weights and quality. */
  readonly acquisition: readonly AcquisitionChannel[];
  /** Time zones customers live in. */
  readonly timezones: readonly TimezoneShare[];
  /** Share of customers with no first name (forms that ask only for an email): personalisation must cope. */
  readonly noFirstNameShare: number;
  /**
   * Share of customers whose first contact is the newsletter form (`customer.signed_up` with consent,
   * before any order). The others are first seen at checkout or at their order.
   */
  readonly newsletterShare: number;
  /** Share of newsletter sign-ups who never buy: leads that browse, maybe abandon a cart, and no more. */
  readonly neverBuyShare: number;
  /** Mean days from a newsletter sign-up to the first purchase attempt (exponential). */
  readonly signupToFirstOrderDays: number;
  /**
   * BG/NBD purchase process, time in days: each buyer's purchase rate λ ~ Gamma(r, alpha) (mean r/alpha
   * purchases a day before the channel's multiplier) and dropout probability p ~ Beta(a, b); after each
   * purchase attempt but the first order, the customer leaves for good with probability p.
   */
  readonly purchase: { readonly r: number; readonly alpha: number; readonly a: number; readonly b: number };
  /**
   * The store's mean order value in minor units. Each customer's own mean is drawn from a Gamma around
   * it (times the channel's value multiplier), and each order's target from a log-normal around that.
   */
  readonly averageOrderValue: number;
  /** Gamma shape of customers' mean order values: the coefficient of variation is 1/√shape. */
  readonly orderValueShape: number;
  /** Standard deviation of the log of one order's value around the customer's mean. */
  readonly orderValueSpread: number;
  /** Consumables rebought on a rhythm. */
  readonly replenishment: {
    /**
     * Share of buyers whose first order holds a consumable who become regulars of it: from then on they
     * buy it again each time it runs out (the replenishment-reminder audience) until they drop out.
     */
    readonly share: number;
    /** Standard deviation of the interval between rebuys, as a fraction of the interval. */
    readonly irregularity: number;
  };
  /** Checkouts and their abandonment. */
  readonly checkout: {
    /** Share of purchase attempts that go through a tracked checkout (`checkout.started`) first. */
    readonly trackedShare: number;
    /** Share of tracked checkouts abandoned (no order right after). */
    readonly abandonmentRate: number;
    /** Share of abandoned checkouts completed later (the cart-recovery window). */
    readonly recoveryRate: number;
    /** Mean hours from an abandoned checkout to its later completion (exponential, at least 30 minutes). */
    readonly recoveryMeanHours: number;
  };
  /** Product views. */
  readonly views: {
    /** Share of purchase attempts preceded by product views of (most of) the basket. */
    readonly beforePurchaseShare: number;
    /** Mean number of other products browsed in such a visit (geometric). */
    readonly meanExtraViews: number;
    /** Mean number of browsing visits of a sign-up who never buys (geometric, at least one). */
    readonly neverBuyerVisits: number;
    /** Chance that a never-buyer's visit ends in a checkout, always abandoned and never recovered. */
    readonly neverBuyerCheckoutShare: number;
  };
  /** Refunds and cancellations, decided per order; an order is refunded or cancelled, never both. */
  readonly aftercare: {
    /** Share of orders refunded. */
    readonly refundRate: number;
    /** Share of refunds that return the whole total; the others return a line item or a goodwill part. */
    readonly fullRefundShare: number;
    /** Refunds happen uniformly between 2 days and this many days after the order. */
    readonly refundWithinDays: number;
    /** Share of orders cancelled, hours after being placed. */
    readonly cancellationRate: number;
  };
  /** Email marketing consent. */
  readonly consent: {
    /**
     * Share of customers first seen at checkout who tick the marketing box (consent `subscribed`; the
     * others are `none`: not asked on the form, never answered). Newsletter-form sign-ups always consent:
     * the form is the consent.
     */
    readonly share: number;
    /** Share of consenting customers who unsubscribe later (`consent.changed`). */
    readonly unsubscribeShare: number;
    /** Mean days from first contact to the unsubscription (exponential). */
    readonly unsubscribeMeanDays: number;
    /** Share of customers who did not consent at checkout who subscribe later through the newsletter form. */
    readonly lateOptInShare: number;
  };
  /** Discounts. */
  readonly discounts: {
    /** Offered to newsletter sign-ups, on their first order. */
    readonly welcome: DiscountCode;
    /** Offered to returning customers, on any later order. */
    readonly repeat: DiscountCode;
  };
  /** Single-use codes the journeys' emails give (an `offer` on a send step). */
  readonly offers: {
    /**
     * Share of the orders a customer places while holding a code an email gave them (received, unexpired,
     * not used yet) that use it. The simulator applies it as the orders are played: the order carries the
     * code as its discount code instead of any generic one; its total is unchanged.
     */
    readonly useShare: number;
  };
}

/** The defaults: a small US coffee-and-brewing shop with plausible e-commerce rates. */
export const DEFAULT_STOREFRONT_PROFILE: StorefrontProfile = {
  currency: 'USD',
  shopUrl: 'https://shop.example.com',
  catalogue: {
    size: 48,
    priceRange: { min: 600, max: 18_000 },
    popularitySkew: 0.9,
    bundleShare: 0.3,
    categoryLoyalty: 0.5,
    maxLines: 6,
    categories: [
      {
        name: 'coffee',
        weight: 0.35,
        consumable: true,
        replenishDays: 30,
        priceBand: [0.15, 0.4],
        companion: 'mugs',
        names: [
          'Ethiopia Yirgacheffe',
          'Colombia Huila',
          'Brazil Cerrado',
          'Guatemala Antigua',
          'Kenya Nyeri',
          'Sumatra Mandheling',
          'House Espresso Blend',
          'Swiss Water Decaf',
        ],
      },
      {
        name: 'filters',
        weight: 0.1,
        consumable: true,
        replenishDays: 60,
        priceBand: [0, 0.15],
        companion: 'brewers',
        names: ['Paper Filters #2', 'Paper Filters V60', 'Chemex Bonded Filters', 'Cold Brew Filter Bags'],
      },
      {
        name: 'brewers',
        weight: 0.2,
        consumable: false,
        priceBand: [0.45, 0.85],
        companion: 'filters',
        names: ['Pour-Over Dripper', 'French Press', 'Travel Press', 'Moka Pot', 'Cold Brew Jar', 'Drip Brewer'],
      },
      {
        name: 'grinders',
        weight: 0.1,
        consumable: false,
        priceBand: [0.6, 1],
        companion: 'coffee',
        names: ['Hand Burr Grinder', 'Electric Burr Grinder', 'Espresso Grinder'],
      },
      {
        name: 'mugs',
        weight: 0.15,
        consumable: false,
        priceBand: [0.2, 0.5],
        companion: 'coffee',
        names: ['Stoneware Mug', 'Double-Wall Glass', 'Travel Tumbler', 'Espresso Cups (2)'],
      },
      {
        name: 'accessories',
        weight: 0.1,
        consumable: false,
        priceBand: [0.25, 0.7],
        companion: 'brewers',
        names: ['Gooseneck Kettle', 'Brew Scale', 'Milk Frother', 'Storage Canister'],
      },
    ],
  },
  acquisition: [
    { source: 'google', medium: 'organic', weight: 0.28, valueMultiplier: 1, frequencyMultiplier: 1 },
    {
      source: 'google',
      medium: 'cpc',
      campaign: 'brand-search',
      weight: 0.17,
      valueMultiplier: 1,
      frequencyMultiplier: 0.9,
    },
    {
      source: 'facebook',
      medium: 'paid_social',
      campaign: 'prospecting',
      weight: 0.2,
      valueMultiplier: 0.75,
      frequencyMultiplier: 0.6,
    },
    {
      source: 'instagram',
      medium: 'influencer',
      campaign: 'creator-codes',
      weight: 0.1,
      valueMultiplier: 0.85,
      frequencyMultiplier: 0.7,
    },
    {
      source: 'referral',
      medium: 'word_of_mouth',
      campaign: 'refer-a-friend',
      weight: 0.1,
      valueMultiplier: 1.3,
      frequencyMultiplier: 1.5,
    },
    { source: '(direct)', medium: '(none)', weight: 0.15, valueMultiplier: 1.1, frequencyMultiplier: 1.2 },
  ],
  timezones: [
    { zone: 'America/New_York', weight: 0.35, utcOffsetHours: -5, locale: 'en-US' },
    { zone: 'America/Chicago', weight: 0.15, utcOffsetHours: -6, locale: 'en-US' },
    { zone: 'America/Los_Angeles', weight: 0.2, utcOffsetHours: -8, locale: 'en-US' },
    { zone: 'Europe/London', weight: 0.15, utcOffsetHours: 0, locale: 'en-GB' },
    { zone: 'Europe/Berlin', weight: 0.1, utcOffsetHours: 1, locale: 'de-DE' },
    { zone: 'Australia/Sydney', weight: 0.05, utcOffsetHours: 10, locale: 'en-AU' },
  ],
  noFirstNameShare: 0.15,
  newsletterShare: 0.4,
  neverBuyShare: 0.45,
  signupToFirstOrderDays: 14,
  purchase: { r: 0.55, alpha: 150, a: 1.2, b: 4 },
  averageOrderValue: 5500,
  orderValueShape: 6,
  orderValueSpread: 0.3,
  replenishment: { share: 0.25, irregularity: 0.15 },
  checkout: { trackedShare: 0.85, abandonmentRate: 0.3, recoveryRate: 0.25, recoveryMeanHours: 20 },
  views: { beforePurchaseShare: 0.6, meanExtraViews: 2, neverBuyerVisits: 1.5, neverBuyerCheckoutShare: 0.15 },
  aftercare: { refundRate: 0.04, fullRefundShare: 0.5, refundWithinDays: 30, cancellationRate: 0.015 },
  consent: { share: 0.55, unsubscribeShare: 0.15, unsubscribeMeanDays: 90, lateOptInShare: 0.05 },
  discounts: {
    welcome: { code: 'WELCOME10', percent: 10, useShare: 0.5 },
    repeat: { code: 'COMEBACK15', percent: 15, useShare: 0.08 },
  },
  offers: { useShare: 0.5 },
};

/**
 * Overrides of the profile: any top-level field, and for object fields any of their own fields (one level
 * deep: `{ checkout: { abandonmentRate: 0.5 } }` keeps the other checkout defaults). Arrays replace.
 */
export type StorefrontProfileOverrides = {
  readonly [K in keyof StorefrontProfile]?: StorefrontProfile[K] extends readonly unknown[]
    ? StorefrontProfile[K]
    : StorefrontProfile[K] extends object
      ? Partial<StorefrontProfile[K]>
      : StorefrontProfile[K];
};

/** The defaults with `overrides` applied and checked; throws a RangeError naming the first bad field. */
export function resolveStorefrontProfile(overrides: StorefrontProfileOverrides = {}): StorefrontProfile {
  const merged: Record<string, unknown> = { ...DEFAULT_STOREFRONT_PROFILE };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const base = (DEFAULT_STOREFRONT_PROFILE as unknown as Record<string, unknown>)[key];
    merged[key] =
      isPlainObject(base) && isPlainObject(value) ? { ...(base as object), ...(value as object) } : (value as unknown);
  }
  const profile = merged as unknown as StorefrontProfile;
  checkProfile(profile);
  return profile;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkProfile(p: StorefrontProfile): void {
  const share = (name: string, value: number) => {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`profile.${name} must be between 0 and 1, got ${value}`);
  };
  const positive = (name: string, value: number) => {
    if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`profile.${name} must be positive, got ${value}`);
  };
  if (!/^[A-Z]{3}$/.test(p.currency)) throw new RangeError(`profile.currency must be ISO 4217, got ${p.currency}`);
  if (!Number.isInteger(p.catalogue.size) || p.catalogue.size < 1) {
    throw new RangeError(`profile.catalogue.size must be a positive integer, got ${p.catalogue.size}`);
  }
  const { min, max } = p.catalogue.priceRange;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min)) {
    throw new RangeError(`profile.catalogue.priceRange must be integers 1 <= min <= max, got ${min}..${max}`);
  }
  if (p.catalogue.categories.length === 0) throw new RangeError('profile.catalogue.categories is empty');
  for (const category of p.catalogue.categories) {
    positive(`catalogue.categories[${category.name}].weight`, category.weight);
    if (category.names.length === 0) {
      throw new RangeError(`profile.catalogue.categories[${category.name}] has no names`);
    }
    if (category.consumable) {
      positive(`catalogue.categories[${category.name}].replenishDays`, category.replenishDays ?? 0);
    }
  }
  if (!Number.isInteger(p.catalogue.maxLines) || p.catalogue.maxLines < 1) {
    throw new RangeError(`profile.catalogue.maxLines must be a positive integer, got ${p.catalogue.maxLines}`);
  }
  if (p.acquisition.length === 0) throw new RangeError('profile.acquisition is empty');
  if (p.timezones.length === 0) throw new RangeError('profile.timezones is empty');
  share('catalogue.bundleShare', p.catalogue.bundleShare);
  share('catalogue.categoryLoyalty', p.catalogue.categoryLoyalty);
  share('noFirstNameShare', p.noFirstNameShare);
  share('newsletterShare', p.newsletterShare);
  share('neverBuyShare', p.neverBuyShare);
  share('replenishment.share', p.replenishment.share);
  share('checkout.trackedShare', p.checkout.trackedShare);
  share('checkout.abandonmentRate', p.checkout.abandonmentRate);
  share('checkout.recoveryRate', p.checkout.recoveryRate);
  share('views.beforePurchaseShare', p.views.beforePurchaseShare);
  share('views.neverBuyerCheckoutShare', p.views.neverBuyerCheckoutShare);
  share('aftercare.refundRate', p.aftercare.refundRate);
  share('aftercare.fullRefundShare', p.aftercare.fullRefundShare);
  share('aftercare.cancellationRate', p.aftercare.cancellationRate);
  share('consent.share', p.consent.share);
  share('consent.unsubscribeShare', p.consent.unsubscribeShare);
  share('consent.lateOptInShare', p.consent.lateOptInShare);
  share('discounts.welcome.useShare', p.discounts.welcome.useShare);
  share('discounts.repeat.useShare', p.discounts.repeat.useShare);
  share('offers.useShare', p.offers.useShare);
  positive('purchase.r', p.purchase.r);
  positive('purchase.alpha', p.purchase.alpha);
  positive('purchase.a', p.purchase.a);
  positive('purchase.b', p.purchase.b);
  positive('averageOrderValue', p.averageOrderValue);
  positive('orderValueShape', p.orderValueShape);
  positive('signupToFirstOrderDays', p.signupToFirstOrderDays);
  positive('checkout.recoveryMeanHours', p.checkout.recoveryMeanHours);
  positive('consent.unsubscribeMeanDays', p.consent.unsubscribeMeanDays);
  positive('aftercare.refundWithinDays', p.aftercare.refundWithinDays);
}

// ---------------------------------------------------------------------------------------------------------
// Generation

/** What to simulate. */
export interface StorefrontOptions {
  /** Number of customers arriving over the period (sign-ups and first-time shoppers). */
  readonly customers: number;
  /** Length of the period in days; nothing happens at or after `start + days`. */
  readonly days: number;
  /** Start of the period. */
  readonly start: Date;
  /** Seed of every random draw: the same options always give the same events. */
  readonly seed: number;
  /** Changes to {@link DEFAULT_STOREFRONT_PROFILE}. */
  readonly profile?: StorefrontProfileOverrides;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Mateo',
  'Sophia',
  'Lucas',
  'Mia',
  'Ethan',
  'Amara',
  'Kenji',
  'Chloé',
  'Jonas',
  'Priya',
  'Diego',
  'Fatima',
  'Oskar',
  'Zoe',
  'Samuel',
];
const LAST_NAMES = [
  'Smith',
  'Garcia',
  'Nguyen',
  'Müller',
  'Johnson',
  'Okafor',
  'Brown',
  'Rossi',
  'Kim',
  'Patel',
  'Martin',
  'Schmidt',
  'Lopez',
  'Taylor',
  'Dubois',
  'Walker',
];
const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
];
/** Documentation address blocks (RFC 5737): realistic consent proof that points at nobody. */
const IP_PREFIXES = ['192.0.2.', '198.51.100.', '203.0.113.'];

interface Product {
  readonly index: number;
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly url: string;
  readonly category: number;
  readonly categoryName: string;
  readonly price: number;
  readonly consumable: boolean;
  readonly replenishDays: number;
}

interface Catalogue {
  readonly products: readonly Product[];
  /** Running sums of the products' popularity weights, for picking by binary search (catalogues can be large). */
  readonly cumulativePopularity: readonly number[];
  /** Product indexes per category, with their popularity weights. */
  readonly byCategory: readonly { readonly items: readonly number[]; readonly weights: readonly number[] }[];
  /** Category index of each category's companion, when it has one. */
  readonly companion: readonly (number | undefined)[];
}

function buildCatalogue(profile: StorefrontProfile, random: Random): Catalogue {
  const { categories, size, priceRange, popularitySkew } = profile.catalogue;
  const exponent = currencyExponent(profile.currency);
  const unit = 10 ** exponent;
  const logMin = Math.log(priceRange.min);
  const logSpan = Math.log(priceRange.max) - logMin;
  const weights = categories.map((category) => category.weight);
  // Every category gets at least one product when the catalogue is big enough; the rest are drawn by weight.
  const categoryIndexes = categories.map((_, index) => index);
  const assigned = categoryIndexes.slice(0, size);
  while (assigned.length < size) assigned.push(random.weighted(categoryIndexes, weights));
  const seenPerCategory = categories.map(() => 0);
  const products: Product[] = assigned.map((categoryIndex, index) => {
    const category = categories[categoryIndex] as CategoryProfile;
    const nth = seenPerCategory[categoryIndex] ?? 0;
    seenPerCategory[categoryIndex] = nth + 1;
    const baseName = category.names[nth % category.names.length] as string;
    const round = Math.floor(nth / category.names.length);
    const name = round === 0 ? baseName : `${baseName} ${romanNumeral(round + 1)}`;
    const [low, high] = category.priceBand;
    const raw = Math.exp(logMin + logSpan * (low + (high - low) * random.next()));
    // Prices end in .99 as shop prices do (whole amounts for currencies without minor units).
    const price = Math.max(
      priceRange.min,
      Math.min(priceRange.max, Math.round(raw / unit) * unit - (exponent > 0 ? 1 : 0)),
    );
    const id = `sim-product-${index + 1}`;
    return {
      index,
      id,
      sku: `SIM-${category.name.slice(0, 3).toUpperCase()}-${String(index + 1).padStart(3, '0')}`,
      name,
      url: `${profile.shopUrl}/products/${id}`,
      category: categoryIndex,
      categoryName: category.name,
      price,
      consumable: category.consumable,
      replenishDays: Math.max(1, Math.round((category.replenishDays ?? 30) * (0.8 + 0.4 * random.next()))),
    };
  });
  // Popularity ranks are shuffled so that best-sellers are spread over categories, not the first ones.
  const ranks = shuffle(
    products.map((_, index) => index + 1),
    random,
  );
  const popularity = ranks.map((rank) => 1 / rank ** popularitySkew);
  const byCategory = categories.map((_, categoryIndex) => {
    const items = products.filter((product) => product.category === categoryIndex).map((product) => product.index);
    return { items, weights: items.map((index) => popularity[index] ?? 0) };
  });
  const companion = categories.map((category) => {
    if (category.companion === undefined) return undefined;
    const index = categories.findIndex((other) => other.name === category.companion);
    return index >= 0 && (byCategory[index]?.items.length ?? 0) > 0 ? index : undefined;
  });
  let running = 0;
  const cumulativePopularity = popularity.map((weight) => {
    running += weight;
    return running;
  });
  return { products, cumulativePopularity, byCategory, companion };
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function romanNumeral(n: number): string {
  const numerals = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'];
  return numerals[n] ?? String(n);
}

/** One simulated person: the hidden truth behind their events. */
interface Persona {
  readonly n: number;
  readonly email: string;
  readonly externalId: string;
  readonly firstName: string | undefined;
  readonly lastName: string;
  readonly timezone: TimezoneShare;
  readonly channel: AcquisitionChannel;
  readonly newsletter: boolean;
  readonly buyer: boolean;
  readonly consents: boolean;
  /** Purchases a day. */
  readonly lambda: number;
  readonly dropout: number;
  /** Mean order value, minor units. */
  readonly meanOrderValue: number;
  readonly favouriteCategory: number;
  readonly ip: string;
  readonly userAgent: string;
}

interface Timed {
  readonly at: number;
  readonly seq: number;
  readonly event: CanonicalEvent;
}

interface Basket {
  readonly lines: readonly { readonly product: Product; readonly quantity: number }[];
  readonly subtotal: number;
}

/**
 * Generates the storefront's events, sorted by `occurredAt` (ties in generation order), all valid
 * canonical events of source `generic`. Emails are `sim-<n>@example.com`, the storefront's customer ids
 * `sim-<n>`, event ids `generic:sim-<n>-<k>`; order numbers run from #1001 in time order.
 *
 * Each customer draws from their own forked random stream, so customer n behaves the same whatever the
 * number of customers, and each concern (traits, purchases, baskets, views, aftercare, consent) has its
 * own fork within the customer, so changing one rate does not reshuffle everything else.
 */
export function generateStorefront(options: StorefrontOptions): CanonicalEvent[] {
  const { customers, days, start, seed } = options;
  if (!Number.isInteger(customers) || customers < 0) {
    throw new RangeError(`customers must be a non-negative integer, got ${customers}`);
  }
  if (!(days > 0 && Number.isFinite(days))) throw new RangeError(`days must be positive, got ${days}`);
  const startMs = start.getTime();
  if (!Number.isFinite(startMs)) throw new RangeError('start must be a valid date');
  const profile = resolveStorefrontProfile(options.profile);
  const root = createRandom(seed);
  const world: World = {
    profile,
    catalogue: buildCatalogue(profile, root.fork('catalogue')),
    startMs,
    endMs: startMs + days * DAY,
    // Local hours are laid on calendar days counted from the UTC midnight before the start.
    dayZero: Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()),
    days,
    out: [],
  };
  for (let n = 1; n <= customers; n++) simulateCustomer(world, n, root.fork(`customer:${n}`));

  world.out.sort((x, y) => x.at - y.at || x.seq - y.seq);
  const events = world.out.map((timed) => timed.event);
  let orderNumber = 1001;
  for (const event of events) {
    if (event.type === 'order.placed') event.data.order.number = `#${orderNumber++}`;
  }
  return events;
}

interface World {
  readonly profile: StorefrontProfile;
  readonly catalogue: Catalogue;
  readonly startMs: number;
  readonly endMs: number;
  readonly dayZero: number;
  readonly days: number;
  readonly out: Timed[];
}

function drawPersona(world: World, n: number, random: Random): Persona {
  const { profile } = world;
  const channel = random.weighted(
    profile.acquisition,
    profile.acquisition.map((c) => c.weight),
  );
  const timezone = random.weighted(
    profile.timezones,
    profile.timezones.map((t) => t.weight),
  );
  const newsletter = random.chance(profile.newsletterShare);
  const buyer = !newsletter || !random.chance(profile.neverBuyShare);
  const { r, alpha, a, b } = profile.purchase;
  // The BG/NBD and Gamma-Gamma story, with clv.ts's samplers so the truth matches what it fits.
  const lambda = sampleGamma(r, alpha, random.next) * channel.frequencyMultiplier;
  const dropout = sampleBeta(a, b, random.next);
  const meanValue = profile.averageOrderValue * channel.valueMultiplier;
  const meanOrderValue = sampleGamma(profile.orderValueShape, profile.orderValueShape / meanValue, random.next);
  const categories = profile.catalogue.categories;
  return {
    n,
    email: `sim-${n}@example.com`,
    externalId: `sim-${n}`,
    firstName: random.chance(profile.noFirstNameShare) ? undefined : random.pick(FIRST_NAMES),
    lastName: random.pick(LAST_NAMES),
    timezone,
    channel,
    newsletter,
    buyer,
    consents: newsletter || random.chance(profile.consent.share),
    lambda,
    dropout,
    meanOrderValue,
    favouriteCategory: random.weighted(
      categories.map((_, index) => index),
      categories.map((c) => c.weight),
    ),
    ip: `${random.pick(IP_PREFIXES)}${random.int(1, 254)}`,
    userAgent: random.pick(USER_AGENTS),
  };
}

/** Emits one customer's events and keeps what they need to stay consistent (first contact, counters). */
class CustomerStream {
  private k = 0;
  private ordersPlaced = 0;
  private checkouts = 0;
  private refunds = 0;
  /** When the first event carrying customer facts was emitted: that one carries consent and acquisition. */
  introducedAt: number | undefined;

  constructor(
    readonly world: World,
    readonly persona: Persona,
  ) {}

  inWindow(at: number): boolean {
    return at >= this.world.startMs && at < this.world.endMs;
  }

  emit<T extends CanonicalEventType>(at: number, type: T, data: EventOfType<T>['data']): void {
    if (!this.inWindow(at)) return;
    const time = Math.round(at);
    this.k += 1;
    const event = {
      schemaVersion: CANONICAL_SCHEMA_VERSION,
      id: `generic:sim-${this.persona.n}-${this.k}`,
      source: 'generic',
      occurredAt: iso(time),
      type,
      data,
    } as CanonicalEvent;
    this.world.out.push({ at: time, seq: this.world.out.length, event });
  }

  /** Customer facts for an event at `at`; the first in-window one also states consent and acquisition. */
  facts(at: number, consentSource: string): CustomerFacts {
    const p = this.persona;
    const facts: CustomerFacts = {
      email: p.email,
      ...(p.firstName === undefined ? {} : { firstName: p.firstName }),
      lastName: p.lastName,
      timezone: p.timezone.zone,
      locale: p.timezone.locale,
    };
    if (consentSource !== 'newsletter_form') facts.externalId = p.externalId;
    if (this.introducedAt === undefined && this.inWindow(at)) {
      this.introducedAt = at;
      facts.consent = this.consent(p.consents ? 'subscribed' : 'none', consentSource, at);
      const { source, medium, campaign } = p.channel;
      facts.acquisition = { source, medium, ...(campaign === undefined ? {} : { campaign }) };
    }
    return facts;
  }

  consent(status: ConsentStatus, source: string, at: number): Consent {
    const proof = status === 'subscribed' ? { ip: this.persona.ip, userAgent: this.persona.userAgent } : {};
    return { email: status, source, at: iso(Math.round(at)), ...proof };
  }

  nextOrderId(): string {
    this.ordersPlaced += 1;
    return `sim-${this.persona.n}-o${this.ordersPlaced}`;
  }

  nextCheckoutId(): string {
    this.checkouts += 1;
    return `sim-${this.persona.n}-c${this.checkouts}`;
  }

  nextRefundId(): string {
    this.refunds += 1;
    return `sim-${this.persona.n}-r${this.refunds}`;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function simulateCustomer(world: World, n: number, random: Random): void {
  const persona = drawPersona(world, n, random.fork('traits'));
  const stream = new CustomerStream(world, persona);
  const timing = random.fork('timing');
  const baskets = random.fork('baskets');
  const views = random.fork('views');
  const aftercare = random.fork('aftercare');
  const { profile } = world;

  // Arrivals are spread evenly over the period, at a local waking hour.
  let arrival = localTime(world, timing.next() * world.days, persona, timing);
  if (arrival < world.startMs) arrival += DAY;

  let firstAttempt = arrival;
  if (persona.newsletter) {
    stream.emit(arrival, 'customer.signed_up', {
      customer: { ...stream.facts(arrival, 'newsletter_form'), email: persona.email },
    });
    if (!persona.buyer) {
      browseWithoutBuying(world, stream, arrival, timing, views);
      changeConsent(world, stream, random.fork('consent'));
      return;
    }
    // Views before an attempt reach back up to two hours: the attempt comes well after the sign-up.
    firstAttempt = Math.max(
      localTime(
        world,
        (arrival - world.dayZero) / DAY + timing.exponential(profile.signupToFirstOrderDays),
        persona,
        timing,
      ),
      arrival + 3 * HOUR,
    );
  }

  let at = firstAttempt;
  let ordered = false;
  let replenish: { product: Product; quantity: number; intervalDays: number } | undefined;
  while (at < world.endMs) {
    const basket = replenish
      ? replenishmentBasket(world, persona, replenish.product, replenish.quantity, baskets)
      : buildBasket(world, persona, baskets);
    const attempt = purchaseAttempt(world, stream, at, basket, ordered, timing, views, aftercare);
    if (attempt.orderedAt !== undefined && !ordered) {
      ordered = true;
      // Strict BG/NBD: no dropout right after the first order. Regular replenishers are decided here.
      const consumable = basket.lines.find((line) => line.product.consumable);
      if (consumable && timing.chance(profile.replenishment.share)) {
        replenish = {
          product: consumable.product,
          quantity: consumable.quantity,
          intervalDays: consumable.product.replenishDays * consumable.quantity,
        };
      }
    } else if (timing.chance(persona.dropout)) {
      break;
    }
    const gapDays = replenish
      ? Math.max(
          replenish.intervalDays / 2,
          timing.normal(replenish.intervalDays, replenish.intervalDays * profile.replenishment.irregularity),
        )
      : timing.exponential(1 / persona.lambda);
    if (!Number.isFinite(gapDays)) break;
    const after = attempt.lastAt;
    at = Math.max(localTime(world, (after - world.dayZero) / DAY + gapDays, persona, timing), after + 2 * HOUR);
  }
  changeConsent(world, stream, random.fork('consent'));
}

/** A time on day `dayFloat` (days since day zero) at a local waking hour of the persona's time zone. */
function localTime(world: World, dayFloat: number, persona: Persona, random: Random): number {
  return world.dayZero + Math.floor(dayFloat) * DAY + (activityHour(random) - persona.timezone.utcOffsetHours) * HOUR;
}

/** A local hour of activity in [6.5, 24): lunch breaks and evenings, the two peaks of e-commerce traffic. */
function activityHour(random: Random): number {
  // Redrawn rather than clamped: clamping would pile the tails onto one exact minute.
  for (let attempt = 0; attempt < 8; attempt++) {
    const hour = random.chance(0.3) ? random.normal(12.5, 1.5) : random.normal(20.5, 2);
    if (hour >= 6.5 && hour < 24) return hour;
  }
  return 6.5 + random.next() * 17.5;
}

interface Attempt {
  /** When the order was placed, if it was. */
  readonly orderedAt: number | undefined;
  /** The attempt's last purchase-side event (the recovered order may come a day later). */
  readonly lastAt: number;
}

/**
 * One purchase attempt at `at`: product views, maybe a tracked checkout, maybe abandoned and maybe
 * recovered later, then the order with its refund or cancellation.
 */
function purchaseAttempt(
  world: World,
  stream: CustomerStream,
  at: number,
  basket: Basket,
  returning: boolean,
  timing: Random,
  views: Random,
  aftercare: Random,
): Attempt {
  const { profile } = world;
  const checkoutAt = at - timing.int(2, 25) * MINUTE;
  if (views.chance(profile.views.beforePurchaseShare)) {
    const viewed = basket.lines.filter(() => views.chance(0.8)).map((line) => line.product);
    for (let i = geometric(views, profile.views.meanExtraViews); i > 0; i--) viewed.push(popularProduct(world, views));
    emitViews(stream, viewed, checkoutAt, views);
  }
  let orderAt = at;
  if (timing.chance(profile.checkout.trackedShare)) {
    const checkoutId = stream.nextCheckoutId();
    stream.emit(checkoutAt, 'checkout.started', {
      customer: stream.facts(checkoutAt, 'checkout'),
      checkout: {
        id: checkoutId,
        url: `${profile.shopUrl}/checkouts/${checkoutId}`,
        total: money(world, basket.subtotal),
        lineItems: lineItems(world, basket),
      },
    });
    if (timing.chance(profile.checkout.abandonmentRate)) {
      if (!timing.chance(profile.checkout.recoveryRate)) return { orderedAt: undefined, lastAt: checkoutAt };
      orderAt = checkoutAt + Math.max(30 * MINUTE, timing.exponential(profile.checkout.recoveryMeanHours * HOUR));
    }
  }
  placeOrder(world, stream, orderAt, basket, returning, aftercare);
  return { orderedAt: orderAt, lastAt: orderAt };
}

function placeOrder(
  world: World,
  stream: CustomerStream,
  at: number,
  basket: Basket,
  returning: boolean,
  random: Random,
): void {
  const { profile } = world;
  const persona = stream.persona;
  const code = returning
    ? random.chance(profile.discounts.repeat.useShare)
      ? profile.discounts.repeat
      : undefined
    : persona.newsletter && random.chance(profile.discounts.welcome.useShare)
      ? profile.discounts.welcome
      : undefined;
  const discount = code ? Math.round((basket.subtotal * code.percent) / 100) : 0;
  const total = basket.subtotal - discount;
  const orderId = stream.nextOrderId();
  stream.emit(at, 'order.placed', {
    customer: stream.facts(at, 'checkout'),
    order: {
      id: orderId,
      placedAt: iso(Math.round(at)),
      total: money(world, total),
      ...(code ? { discountCodes: [code.code] } : {}),
      lineItems: lineItems(world, basket),
    },
  });
  const ref = { email: persona.email, externalId: persona.externalId };
  if (random.chance(profile.aftercare.cancellationRate)) {
    const cancelledAt = at + Math.max(10 * MINUTE, random.exponential(6 * HOUR));
    stream.emit(cancelledAt, 'order.cancelled', {
      customer: ref,
      order: { id: orderId, cancelledAt: iso(Math.round(cancelledAt)) },
    });
    return;
  }
  if (!random.chance(profile.aftercare.refundRate)) return;
  const refundedAt = at + (2 + random.next() * Math.max(0, profile.aftercare.refundWithinDays - 2)) * DAY;
  let amount = total;
  if (total > 1 && !random.chance(profile.aftercare.fullRefundShare)) {
    // A returned line (net of the order's discount) when there are several, else a goodwill part.
    const line = basket.lines.length > 1 ? random.pick(basket.lines) : undefined;
    const part = line
      ? Math.round((line.product.price * line.quantity * total) / basket.subtotal)
      : Math.round(total * (0.2 + 0.3 * random.next()));
    amount = Math.min(total - 1, Math.max(1, part));
  }
  stream.emit(refundedAt, 'order.refunded', {
    customer: ref,
    order: { id: orderId },
    refund: { id: stream.nextRefundId(), amount: money(world, amount), refundedAt: iso(Math.round(refundedAt)) },
  });
}

/** Views of `products`, spread over the 90 minutes before `before`, in time order. */
function emitViews(stream: CustomerStream, products: readonly Product[], before: number, random: Random): void {
  const times = products.map(() => before - (1 + random.next() * 89) * MINUTE).sort((x, y) => x - y);
  products.forEach((product, index) => {
    stream.emit(times[index] as number, 'product.viewed', {
      customer: { email: stream.persona.email },
      product: {
        id: product.id,
        name: product.name,
        url: product.url,
        categories: [product.categoryName],
        price: money(stream.world, product.price),
      },
    });
  });
}

/** A sign-up who never buys: a few browsing visits, some ending in a checkout left for good. */
function browseWithoutBuying(world: World, stream: CustomerStream, signedUpAt: number, timing: Random, views: Random) {
  const { profile } = world;
  let at = signedUpAt;
  const visits = 1 + geometric(views, profile.views.neverBuyerVisits - 1);
  for (let visit = 0; visit < visits; visit++) {
    at = Math.max(
      localTime(world, (at - world.dayZero) / DAY + timing.exponential(20), stream.persona, timing),
      at + 3 * HOUR,
    );
    if (at >= world.endMs) return;
    const viewed = Array.from({ length: 1 + geometric(views, profile.views.meanExtraViews) }, () =>
      popularProduct(world, views),
    );
    emitViews(stream, viewed, at, views);
    if (timing.chance(profile.views.neverBuyerCheckoutShare)) {
      const basket = buildBasket(world, stream.persona, views);
      const checkoutId = stream.nextCheckoutId();
      stream.emit(at, 'checkout.started', {
        customer: stream.facts(at, 'checkout'),
        checkout: {
          id: checkoutId,
          url: `${profile.shopUrl}/checkouts/${checkoutId}`,
          total: money(world, basket.subtotal),
          lineItems: lineItems(world, basket),
        },
      });
    }
  }
}

/** Unsubscriptions of some who consented, late opt-ins of some who did not. */
function changeConsent(world: World, stream: CustomerStream, random: Random): void {
  const introducedAt = stream.introducedAt;
  if (introducedAt === undefined) return;
  const { consent } = world.profile;
  const persona = stream.persona;
  if (persona.consents) {
    if (!random.chance(consent.unsubscribeShare)) return;
    const at = introducedAt + Math.max(HOUR, random.exponential(consent.unsubscribeMeanDays * DAY));
    stream.emit(at, 'consent.changed', {
      customer: { email: persona.email },
      consent: stream.consent('unsubscribed', 'unsubscribe_link', at),
    });
  } else if (random.chance(consent.lateOptInShare)) {
    const at = introducedAt + Math.max(HOUR, random.exponential(60 * DAY));
    stream.emit(at, 'consent.changed', {
      customer: { email: persona.email },
      consent: stream.consent('subscribed', 'newsletter_form', at),
    });
  }
}

/** A basket around the persona's mean order value: a first pick, maybe its companion, then more items. */
function buildBasket(world: World, persona: Persona, random: Random): Basket {
  const { catalogue, profile } = world;
  const spread = profile.orderValueSpread;
  // exp(N(-σ²/2, σ)) has mean 1: the customer's mean order value stays their mean.
  const target = persona.meanOrderValue * Math.exp(random.normal(-(spread * spread) / 2, spread));
  const chosen = new Map<number, number>();
  let subtotal = 0;
  const add = (product: Product) => {
    if (chosen.has(product.index) || chosen.size >= profile.catalogue.maxLines) return;
    // Cheap items are often bought by two or three.
    const quantity = product.price * 3 < target && random.chance(0.25) ? random.int(2, 3) : 1;
    chosen.set(product.index, quantity);
    subtotal += product.price * quantity;
    const companionCategory = catalogue.companion[product.category];
    if (companionCategory !== undefined && random.chance(profile.catalogue.bundleShare)) {
      const group = catalogue.byCategory[companionCategory];
      if (group && group.items.length > 0) {
        const companion = catalogue.products[random.weighted(group.items, group.weights)] as Product;
        if (!chosen.has(companion.index) && chosen.size < profile.catalogue.maxLines) {
          chosen.set(companion.index, 1);
          subtotal += companion.price;
        }
      }
    }
  };
  const favourite = catalogue.byCategory[persona.favouriteCategory];
  const first =
    favourite && favourite.items.length > 0 && random.chance(profile.catalogue.categoryLoyalty)
      ? (catalogue.products[random.weighted(favourite.items, favourite.weights)] as Product)
      : popularProduct(world, random);
  add(first);
  // Keep adding until the basket is near its target; a product far over the remaining budget is put back.
  let misses = 0;
  while (subtotal < target * 0.7 && chosen.size < profile.catalogue.maxLines && misses < 4) {
    const product = popularProduct(world, random);
    if (chosen.has(product.index) || product.price > (target - subtotal) * 1.5) {
      misses += 1;
      continue;
    }
    add(product);
  }
  return toBasket(catalogue, chosen, subtotal);
}

/** A regular's rebuy: the consumable they always take, sometimes with something else. */
function replenishmentBasket(world: World, persona: Persona, product: Product, quantity: number, random: Random) {
  const chosen = new Map<number, number>([[product.index, quantity]]);
  let subtotal = product.price * quantity;
  if (random.chance(0.3)) {
    const extra = buildBasket(world, persona, random);
    for (const line of extra.lines) {
      if (chosen.has(line.product.index) || chosen.size >= world.profile.catalogue.maxLines) continue;
      chosen.set(line.product.index, line.quantity);
      subtotal += line.product.price * line.quantity;
    }
  }
  return toBasket(world.catalogue, chosen, subtotal);
}

function toBasket(catalogue: Catalogue, chosen: ReadonlyMap<number, number>, subtotal: number): Basket {
  const lines = [...chosen].map(([index, quantity]) => ({ product: catalogue.products[index] as Product, quantity }));
  return { lines, subtotal };
}

function popularProduct(world: World, random: Random): Product {
  const { products, cumulativePopularity } = world.catalogue;
  const target = random.next() * (cumulativePopularity[cumulativePopularity.length - 1] ?? 0);
  let low = 0;
  let high = cumulativePopularity.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((cumulativePopularity[middle] ?? 0) > target) high = middle;
    else low = middle + 1;
  }
  return products[low] as Product;
}

function lineItems(world: World, basket: Basket): LineItem[] {
  return basket.lines.map(({ product, quantity }) => ({
    productId: product.id,
    sku: product.sku,
    name: product.name,
    quantity,
    unitPrice: money(world, product.price),
    categories: [product.categoryName],
  }));
}

function money(world: World, amount: number) {
  return { amount, currency: world.profile.currency };
}

/** Number of failures before a success with mean `mean` (0 when mean ≤ 0). */
function geometric(random: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  const p = 1 / (1 + mean);
  return Math.floor(Math.log(1 - random.next()) / Math.log(1 - p));
}

// ---------------------------------------------------------------------------------------------------------
// Summary

/** Money totals of a stream in one currency, in minor units. */
export interface RevenueSummary {
  /** Orders placed in this currency. */
  readonly orders: number;
  /** Sum of order totals. */
  readonly gross: number;
  /** Sum of the totals of cancelled orders. */
  readonly cancelled: number;
  /** Sum of refunds (each refund id once) on orders not cancelled. */
  readonly refunded: number;
  /** gross − cancelled − refunded. */
  readonly net: number;
  /** gross / orders, rounded; 0 without orders. */
  readonly averageOrderValue: number;
}

/** What a stream of events amounts to: enough to see at a glance whether a simulation looks like a store. */
export interface StreamSummary {
  /** Number of events. */
  readonly events: number;
  /** Events per canonical type, every type present (0 when absent). */
  readonly byType: Readonly<Record<CanonicalEventType, number>>;
  /** Occurred-at of the first event, when there is one. */
  readonly firstAt: string | undefined;
  /** Occurred-at of the last event, when there is one. */
  readonly lastAt: string | undefined;
  /** Distinct people (by email, else by storefront customer id). */
  readonly customers: number;
  /** People with at least one order placed (cancelled ones included). */
  readonly buyers: number;
  /** People with two orders or more. */
  readonly repeatBuyers: number;
  /** repeatBuyers / buyers; 0 without buyers. */
  readonly repeatPurchaseRate: number;
  /**
   * Checkouts followed by an order of the same person before their next checkout (`converted`, of which
   * `recovered` came more than an hour later), or not (`abandoned`).
   */
  readonly checkouts: {
    readonly started: number;
    readonly converted: number;
    readonly recovered: number;
    readonly abandoned: number;
  };
  /** People by email consent state: as first stated, and as last stated. People never stated are left out. */
  readonly consent: {
    readonly first: Readonly<Record<ConsentStatus, number>>;
    readonly last: Readonly<Record<ConsentStatus, number>>;
  };
  /** Money, per currency. */
  readonly revenue: Readonly<Record<string, RevenueSummary>>;
}

/**
 * Counts and totals of a stream of canonical events (any source, any order: events are taken in
 * `occurredAt` order), for the simulator's output.
 */
export function summariseStream(events: readonly CanonicalEvent[]): StreamSummary {
  const ordered = events
    .map((event, index) => ({ event, index, at: Date.parse(event.occurredAt) }))
    .sort((x, y) => x.at - y.at || x.index - y.index)
    .map((entry) => entry.event);

  const byType = Object.fromEntries(CANONICAL_EVENT_TYPES.map((type) => [type, 0])) as Record<
    CanonicalEventType,
    number
  >;
  const people = new Set<string>();
  const ordersPerPerson = new Map<string, number>();
  const pendingCheckout = new Map<string, number>();
  const checkouts = { started: 0, converted: 0, recovered: 0, abandoned: 0 };
  const firstConsent = new Map<string, ConsentStatus>();
  const lastConsent = new Map<string, ConsentStatus>();
  const orders = new Map<string, { currency: string; total: number }>();
  const cancelled = new Set<string>();
  const refunds = new Map<string, { order: string; currency: string; amount: number }>();

  const noteConsent = (person: string, consent: Consent | undefined) => {
    if (consent === undefined) return;
    if (!firstConsent.has(person)) firstConsent.set(person, consent.email);
    lastConsent.set(person, consent.email);
  };

  for (const event of ordered) {
    byType[event.type] += 1;
    if (event.type === 'shop.erased' || isCatalogueEvent(event) || isProductNewsEvent(event)) continue;
    const customer = event.data.customer;
    const person = customer?.email ?? (customer?.externalId === undefined ? undefined : `id:${customer.externalId}`);
    if (person !== undefined) people.add(person);
    switch (event.type) {
      case 'customer.signed_up':
      case 'customer.updated':
        if (person !== undefined) noteConsent(person, event.data.customer.consent);
        break;
      case 'consent.changed':
        if (person !== undefined) noteConsent(person, event.data.consent);
        break;
      case 'checkout.started': {
        if (person === undefined) break;
        noteConsent(person, event.data.customer.consent);
        checkouts.started += 1;
        if (pendingCheckout.has(person)) checkouts.abandoned += 1;
        pendingCheckout.set(person, Date.parse(event.occurredAt));
        break;
      }
      case 'order.placed': {
        const { order } = event.data;
        orders.set(order.id, { currency: order.total.currency, total: order.total.amount });
        if (person === undefined) break;
        noteConsent(person, event.data.customer?.consent);
        ordersPerPerson.set(person, (ordersPerPerson.get(person) ?? 0) + 1);
        const checkoutAt = pendingCheckout.get(person);
        if (checkoutAt !== undefined) {
          checkouts.converted += 1;
          if (Date.parse(event.occurredAt) - checkoutAt > HOUR) checkouts.recovered += 1;
          pendingCheckout.delete(person);
        }
        break;
      }
      case 'order.cancelled':
        cancelled.add(event.data.order.id);
        break;
      case 'order.refunded': {
        const { refund, order } = event.data;
        refunds.set(refund.id, { order: order.id, currency: refund.amount.currency, amount: refund.amount.amount });
        break;
      }
      default:
        break;
    }
  }
  checkouts.abandoned += pendingCheckout.size;

  const revenue: Record<string, { orders: number; gross: number; cancelled: number; refunded: number }> = {};
  const totalsFor = (currency: string) => {
    revenue[currency] ??= { orders: 0, gross: 0, cancelled: 0, refunded: 0 };
    return revenue[currency];
  };
  for (const [id, order] of orders) {
    const totals = totalsFor(order.currency);
    totals.orders += 1;
    totals.gross += order.total;
    if (cancelled.has(id)) totals.cancelled += order.total;
  }
  for (const refund of refunds.values()) {
    if (!cancelled.has(refund.order)) totalsFor(refund.currency).refunded += refund.amount;
  }

  const buyers = ordersPerPerson.size;
  const repeatBuyers = [...ordersPerPerson.values()].filter((count) => count >= 2).length;
  return {
    events: events.length,
    byType,
    firstAt: ordered[0]?.occurredAt,
    lastAt: ordered[ordered.length - 1]?.occurredAt,
    customers: people.size,
    buyers,
    repeatBuyers,
    repeatPurchaseRate: buyers === 0 ? 0 : repeatBuyers / buyers,
    checkouts,
    consent: { first: countStates(firstConsent), last: countStates(lastConsent) },
    revenue: Object.fromEntries(
      Object.entries(revenue).map(([currency, totals]) => [
        currency,
        {
          ...totals,
          net: totals.gross - totals.cancelled - totals.refunded,
          averageOrderValue: totals.orders === 0 ? 0 : Math.round(totals.gross / totals.orders),
        },
      ]),
    ),
  };
}

function countStates(states: ReadonlyMap<string, ConsentStatus>): Record<ConsentStatus, number> {
  const counts: Record<ConsentStatus, number> = { subscribed: 0, unsubscribed: 0, pending: 0, none: 0 };
  for (const state of states.values()) counts[state] += 1;
  return counts;
}
