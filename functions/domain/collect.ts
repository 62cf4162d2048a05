import type { CollectKey } from './config.js';
import { keepRecentViews } from './customer.js';
import { EmailAddressSchema } from './email-address.js';
import {
  CANONICAL_SCHEMA_VERSION,
  type EventOfType,
  IsoDateTimeSchema,
  type Product,
  ProductSchema,
} from './events.js';
import { WebAddressSchema } from './web-address.js';
import * as z from './zod.js';

/*
 * On-site signals from a browser (POST /collect, docs/collect.md): what a request may say, and what the
 * product keeps of it. Pure: the handler brings the clock, the store and the bus.
 */

/** The largest body accepted: a product view is a few hundred bytes. */
export const MAX_COLLECT_BODY_BYTES = 8 * 1024;

/** The types a browser may send. */
export const COLLECT_TYPES = ['identify', 'product.viewed', 'cart.viewed', 'page.viewed'] as const;

/** Ids made by the snippet: letters, digits, `-`, `_`, `.` and `:`, 8 to 100 of them. */
const BrowserIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{8,100}$/, { message: 'expected 8 to 100 letters, digits, "-", "_", "." or ":"' }));

/**
 * The body of `POST /collect`. Unknown fields are refused, every text is bounded, and what a type does
 * not use is refused rather than ignored: an email on anything but `identify`, a product on anything
 * but `product.viewed`.
 */
export const CollectBodySchema = z
  .strictObject({
    /** The public write key of the storefront (not a secret: it is in every page). */
    writeKey: z.string().check(z.minLength(1), z.maxLength(100)),
    type: z.enum(COLLECT_TYPES),
    /** The visitor's id, made by the snippet once the visitor consented, kept in their browser. */
    anonymousId: BrowserIdSchema,
    /** This signal's own id: the same id twice is one signal. */
    messageId: BrowserIdSchema,
    /** When it happened, by the browser's clock. @default the time of arrival */
    timestamp: z.optional(IsoDateTimeSchema),
    consent: z.optional(z.strictObject({ analytics: z.optional(z.boolean()), marketing: z.optional(z.boolean()) })),
    /** `identify` only: who the visitor is (a login, a newsletter signup). */
    email: z.optional(EmailAddressSchema),
    /** `product.viewed` only. */
    product: z.optional(ProductSchema),
    /** The page, for `page.viewed` and `cart.viewed`. */
    page: z.optional(z.strictObject({ url: WebAddressSchema })),
  })
  .check(
    z.superRefine((body, context) => {
      const needs = (field: 'email' | 'product', type: string) => {
        if (body.type === type && body[field] === undefined) {
          context.addIssue({ code: 'custom', path: [field], message: `${type} needs ${field}` });
        }
        if (body.type !== type && body[field] !== undefined) {
          context.addIssue({ code: 'custom', path: [field], message: `only ${type} carries ${field}` });
        }
      };
      needs('email', 'identify');
      needs('product', 'product.viewed');
    }),
  );
export type CollectBody = z.infer<typeof CollectBodySchema>;

/** A product view of a visitor not yet identified, kept on their anonymous profile. */
export interface AnonymousView {
  readonly messageId: string;
  readonly productId: string;
  readonly at: string;
  readonly product: Product;
}

/** What is kept about a visitor who consented: their views while anonymous, or who they turned out to be. */
export type Visitor =
  | { readonly kind: 'anonymous'; readonly views: readonly AnonymousView[] }
  | { readonly kind: 'identified'; readonly email: string };

/** Days an anonymous profile, or the link of an identified visitor, is kept after its last signal. */
export const VISITOR_DAYS = 30;

/** The anonymous profile with one more view: the most recent views, one per product, a signal once. */
export function withAnonymousView(visitor: Visitor | undefined, view: AnonymousView): Visitor {
  const views = visitor?.kind === 'anonymous' ? visitor.views : [];
  if (views.some((kept) => kept.messageId === view.messageId)) return { kind: 'anonymous', views };
  return { kind: 'anonymous', views: keepRecentViews(views, view) };
}

/** The canonical product view of an identified visitor, with an id that is the same on every retry. */
export function collectedProductView(
  key: CollectKey,
  email: string,
  view: AnonymousView,
): EventOfType<'product.viewed'> {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `${key.source}:collect:${key.name}:${view.messageId}`,
    source: key.source,
    occurredAt: view.at,
    type: 'product.viewed',
    data: { customer: { email }, product: view.product },
  };
}

/** Requests are counted per fixed window of this length. */
export const RATE_WINDOW_SECONDS = 60;

/** The window `now` falls in, and the seconds until the next one begins (for Retry-After). */
export function rateWindow(now: Date): { readonly index: number; readonly endsAt: Date; readonly retryAfter: number } {
  const windowMs = RATE_WINDOW_SECONDS * 1000;
  const index = Math.floor(now.getTime() / windowMs);
  const endsAt = new Date((index + 1) * windowMs);
  return { index, endsAt, retryAfter: Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / 1000)) };
}

/** The key whose allow-list holds `origin`, among `keys`; any key when `writeKey` is not known yet. */
export function originAllowed(keys: readonly CollectKey[], origin: string | undefined): boolean {
  return origin !== undefined && keys.some((key) => key.origins.includes(origin));
}
