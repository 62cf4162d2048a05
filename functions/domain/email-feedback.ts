import type { Customer, EmailEngagement } from './customer.js';
import type { TimelineEntry } from './timeline.js';

/**
 * What the mail service reported about one email after it was handed over: sent, delivered, bounced,
 * complained about, opened, clicked, rejected, or not rendered. The adapter turns SES events into this;
 * the rules below decide what it means for the customer.
 */
export interface EmailFeedback {
  readonly kind: EmailFeedbackKind;
  /** The mail service's message id: with the kind, what makes a report unique. */
  readonly messageId: string;
  /** When it happened, by the mail service's clock. */
  readonly at: string;
  /** The ids the email was sent with (customer, journey, step, run, category): no lookup needed. */
  readonly tags: EmailTags;
  /** The recipient, for the reports of an email sent without our tags (bounces and complaints only). */
  readonly recipient?: string | undefined;
  readonly bounce?: {
    readonly type: 'permanent' | 'transient' | 'undetermined';
    readonly subType?: string | undefined;
  };
  /** A rendering failure: the template and SES's message (which names the missing variable). */
  readonly failure?: { readonly template?: string | undefined; readonly message?: string | undefined };
}

export type EmailFeedbackKind =
  | 'send'
  | 'delivery'
  | 'bounce'
  | 'complaint'
  | 'open'
  | 'click'
  | 'reject'
  | 'rendering_failure'
  | 'delivery_delay';

export interface EmailTags {
  readonly customer?: string | undefined;
  readonly journey?: string | undefined;
  readonly step?: string | undefined;
  readonly run?: string | undefined;
  readonly category?: string | undefined;
  /** The variant of the step's experiment the email was. */
  readonly variant?: string | undefined;
}

export interface FeedbackSettings {
  /** Transient bounces in a row (no delivery between) after which the address is suppressed. */
  readonly softBounceLimit: number;
}

/** What one report changes: the customer, their timeline, and the journey counters to add. */
export interface FeedbackEffect {
  readonly customer: Customer;
  readonly timeline: readonly TimelineEntry[];
  /** Counter names of the journey and step the email belonged to (delivered, opened, clicked, …). */
  readonly counters: readonly (
    | 'delivered'
    | 'opened'
    | 'clicked'
    | 'bounced'
    | 'complained'
    | 'rejected'
    | 'renderingFailed'
  )[];
}

/**
 * The rules of deliverability, in one place. A permanent bounce suppresses the address; a complaint
 * suppresses it and unsubscribes the person from all marketing at once; transient bounces are counted
 * and suppress after `softBounceLimit` in a row (a delivery resets the count); a delivery, open or click
 * is engagement; a rejection and a rendering failure are recorded. Pure: the same report on the same
 * customer gives the same result, so a repeated report is caught by its id before it gets here.
 */
export function applyEmailFeedback(
  customer: Customer,
  feedback: EmailFeedback,
  settings: FeedbackSettings,
  now: Date,
): FeedbackEffect {
  const at = now.toISOString();
  const ids = {
    journeyId: feedback.tags.journey,
    stepId: feedback.tags.step,
    runId: feedback.tags.run,
    messageId: feedback.messageId,
  };
  const engagement: EmailEngagement = customer.emailEngagement ?? { sentSinceEngagement: 0 };
  const suppress = (reason: string): Customer =>
    customer.suppressed ? customer : { ...customer, suppressed: { reason, at } };

  switch (feedback.kind) {
    case 'delivery': {
      const next: Customer = {
        ...customer,
        emailEngagement: { ...engagement, lastDeliveredAt: feedback.at },
        deliverability: customer.deliverability?.softBounces
          ? { ...customer.deliverability, softBounces: 0 }
          : customer.deliverability,
      };
      return { customer: next, timeline: [{ at, kind: 'email_delivered', ...ids }], counters: ['delivered'] };
    }
    case 'open':
    case 'click': {
      const field = feedback.kind === 'open' ? 'lastOpenAt' : 'lastClickAt';
      const next: Customer = {
        ...customer,
        emailEngagement: { ...engagement, [field]: maxIso(engagement[field], feedback.at), sentSinceEngagement: 0 },
      };
      return {
        customer: next,
        timeline: [{ at, kind: feedback.kind === 'open' ? 'email_opened' : 'email_clicked', ...ids }],
        counters: [feedback.kind === 'open' ? 'opened' : 'clicked'],
      };
    }
    case 'bounce': {
      const type = feedback.bounce?.type ?? 'undetermined';
      const entry: TimelineEntry = {
        at,
        kind: 'email_bounced',
        ...ids,
        bounceType: type,
        bounceSubType: feedback.bounce?.subType,
      };
      if (type === 'transient') {
        const softBounces = (customer.deliverability?.softBounces ?? 0) + 1;
        const counted: Customer = { ...customer, deliverability: { ...customer.deliverability, softBounces } };
        if (softBounces < settings.softBounceLimit)
          return { customer: counted, timeline: [entry], counters: ['bounced'] };
        const next = { ...counted, suppressed: counted.suppressed ?? { reason: 'soft_bounces', at } };
        return {
          customer: next,
          timeline: [entry, suppressedEntry(customer, next, at)].filter(isEntry),
          counters: ['bounced'],
        };
      }
      // Permanent, and undetermined (SES could not tell): the address does not take mail.
      const next = suppress(type === 'permanent' ? 'hard_bounce' : 'bounce');
      return {
        customer: next,
        timeline: [entry, suppressedEntry(customer, next, at)].filter(isEntry),
        counters: ['bounced'],
      };
    }
    case 'complaint': {
      const suppressed = suppress('complaint');
      // A complaint is the strongest "stop": no marketing of any kind, whatever the preferences said.
      const next: Customer =
        suppressed.consent.email === 'unsubscribed'
          ? suppressed
          : { ...suppressed, consent: { email: 'unsubscribed', source: 'complaint', updatedAt: at }, updatedAt: at };
      const timeline: (TimelineEntry | undefined)[] = [
        { at, kind: 'email_complained', ...ids },
        suppressedEntry(customer, next, at),
        customer.consent.email === 'unsubscribed' ? undefined : { at, kind: 'unsubscribed', source: 'complaint' },
      ];
      return { customer: next, timeline: timeline.filter(isEntry), counters: ['complained'] };
    }
    case 'reject':
      return { customer, timeline: [{ at, kind: 'email_rejected', ...ids }], counters: ['rejected'] };
    case 'rendering_failure':
      return {
        customer,
        timeline: [
          { at, kind: 'email_failed', ...ids, reason: 'rendering_failed', template: feedback.failure?.template },
        ],
        counters: ['renderingFailed'],
      };
    case 'send':
    case 'delivery_delay':
      return { customer, timeline: [], counters: [] };
  }
}

function suppressedEntry(before: Customer, after: Customer, at: string): TimelineEntry | undefined {
  if (before.suppressed || !after.suppressed) return undefined;
  return { at, kind: 'suppressed', reason: after.suppressed.reason };
}

function isEntry(entry: TimelineEntry | undefined): entry is TimelineEntry {
  return entry !== undefined;
}

function maxIso(a: string | undefined, b: string): string {
  return a !== undefined && a > b ? a : b;
}
