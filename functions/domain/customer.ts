import type { Acquisition, CanonicalEvent, ConsentStatus, CustomerFacts } from './events.js';
import type { Money } from './money.js';
import type { TimelineEntry } from './timeline.js';

/**
 * Where a customer stands in their relationship with the store (see docs/architecture.md). `prospect` is
 * a known person who has neither opted in nor bought.
 */
export type LifecycleStage = 'prospect' | 'subscriber' | 'first_time_customer' | 'repeat_customer';

export interface EmailConsent {
  readonly email: ConsentStatus;
  /** Where the current state came from, e.g. `generic:newsletter-form`. */
  readonly source?: string | undefined;
  /** When the storefront says the state was given or changed (its own clock). */
  readonly updatedAt?: string | undefined;
}

export interface CustomerMetrics {
  readonly orderCount: number;
  readonly revenue: Money;
}

/** A customer's state: one per normalised email address, across every storefront. */
export interface Customer {
  readonly id: string;
  readonly email: string;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly timezone?: string | undefined;
  readonly locale?: string | undefined;
  readonly consent: EmailConsent;
  /** Set when the address must never be emailed again (hard bounce, complaint, erasure). */
  readonly suppressed?: { readonly reason: string; readonly at: string } | undefined;
  /** First-touch attribution, never overwritten once captured. */
  readonly acquisition?: (Acquisition & { readonly capturedAt: string }) | undefined;
  readonly stage: LifecycleStage;
  readonly metrics: CustomerMetrics;
  readonly segments: readonly string[];
  /** Sources that have told us about this person, e.g. `generic`. */
  readonly sources: readonly string[];
  /** Source time of the newest profile facts applied; older facts arriving late never overwrite newer. */
  readonly profileUpdatedAt?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CustomerChange {
  readonly customer: Customer;
  readonly timeline: readonly TimelineEntry[];
}

/** Marketing email may go to this customer: they opted in. Suppression is checked by the guardrails. */
export function hasMarketingConsent(customer: Customer): boolean {
  return customer.consent.email === 'subscribed';
}

export function deriveStage(customer: Pick<Customer, 'consent' | 'metrics'>): LifecycleStage {
  if (customer.metrics.orderCount >= 2) return 'repeat_customer';
  if (customer.metrics.orderCount === 1) return 'first_time_customer';
  return customer.consent.email === 'subscribed' ? 'subscriber' : 'prospect';
}

/**
 * Applies a canonical event to a customer's state (or creates the customer). Pure: `now` is the business
 * time at which the event is handled, `customerId` the id to give a new customer.
 */
export function applyCustomerEvent(
  current: Customer | undefined,
  event: CanonicalEvent,
  context: { readonly now: Date; readonly customerId: string; readonly reportingCurrency: string },
): CustomerChange {
  switch (event.type) {
    case 'customer.signed_up':
      return applyFacts(current, event.data.customer, event, context);
  }
}

function applyFacts(
  current: Customer | undefined,
  facts: CustomerFacts,
  event: CanonicalEvent,
  context: { readonly now: Date; readonly customerId: string; readonly reportingCurrency: string },
): CustomerChange {
  const now = context.now.toISOString();
  const timeline: TimelineEntry[] = [
    { at: now, kind: 'event_received', eventType: event.type, eventId: event.id, source: event.source },
  ];
  const base: Customer = current ?? {
    id: context.customerId,
    email: facts.email,
    consent: { email: 'none' },
    stage: 'prospect',
    metrics: { orderCount: 0, revenue: { amount: 0, currency: context.reportingCurrency } },
    segments: [],
    sources: [],
    createdAt: now,
    updatedAt: now,
  };

  // Out-of-order deliveries: facts older than what we hold only fill gaps, never overwrite.
  const newer = base.profileUpdatedAt === undefined || event.occurredAt >= base.profileUpdatedAt;
  const pick = <T>(incoming: T | undefined, held: T | undefined): T | undefined =>
    newer ? (incoming ?? held) : (held ?? incoming);

  let consent = base.consent;
  if (facts.consent) {
    const consentNewer = base.consent.updatedAt === undefined || event.occurredAt >= base.consent.updatedAt;
    if (consentNewer && facts.consent.email !== base.consent.email) {
      consent = {
        email: facts.consent.email,
        source: facts.consent.source ? `${event.source}:${facts.consent.source}` : event.source,
        updatedAt: event.occurredAt,
      };
      timeline.push({
        at: now,
        kind: 'consent_changed',
        from: base.consent.email,
        to: consent.email,
        source: consent.source,
      });
    } else if (consentNewer) {
      consent = { ...base.consent, updatedAt: event.occurredAt };
    }
  }

  const acquisition =
    base.acquisition ??
    (facts.acquisition && Object.values(facts.acquisition).some((value) => value !== undefined)
      ? { ...facts.acquisition, capturedAt: event.occurredAt }
      : undefined);

  const next: Customer = {
    ...base,
    firstName: pick(facts.firstName, base.firstName),
    lastName: pick(facts.lastName, base.lastName),
    timezone: pick(facts.timezone, base.timezone),
    locale: pick(facts.locale, base.locale),
    consent,
    acquisition,
    sources: base.sources.includes(event.source) ? base.sources : [...base.sources, event.source],
    profileUpdatedAt: newer ? event.occurredAt : base.profileUpdatedAt,
    updatedAt: now,
  };
  return { customer: { ...next, stage: deriveStage(next) }, timeline };
}

/**
 * A consent change made in the product itself (unsubscribe link, preference page). Applied at once, with
 * the business time as its time: it is newer than anything a storefront said before.
 */
export function withEmailConsent(
  customer: Customer,
  status: 'subscribed' | 'unsubscribed',
  source: string,
  now: Date,
): CustomerChange {
  const at = now.toISOString();
  if (customer.consent.email === status) return { customer, timeline: [] };
  const next: Customer = {
    ...customer,
    consent: { email: status, source, updatedAt: at },
    updatedAt: at,
  };
  return {
    customer: { ...next, stage: deriveStage(next) },
    timeline: [
      status === 'unsubscribed'
        ? { at, kind: 'unsubscribed', source }
        : { at, kind: 'consent_changed', from: customer.consent.email, to: status, source },
    ],
  };
}
