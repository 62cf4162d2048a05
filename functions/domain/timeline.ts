/**
 * One line of a customer's history: what happened, when (business time), and why. Entries carry ids,
 * never personal data, so that they can be shown and exported safely.
 */
export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly [detail: string]: string | number | boolean | undefined;
}

export type TimelineKind =
  | 'event_received'
  | 'consent_changed'
  | 'unsubscribed'
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
  | 'journey_exited'
  | 'journey_completed'
  | 'email_sent'
  | 'email_suppressed'
  | 'email_skipped'
  | 'email_failed';
