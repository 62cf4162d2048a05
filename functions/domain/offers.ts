import { addDuration, DurationSchema } from './duration.js';
import { plainText } from './template-data.js';
import * as z from './zod.js';

/*
 * Single-use offers: a send step may carry an offer, and each customer's send of it gets a code of its own,
 * obtained after the send is reserved and keyed by the reservation (its run and step), so that a retried
 * send reuses the code it was given. Pure: the time and the code come in as parameters.
 */

/** What a code may look like, from a pool or a storefront: letters, digits, `-` and `_`, 3 to 40 of them. */
export const OFFER_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/;
export const OfferCodeSchema = z
  .string()
  .check(z.regex(OFFER_CODE_PATTERN, { message: 'expected 3 to 40 letters, digits, "-" or "_"' }));

/** An offer's name: the pool its codes are drawn from, and its name in reports. */
export const OfferNameSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected lower-case letters, digits and "-"' }));

export const OFFER_KINDS = ['percentage', 'fixed_amount', 'free_shipping'] as const;

/** An offer of a send step: what each recipient's single-use code gives, and for how long. */
export const OfferSchema = z
  .strictObject({
    /** Names the pool of codes (`lifecycle offers import --offer NAME`) and the offer in reports. */
    name: OfferNameSchema,
    kind: z.enum(OFFER_KINDS),
    /** Percent off (1–100) for `percentage`, an amount of the reporting currency for `fixed_amount`. */
    value: z.optional(z.number().check(z.positive())),
    /** How long a code works after it is issued, such as `P14D`. */
    validFor: DurationSchema,
    /** The order total, in the reporting currency, the code needs. */
    minimumOrder: z.optional(z.number().check(z.positive())),
    /** A sentence the email prints under the code. */
    terms: z.optional(z.string().check(z.minLength(1), z.maxLength(300))),
  })
  .check(
    z.superRefine((offer, context) => {
      if (offer.kind === 'free_shipping' && offer.value !== undefined) {
        context.addIssue({ code: 'custom', path: ['value'], message: 'free_shipping takes no value' });
      }
      if (offer.kind !== 'free_shipping' && offer.value === undefined) {
        context.addIssue({ code: 'custom', path: ['value'], message: `${offer.kind} needs a value` });
      }
      if (offer.kind === 'percentage' && offer.value !== undefined && offer.value > 100) {
        context.addIssue({ code: 'custom', path: ['value'], message: 'a percentage is at most 100' });
      }
    }),
  );

export type Offer = z.output<typeof OfferSchema>;

/** The offer a send was given: one per reservation (run and step), whatever number of attempts it took. */
export interface IssuedOffer {
  /** The reservation it belongs to: `<customer id>/<run id>/<step id>` ({@link offerKey}). */
  readonly key: string;
  readonly offer: string;
  readonly code: string;
  readonly customerId: string;
  readonly journeyId: string;
  readonly stepId: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** The provider's own id of the code, where orders name the code by it (Stripe's `promo_…`). */
  readonly providerRef?: string | undefined;
}

/** What a code provider is asked for: a code of `offer` for this customer, valid until `expiresAt`. */
export interface OfferCodeRequest {
  readonly offer: Offer;
  readonly customerId: string;
  readonly email: string;
  /** The customer's ids at the storefronts (`shopify:123`): a storefront may restrict the code to them. */
  readonly aliases: readonly string[];
  readonly journeyId: string;
  readonly stepId: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/**
 * The idempotency key of a send's offer: its reservation, the customer's run and step. The customer is part
 * of it so that a code provider, which sees keys of every customer, can never take two sends for one.
 */
export function offerKey(customerId: string, runId: string, stepId: string): string {
  return `${customerId}/${runId}/${stepId}`;
}

/** The request for a send's code at `now`: it works for the offer's `validFor` from then. */
export function offerCodeRequest(
  offer: Offer,
  send: {
    readonly customerId: string;
    readonly email: string;
    readonly aliases: readonly string[];
    readonly journeyId: string;
    readonly stepId: string;
  },
  now: Date,
): OfferCodeRequest {
  return { offer, ...send, issuedAt: now.toISOString(), expiresAt: addDuration(now, offer.validFor).toISOString() };
}

/**
 * What a template says of an issued offer: the code (replacing a static `discountCode`), its last day in
 * the customer's language and time zone, and the terms, made safe.
 */
export function offerTemplateData(
  offer: Offer,
  issued: Pick<IssuedOffer, 'code' | 'expiresAt'>,
  reader: { readonly locale?: string | undefined; readonly timeZone: string },
): { discountCode: string; discountExpiry: string; discountTerms?: string } {
  return {
    discountCode: issued.code,
    discountExpiry: formatExpiry(issued.expiresAt, reader.locale, reader.timeZone),
    ...(offer.terms ? { discountTerms: plainText(offer.terms, 300) } : {}),
  };
}

/** A date as the reader writes it (`20 December 2026`, `20. Dezember 2026`); English when the locale is unknown. */
export function formatExpiry(at: string, locale: string | undefined, timeZone: string): string {
  try {
    return expiryFormat(locale, timeZone).format(new Date(at));
  } catch {
    // A locale tag or time zone Intl does not know: the date still reads, in English and UTC.
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(at));
  }
}

