import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EmailAddressSchema } from '../../domain/email-address.js';
import {
  AcquisitionSchema,
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  IsoDateTimeSchema,
  TimeZoneSchema,
} from '../../domain/events.js';
import {
  firstIssue,
  type SignatureCheck,
  type WebhookParseResult,
  type WebhookRequest,
  type WebhookSource,
} from './source.js';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const GENERIC_SIGNATURE_HEADER = 'x-lifecycle-signature';
/** Signatures older (or further in the future) than this are refused, against replays. */
export const GENERIC_SIGNATURE_TOLERANCE_SECONDS = 300;

/** Signs a body the way a custom shop must: used by tests, the docs' example and the CLI. */
export function signGenericBody(rawBody: string, secret: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

export function verifyGenericSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const parts = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (!key || value === undefined) return { ok: false, reason: 'malformed' };
    parts.set(key, [...(parts.get(key) ?? []), value]);
  }
  const timestamp = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > GENERIC_SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  // Several v1 values are allowed so that a shop can sign with the old and the new secret while rotating.
  const match = signatures.some((signature) => {
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, reason: 'mismatch' };
}

const GenericCustomerSchema = z.object({
  email: EmailAddressSchema,
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  timezone: TimeZoneSchema.optional(),
  locale: z.string().max(35).optional(),
  consent: z.object({
    email: z.enum(['subscribed', 'unsubscribed', 'pending']),
    source: z.string().max(200).optional(),
  }),
  acquisition: AcquisitionSchema.optional(),
});

const GenericEventBase = {
  /** The shop's own unique id of this event; the same id twice is one event. */
  id: z.string().min(1).max(200),
  occurredAt: IsoDateTimeSchema,
};

/** The generic webhook format for custom shops (docs/webhooks.md). */
export const GenericWebhookSchema = z.discriminatedUnion('type', [
  z.object({
    ...GenericEventBase,
    type: z.literal('customer.signed_up'),
    data: z.object({ customer: GenericCustomerSchema }),
  }),
]);
export type GenericWebhook = z.infer<typeof GenericWebhookSchema>;

function toCanonical(body: GenericWebhook): CanonicalEvent {
  const envelope = {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `generic:${body.id}`,
    source: 'generic' as const,
    occurredAt: body.occurredAt,
  };
  switch (body.type) {
    case 'customer.signed_up':
      return { ...envelope, type: 'customer.signed_up', data: { customer: body.data.customer } };
  }
}

export const genericSource: WebhookSource = {
  name: 'generic',
  verify(request: WebhookRequest, secret: string, now: Date): SignatureCheck {
    return verifyGenericSignature(request.headers[GENERIC_SIGNATURE_HEADER], request.rawBody, secret, now);
  },
  parse(request: WebhookRequest): WebhookParseResult {
    let json: unknown;
    try {
      json = JSON.parse(request.rawBody);
    } catch {
      return { kind: 'invalid', field: '(body)', message: 'the body is not valid JSON' };
    }
    const result = GenericWebhookSchema.safeParse(json);
    if (!result.success) return { kind: 'invalid', ...firstIssue(result.error) };
    return { kind: 'events', events: [toCanonical(result.data)] };
  },
};
