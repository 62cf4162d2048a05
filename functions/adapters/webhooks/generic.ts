import { createHmac } from 'node:crypto';
import {
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  type CanonicalEventType,
  CheckoutStartedSchema,
  CheckoutUpdatedSchema,
  ConsentChangedSchema,
  ConsentSchema,
  CustomerErasedSchema,
  CustomerSignedUpSchema,
  CustomerUpdatedSchema,
  IsoDateTimeSchema,
  OrderCancelledSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
  ProductDeletedSchema,
  ProductStockRequestedSchema,
  ProductUpsertedSchema,
  ProductViewedSchema,
} from '../../domain/events.js';
import * as z from '../../domain/zod.js';
import {
  firstIssue,
  jsonBody,
  type SignatureCheck,
  verifyTimestampedHmac,
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
  return verifyTimestampedHmac(header, rawBody, secret, now, GENERIC_SIGNATURE_TOLERANCE_SECONDS);
}

const GenericEventBase = {
  /** The shop's own unique id of this event; the same id twice is one event. */
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  occurredAt: IsoDateTimeSchema,
};

/** A generic event: the canonical event's `type` and `data`, with the shop's own id and time. */
function generic<T extends CanonicalEventType, D extends z.ZodMiniType>(type: T, data: D) {
  return z.object({ ...GenericEventBase, type: z.literal(type), data });
}

/**
 * The generic webhook format for custom shops (docs/webhooks.md). Its `data` is the canonical event's,
 * so a custom shop speaks the product's own model; a signup must state consent explicitly.
 */
export const GenericWebhookSchema = z.discriminatedUnion('type', [
  generic(
    'customer.signed_up',
    z.object({
      customer: z.extend(CustomerSignedUpSchema.shape.data.shape.customer, {
        consent: z.extend(ConsentSchema, { email: z.enum(['subscribed', 'unsubscribed', 'pending']) }),
      }),
    }),
  ),
  generic('customer.updated', CustomerUpdatedSchema.shape.data),
  generic('consent.changed', ConsentChangedSchema.shape.data),
  generic('order.placed', OrderPlacedSchema.shape.data),
  generic('order.refunded', OrderRefundedSchema.shape.data),
  generic('order.cancelled', OrderCancelledSchema.shape.data),
  generic('checkout.started', CheckoutStartedSchema.shape.data),
  generic('checkout.updated', CheckoutUpdatedSchema.shape.data),
  generic('product.viewed', ProductViewedSchema.shape.data),
  generic('product.stock_requested', ProductStockRequestedSchema.shape.data),
  generic('product.upserted', z.pick(ProductUpsertedSchema.shape.data, { product: true })),
  generic('product.deleted', ProductDeletedSchema.shape.data),
  generic('customer.erased', CustomerErasedSchema.shape.data),
]);
export type GenericWebhook = z.infer<typeof GenericWebhookSchema>;

/** The JSON Schema of the generic format, generated from the zod schemas above (GET /webhooks/generic/schema). */
export function genericWebhookJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/lifecycle-engine/schemas/generic-webhook.json',
    title: 'Lifecycle engine generic webhook',
    description:
      'Body of POST /webhooks/generic. Sign it with X-Lifecycle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">. Money is integer minor units with an ISO 4217 currency.',
    ...z.toJSONSchema(GenericWebhookSchema, { io: 'input', unrepresentable: 'any' }),
  };
}

function toCanonical(body: GenericWebhook): CanonicalEvent {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `generic:${body.id}`,
    source: 'generic',
    occurredAt: body.occurredAt,
    type: body.type,
    data: body.data,
  } as CanonicalEvent;
}

export const genericSource: WebhookSource = {
  name: 'generic',
  canonicalBody: true,
  verify(request: WebhookRequest, secret: string, now: Date): SignatureCheck {
    return verifyGenericSignature(request.headers[GENERIC_SIGNATURE_HEADER], request.rawBody, secret, now);
  },
  parse(request: WebhookRequest): WebhookParseResult {
    const body = jsonBody(request.rawBody);
    if (!('json' in body)) return body;
    const result = GenericWebhookSchema.safeParse(body.json);
    if (!result.success) return { kind: 'invalid', ...firstIssue(result.error) };
    return { kind: 'events', events: [toCanonical(result.data)] };
  },
};