/**
 * The formats of the readers met last, by locale and time zone (all a format depends on): making one costs
 * far more than formatting with it. Only formats Intl could make are kept.
 */
const expiryFormats = new Map<string, Intl.DateTimeFormat>();
const MAX_KEPT_EXPIRY_FORMATS = 64;

function expiryFormat(locale: string | undefined, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale ?? ''}\u0000${timeZone}`;
  let format = expiryFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale ? [locale, 'en-GB'] : 'en-GB', { dateStyle: 'long', timeZone });
    if (expiryFormats.size >= MAX_KEPT_EXPIRY_FORMATS) expiryFormats.clear();
    expiryFormats.set(key, format);
  }
  return format;
}

/** At most this many codes in one import: a bigger pool is imported in several files. */
export const MAX_IMPORTED_CODES = 100_000;

/** The codes of a pool file, or why it is refused: each problem with its line, never the line's content. */
export interface PoolFile {
  readonly codes: readonly string[];
  /** Codes the file repeats, counted once. */
  readonly repeated: number;
  readonly errors: readonly string[];
}

/**
 * The codes of a file of rows (one code per line, or CSV): the column named `code` when the first row is a
 * header naming it, else the first column. Every code must be one (3 to 40 letters, digits, `-`, `_`), and
 * there are at most {@link MAX_IMPORTED_CODES}; a file with any error imports nothing.
 */
export function poolFileCodes(rows: Iterable<{ readonly line: number; readonly fields: readonly string[] }>): PoolFile {
  const codes = new Set<string>();
  const errors: string[] = [];
  let repeated = 0;
  let column = 0;
  let first = true;
  for (const row of rows) {
    if (first) {
      first = false;
      const header = row.fields.findIndex((field) => field.trim().toLowerCase() === 'code');
      if (header >= 0) {
        column = header;
        continue;
      }
    }
    const code = (row.fields[column] ?? '').trim();
    if (code === '' && row.fields.every((field) => field.trim() === '')) continue;
    if (!OFFER_CODE_PATTERN.test(code)) {
      if (errors.length < 10)
        errors.push(`line ${row.line}: not a code (expected 3 to 40 letters, digits, "-" or "_")`);
      continue;
    }
    if (codes.has(code)) repeated++;
    codes.add(code);
    if (codes.size > MAX_IMPORTED_CODES) {
      errors.push(`more than ${MAX_IMPORTED_CODES} codes: split the file`);
      break;
    }
  }
  if (codes.size === 0 && errors.length === 0) errors.push('no codes in the file');
  return { codes: [...codes], repeated, errors };
}

/**
 * The issued offers an order redeems: those whose code it used (codes compare without case, as shops
 * take them), placed while the code worked. Each offer once, however many times the order names it.
 */
export function redeemedOffers(
  issued: readonly IssuedOffer[],
  order: { readonly placedAt: string; readonly discountCodes?: readonly string[] | undefined },
): IssuedOffer[] {
  const used = new Set((order.discountCodes ?? []).map((code) => code.trim().toUpperCase()));
  return issued.filter(
    (offer) =>
      (used.has(offer.code.toUpperCase()) ||
        (offer.providerRef !== undefined && used.has(offer.providerRef.toUpperCase()))) &&
      Date.parse(order.placedAt) >= Date.parse(offer.issuedAt) &&
      Date.parse(order.placedAt) <= Date.parse(offer.expiresAt),
  );
}
