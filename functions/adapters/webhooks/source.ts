import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CanonicalEvent, SourceName } from '../../domain/events.js';
import type * as z from '../../domain/zod.js';

/** A webhook request as every source sees it: lower-cased header names and the exact raw body. */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: string;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/** The base64 HMAC-SHA256 of a raw body with the secret: how Shopify and WooCommerce sign theirs. */
export function base64HmacSha256(rawBody: string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('base64');
}

/** The hex SHA-256 of a raw body: the identity of a request whose signed body is all that can be trusted. */
export function sha256Hex(rawBody: string): string {
  return createHash('sha256').update(rawBody, 'utf8').digest('hex');
}

/**
 * A `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` signature, as Stripe signs its webhooks
 * (https://docs.stripe.com/webhooks#verify-manually) and custom shops sign theirs: exactly one plain
 * number of seconds within `toleranceSeconds` of the receiver's clock, either way (against replays), and
 * any of the `v1` values matching, compared in constant time (one `v1` per secret while a secret is
 * rolled). Other schemes (`v0`) are ignored.
 */
export function verifyTimestampedHmac(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceSeconds: number,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const parts = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (!key || value === undefined) return { ok: false, reason: 'malformed' };
    parts.set(key, [...(parts.get(key) ?? []), value]);
  }
  const timestamps = parts.get('t') ?? [];
  const timestamp = timestamps[0];
  const signatures = parts.get('v1') ?? [];
  if (timestamps.length !== 1 || !timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex'));
  const match = signatures.some((signature) => {
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** Whether a well-formed base64 signature is the body's HMAC-SHA256, compared in constant time. */
export function matchesBase64HmacSha256(signature: string, rawBody: string, secret: string): SignatureCheck {
  const given = Buffer.from(signature, 'base64');
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}

export type WebhookParseResult =
  | { readonly kind: 'events'; readonly events: readonly CanonicalEvent[] }
  /** A topic the product does not use: answered 2xx and dropped. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Well signed but malformed: answered 400 naming the field. */
  | { readonly kind: 'invalid'; readonly field: string; readonly message: string };

/** One storefront's webhook dialect: how it signs, and how its payloads become canonical events. */
export interface WebhookSource {
  readonly name: SourceName;
  /**
   * Whether the body is the canonical event itself, parsed by the canonical schemas (the generic format):
   * then only the clock is left to check, and a problem is named by the body's own field.
   */
  readonly canonicalBody?: true;
  /** Checks the signature over the raw body. `now` is wall-clock time: senders sign with theirs. */
  verify(request: WebhookRequest, secret: string, now: Date): SignatureCheck;
  /**
   * Turns the body into canonical events. `receivedAt` is the product's time of receipt: the time of a
   * change whose body carries none (a WooCommerce deletion is its id alone).
   */
  parse(request: WebhookRequest, receivedAt: Date): WebhookParseResult;
}

/** The 400 of a body that is not JSON at all. */
const NOT_JSON = { kind: 'invalid', field: '(body)', message: 'the body is not valid JSON' } as const;

/**
 * The raw body read as JSON (with `parse`, for a dialect that needs its own number handling), or the
 * 400 that says it is not JSON.
 */
export function jsonBody(
  rawBody: string,
  parse: (text: string) => unknown = JSON.parse,
): { readonly json: unknown } | typeof NOT_JSON {
  try {
    return { json: parse(rawBody) };
  } catch {
    return NOT_JSON;
  }
}

/** The first zod issue as a field path and a message that never echoes the value. */
export function firstIssue(error: z.core.$ZodError, prefix = ''): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return { field: [prefix, path].filter(Boolean).join('.') || '(body)', message: issue?.message ?? 'invalid' };
}
