import { z } from 'zod';
import { EmailAddressSchema } from './email-address.js';
import { InvalidCanonicalEventError } from './errors.js';

/**
 * The canonical event model: every storefront's webhook becomes one of these, so nothing downstream knows
 * or cares which shop an event came from. Events are versioned by `schemaVersion`; a breaking change adds
 * a new version next to the old one rather than changing it.
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
  .refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Paris' });

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const ConsentStatusSchema = z.enum(['subscribed', 'unsubscribed', 'pending', 'none']);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

export const AcquisitionSchema = z.object({
  source: z.string().max(200).optional(),
  medium: z.string().max(200).optional(),
  campaign: z.string().max(200).optional(),
});
export type Acquisition = z.infer<typeof AcquisitionSchema>;

/** What a storefront tells us about a person. Only what the product uses is kept. */
export const CustomerFactsSchema = z.object({
  email: EmailAddressSchema,
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  timezone: TimeZoneSchema.optional(),
  locale: z.string().max(35).optional(),
  consent: z
    .object({
      email: ConsentStatusSchema,
      source: z.string().max(200).optional(),
    })
    .optional(),
  acquisition: AcquisitionSchema.optional(),
});
export type CustomerFacts = z.infer<typeof CustomerFactsSchema>;

const envelope = {
  schemaVersion: z.literal(CANONICAL_SCHEMA_VERSION),
  /** Unique across sources: `<source>:<the source's own event or delivery id>`. */
  id: z.string().min(1).max(512),
  source: SourceNameSchema,
  occurredAt: IsoDateTimeSchema,
};

export const CustomerSignedUpSchema = z.object({
  ...envelope,
  type: z.literal('customer.signed_up'),
  data: z.object({ customer: CustomerFactsSchema }),
});
export type CustomerSignedUp = z.infer<typeof CustomerSignedUpSchema>;

export const CanonicalEventSchema = z.discriminatedUnion('type', [CustomerSignedUpSchema]);
export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;
export type CanonicalEventType = CanonicalEvent['type'];

/** Every canonical event type, in the order they are documented. */
export const CANONICAL_EVENT_TYPES: readonly CanonicalEventType[] = CanonicalEventSchema.options.map(
  (option) => option.shape.type.value,
);

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

/** The email address an event is about, if it names one. */
export function eventEmail(event: CanonicalEvent): string | undefined {
  switch (event.type) {
    case 'customer.signed_up':
      return event.data.customer.email;
  }
}
