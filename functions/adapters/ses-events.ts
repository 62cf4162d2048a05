import type { EmailFeedback, EmailFeedbackKind, EmailTags } from '../domain/email-feedback.js';
import * as z from '../domain/zod.js';

/** SES's `eventType` names (event publishing format) and what they are here. */
const KINDS: Readonly<Record<string, EmailFeedbackKind>> = {
  Send: 'send',
  Delivery: 'delivery',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Open: 'open',
  Click: 'click',
  Reject: 'reject',
  'Rendering Failure': 'rendering_failure',
  RenderingFailure: 'rendering_failure',
  DeliveryDelay: 'delivery_delay',
};

const Timestamped = z.looseObject({ timestamp: z.optional(z.string()) });

/**
 * The part of an SES event record that matters here. Lenient on everything else: SES adds fields, and a
 * report we cannot place is dropped with a reason, never retried forever.
 */
const SesEventDetailSchema = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string().check(z.minLength(1)),
    timestamp: z.string(),
    destination: z.optional(z.array(z.string())),
    tags: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
  bounce: z.optional(
    z.extend(Timestamped, { bounceType: z.optional(z.string()), bounceSubType: z.optional(z.string()) }),
  ),
  complaint: z.optional(Timestamped),
  delivery: z.optional(Timestamped),
  open: z.optional(Timestamped),
  click: z.optional(Timestamped),
  deliveryDelay: z.optional(Timestamped),
  failure: z.optional(z.object({ templateName: z.optional(z.string()), errorMessage: z.optional(z.string()) })),
});

export type SesEventParse =
  | { readonly ok: true; readonly feedback: EmailFeedback }
  | { readonly ok: false; readonly reason: string };

/** Reads the `detail` of an SES event from EventBridge (the event publishing record). */
export function parseSesEvent(detail: unknown): SesEventParse {
  const parsed = SesEventDetailSchema.safeParse(detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'detail'}: ${issue?.message ?? 'invalid'}` };
  }
  const record = parsed.data;
  const kind = KINDS[record.eventType];
  if (kind === undefined) return { ok: false, reason: `event type ${record.eventType} is not handled` };
  const tag = (name: string) => record.mail.tags?.[name]?.[0];
  const tags: EmailTags = {
    customer: tag('customer'),
    journey: tag('journey'),
    step: tag('step'),
    run: tag('run'),
    category: tag('category'),
    variant: tag('variant'),
  };
  const at =
    record.bounce?.timestamp ??
    record.complaint?.timestamp ??
    record.delivery?.timestamp ??
    record.open?.timestamp ??
    record.click?.timestamp ??
    record.deliveryDelay?.timestamp ??
    record.mail.timestamp;
  return {
    ok: true,
    feedback: {
      kind,
      messageId: record.mail.messageId,
      at,
      tags,
      recipient: record.mail.destination?.[0],
      bounce:
        kind === 'bounce'
          ? { type: bounceType(record.bounce?.bounceType), subType: record.bounce?.bounceSubType }
          : undefined,
      failure:
        kind === 'rendering_failure'
          ? { template: record.failure?.templateName, message: record.failure?.errorMessage }
          : undefined,
    },
  };
}

function bounceType(type: string | undefined): 'permanent' | 'transient' | 'undetermined' {
  if (type === 'Permanent') return 'permanent';
  if (type === 'Transient') return 'transient';
  return 'undetermined';
}
