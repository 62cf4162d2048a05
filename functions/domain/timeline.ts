/**
 * One line of a customer's history: what happened, when (business time), and why. Entries carry ids,
 * never personal data, so that they can be shown and exported safely.
 */
export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly [detail: string]: string | number | boolean | readonly string[] | undefined;
}

export type TimelineKind =
  | 'event_received'
  | 'consent_changed'
  | 'unsubscribed'
  /** The topics the person opted out of changed; `unsubscribed` lists them all, as now. */
  | 'topics_changed'
  | 'email_changed'
  | 'identity_conflict'
  | 'order_placed'
  | 'order_refunded'
  | 'order_cancelled'
  | 'checkout_started'
  | 'checkout_updated'
  | 'data_exported'
  | 'stage_changed'
  | 'segment_entered'
  | 'segment_left'
  | 'journey_entered'
  | 'journey_resumed'
  | 'journey_step'
  | 'journey_exited'
  | 'journey_completed'
  /** A send reserved (the frequency cap counts it): what follows is `email_sent`, or nothing if the sender stopped. */
  | 'email_reserved'
  | 'email_sent'
  | 'email_suppressed'
  | 'email_skipped'
  | 'email_failed'
  | 'email_deferred'
  | 'email_dropped'
  /** What the mail service reported after the hand-over (email-feedback.ts). */
  | 'email_delivered'
  | 'email_opened'
  | 'email_clicked'
  | 'email_bounced'
  | 'email_complained'
  | 'email_rejected'
  /** The address must never be emailed again (`reason`: hard_bounce, soft_bounces, complaint…). */
  | 'suppressed'
  | 'conversion'
  /** An order used a single-use code a send of the journey gave (`offer`, `orderKey`, journey and step). */
  | 'offer_redeemed'
  | 'flag_changed'
  | 'survey_answered';
