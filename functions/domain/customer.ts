import type { Acquisition, Consent, ConsentStatus, CustomerFacts, LineItem, Money, SourceName } from './events.js';
import type { CustomerMetrics } from './metrics.js';
import type { TimelineEntry } from './timeline.js';

/**
 * Where a customer stands in their relationship with the store: the state machine of
 * `stageOf` in functions/domain/intelligence/assess.ts, documented in docs/intelligence.md. `prospect` is a known
 * person who has neither opted in nor bought.
 */
export const LIFECYCLE_STAGES = [
  'prospect',
  'subscriber',
  'first_time_customer',
  'repeat_customer',
  'loyal',
  'vip',
  'advocate',
  'at_risk',
  'lapsed',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** What a customer does with the emails they get, kept by the engagement handler. */
export interface EmailEngagement {
  /** The first marketing email this product sent the person: when it began to be able to tell engagement. */
  readonly firstSentAt?: string | undefined;
  readonly lastSentAt?: string | undefined;
  readonly lastDeliveredAt?: string | undefined;
  readonly lastOpenAt?: string | undefined;
  readonly lastClickAt?: string | undefined;
  /** Marketing emails sent since the last open or click (or since the first email). */
  readonly sentSinceEngagement: number;
}

export interface RecentSend {
  readonly at: string;
  readonly journeyId: string;
  readonly category: 'marketing' | 'transactional';
  /** `<run id>/<step id>`: a retry of the same step does not count against the cap twice. */
  readonly ref?: string | undefined;
}

export interface LastTouch {
  readonly journeyId: string;
  readonly stepId: string;
  readonly runId: string;
  /** The variant of the step's experiment the email was: its conversion counts for it too. */
  readonly variant?: string | undefined;
  readonly at: string;
  readonly goalEvent: string;
  readonly goalUntil: string;
  /** Set once an order was attributed: one conversion per touch. */
  readonly converted?: boolean | undefined;
  /**
   * Set when the touch is the run's assignment at a split with a holdout rather than an email (`stepId` is
   * the split's): an order in its window counts for the group only, never as an email's conversion.
   */
  readonly split?: true | undefined;
  /** The group of a split with a holdout the run was assigned to, measured over the goal's window from the split. */
  readonly group?: LiftGroupTouch | undefined;
}

/**
 * A run's side of a split with a holdout, for measuring lift: `holdout` (no email) or `treated` (a variant).
 * The window runs from the split (`at`) for the journey's goal window; a send of the same run keeps it.
 */
export interface LiftGroupTouch {
  readonly kind: 'holdout' | 'treated';
  readonly at: string;
  readonly until: string;
  /** Set once an order in the window counted: one conversion per run and group. */
  readonly converted?: boolean | undefined;
}

/** The newest answer to the NPS survey (0–10). */
export interface NpsAnswer {
  readonly score: number;
  readonly at: string;
}

/** A recent event, kept briefly on the profile so that conditions like "viewed a product in the last 7 days" need no extra read. */
export interface RecentEvent {
  readonly type: string;
  readonly at: string;
  /** The product or order the event is about, when it has one. */
  readonly ref?: string | undefined;
}

export interface EmailConsent {
  readonly email: ConsentStatus;
  /** Where the current state came from, e.g. `generic:newsletter-form`, `one-click`. */
  readonly source?: string | undefined;
  /** When the state was given or changed, by the clock of whoever reported it. */
  readonly updatedAt?: string | undefined;
  /** Proof of a form submission, when the storefront sent it. Never logged, never on the timeline. */
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  /**
   * Double opt-in: when the confirmation was asked for (the sign-up) and when the link in the
   * confirmation email was used, with that request's IP address and user agent as proof.
   */
  readonly confirmation?:
    | {
        readonly requestedAt: string;
        readonly confirmedAt?: string | undefined;
        readonly ip?: string | undefined;
        readonly userAgent?: string | undefined;
      }
    | undefined;
}

/** The newest checkout a customer started, kept to notice it is abandoned. */
export interface CheckoutState {
  readonly key: string;
  readonly url?: string | undefined;
  readonly total: Money;
  readonly lineItems: readonly LineItem[];
  readonly startedAt: string;
  readonly updatedAt: string;
  /** `completed` once an order was placed after it started. */
  readonly status: 'open' | 'completed';
}

export interface ProductView {
  readonly productId: string;
  readonly at: string;
}

/** A customer's state: one per normalised email address, across every storefront. */
export interface Customer {
  readonly id: string;
  readonly email: string;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  /** `--MM-DD`, or `YYYY-MM-DD` when the year was given: a date trigger's `birthday` field. */
  readonly birthday?: string | undefined;
  readonly timezone?: string | undefined;
  readonly locale?: string | undefined;
  readonly consent: EmailConsent;
  /** Set when the address must never be emailed again (hard bounce, complaint). */
  readonly suppressed?: { readonly reason: string; readonly at: string } | undefined;
  /** First-touch attribution, never overwritten once captured. */
  readonly acquisition?: (Acquisition & { readonly capturedAt: string }) | undefined;
  readonly stage: LifecycleStage;
  readonly metrics: CustomerMetrics;
  readonly segments: readonly string[];
  /** Sources that have told us about this person, e.g. `generic`, `shopify`. */
  readonly sources: readonly string[];
  /** Storefront customer ids, as `<source>:<id>`. */
  readonly aliases: readonly string[];
  readonly checkout?: CheckoutState | undefined;
  /** Newest first, at most {@link MAX_RECENT_VIEWS}. */
  readonly recentlyViewed: readonly ProductView[];
  /** Last time the person did something on the site (view, checkout, order), by the storefront's clock. */
  readonly lastActivityAt?: string | undefined;
  /** Newest first, at most {@link MAX_RECENT_EVENTS}. */
  readonly recentEvents: readonly RecentEvent[];
  readonly emailEngagement?: EmailEngagement | undefined;
  /** How mail to the address fares: transient bounces in a row since the last delivery. */
  readonly deliverability?: { readonly softBounces?: number | undefined } | undefined;
  readonly nps?: NpsAnswer | undefined;
  /** The product the customer is expected to run out of next, and when to remind them. */
  readonly replenishment?: { readonly productId: string; readonly dueAt: string } | undefined;
  /** Marketing and transactional sends of the last weeks, newest last: what the frequency cap counts. */
  readonly recentSends?: readonly RecentSend[] | undefined;
  /** The most recent send with a conversion goal, for last-touch attribution. */
  readonly lastTouch?: LastTouch | undefined;
  /** `sunset`: no marketing email until the person engages again. */
  readonly flags?: { readonly sunset?: boolean | undefined } | undefined;
  /** Topics (groups of journeys) the person opted out of, while staying subscribed to the rest. */
  readonly unsubscribedTopics?: readonly string[] | undefined;
  /** Latest RFM scores, as of the last assessment. */
  readonly rfm?: { readonly r: number; readonly f: number; readonly m: number; readonly segment: string } | undefined;
  /** Source time of the newest profile facts applied; older facts arriving late never overwrite newer. */
  readonly profileUpdatedAt?: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const MAX_RECENT_VIEWS = 20;
export const MAX_RECENT_EVENTS = 50;

export function aliasOf(source: SourceName, externalId: string): string {
  return `${source}:${externalId}`;
}

/** Marketing email may go to this customer: they opted in. Suppression is checked by the guardrails. */
export function hasMarketingConsent(customer: Customer): boolean {
  return customer.consent.email === 'subscribed';
}

/** A new customer, before any fact is applied. */
export function newCustomer(id: string, email: string, now: string, reportingCurrency: string): Customer {
  return {
    id,
    email,
    consent: { email: 'none' },
    stage: 'prospect',
    metrics: { orderCount: 0, revenue: { amount: 0, currency: reportingCurrency } },
    segments: [],
    sources: [],
    aliases: [],
    recentlyViewed: [],
    recentEvents: [],
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Applies what a storefront says about a person. Facts older than what we hold only fill gaps; consent
 * is compared on its own time. Returns the new state and its timeline entries.
 */
export function withFacts(
  customer: Customer,
  facts: CustomerFacts,
  source: SourceName,
  occurredAt: string,
  now: string,
  options: ConsentOptions = {},
): { customer: Customer; timeline: TimelineEntry[] } {
  const newer = customer.profileUpdatedAt === undefined || occurredAt >= customer.profileUpdatedAt;
  const pick = <T>(incoming: T | undefined, held: T | undefined): T | undefined =>
    newer ? (incoming ?? held) : (held ?? incoming);
  const timeline: TimelineEntry[] = [];
  let next: Customer = {
    ...customer,
    firstName: pick(facts.firstName, customer.firstName),
    lastName: pick(facts.lastName, customer.lastName),
    birthday: pick(facts.birthday, customer.birthday),
    timezone: pick(facts.timezone, customer.timezone),
    locale: pick(facts.locale, customer.locale),
    acquisition:
      customer.acquisition ??
      (facts.acquisition && Object.values(facts.acquisition).some((value) => value !== undefined)
        ? { ...facts.acquisition, capturedAt: occurredAt }
        : undefined),
    sources: customer.sources.includes(source) ? customer.sources : [...customer.sources, source],
    aliases:
      facts.externalId === undefined || customer.aliases.includes(aliasOf(source, facts.externalId))
        ? customer.aliases
        : [...customer.aliases, aliasOf(source, facts.externalId)],
    profileUpdatedAt: newer ? occurredAt : customer.profileUpdatedAt,
    updatedAt: now,
  };
  if (facts.consent) {
    const consent = withConsent(next, facts.consent, source, occurredAt, now, options);
    next = consent.customer;
    timeline.push(...consent.timeline);
  }
  return { customer: next, timeline };
}

export interface ConsentOptions {
  /** The source's sign-ups must confirm by email first: a `subscribed` from it is held as `pending`. */
  readonly doubleOptIn?: boolean | undefined;
}

/**
 * Applies a storefront's consent statement if it is newer than the one we hold; of two statements made at
 * the same instant, an unsubscribe wins, whichever arrives first (the safe reading of a tie, and one that
 * does not depend on delivery order). From a double opt-in source, a new subscription is held as `pending`
 * until the person uses the link of the confirmation email; someone already subscribed stays subscribed.
 */
export function withConsent(
  customer: Customer,
  consent: Consent,
  source: SourceName,
  occurredAt: string,
  now: string,
  options: ConsentOptions = {},
): { customer: Customer; timeline: TimelineEntry[] } {
  const at = consent.at ?? occurredAt;
  if (customer.consent.updatedAt !== undefined) {
    const held = Date.parse(customer.consent.updatedAt);
    const stated = Date.parse(at);
    if (stated < held) return { customer, timeline: [] };
    if (stated === held && customer.consent.email === 'unsubscribed' && consent.email !== 'unsubscribed')
      return { customer, timeline: [] };
  }
  const held = customer.consent.email;
  const mustConfirm = options.doubleOptIn === true && consent.email === 'subscribed' && held !== 'subscribed';
  const email = mustConfirm ? 'pending' : consent.email;
  const next: Customer = {
    ...customer,
    consent: {
      email,
      confirmation: mustConfirm
        ? held === 'pending' && customer.consent.confirmation
          ? customer.consent.confirmation
          : { requestedAt: at }
        : email === 'subscribed' && held === 'subscribed'
          ? customer.consent.confirmation
          : undefined,
      source:
        consent.source === undefined
          ? source
          : consent.source.startsWith(`${source}:`)
            ? consent.source
            : `${source}:${consent.source}`,
      updatedAt: at,
      ip: consent.ip,
      userAgent: consent.userAgent,
    },
    updatedAt: now,
  };
  const timeline: TimelineEntry[] =
    email === held
      ? []
      : [
          {
            at: now,
            kind: 'consent_changed',
            from: held,
            to: email,
            source: next.consent.source,
            ...(mustConfirm ? { note: 'confirmation_requested' } : {}),
          },
        ];
  return { customer: next, timeline };
}

/**
 * The link of the confirmation email was used: a pending subscription becomes a subscription, with the
 * time, IP address and user agent of that request kept as proof. Anything but `pending` stays as it is
 * (an unsubscribe since then wins; a subscriber has nothing to confirm).
 */
export function withConfirmedConsent(
  customer: Customer,
  proof: { readonly ip?: string | undefined; readonly userAgent?: string | undefined },
  now: Date,
): { customer: Customer; timeline: TimelineEntry[] } {
  if (customer.consent.email !== 'pending') return { customer, timeline: [] };
  const at = now.toISOString();
  const consent: EmailConsent = {
    ...customer.consent,
    email: 'subscribed',
    updatedAt: at,
    confirmation: {
      requestedAt: customer.consent.confirmation?.requestedAt ?? customer.consent.updatedAt ?? at,
      confirmedAt: at,
      ip: proof.ip,
      userAgent: proof.userAgent,
    },
  };
  return {
    customer: { ...customer, consent, updatedAt: at },
    timeline: [
      { at, kind: 'consent_changed', from: 'pending', to: 'subscribed', source: consent.source, note: 'confirmed' },
    ],
  };
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
): { customer: Customer; timeline: TimelineEntry[] } {
  const at = now.toISOString();
  if (customer.consent.email === status) return { customer, timeline: [] };
  const next: Customer = { ...customer, consent: { email: status, source, updatedAt: at }, updatedAt: at };
  return {
    customer: next,
    timeline: [
      status === 'unsubscribed'
        ? { at, kind: 'unsubscribed', source }
        : { at, kind: 'consent_changed', from: customer.consent.email, to: status, source },
    ],
  };
}

export function withActivity(customer: Customer, at: string): Customer {
  return customer.lastActivityAt === undefined || at > customer.lastActivityAt
    ? { ...customer, lastActivityAt: at }
    : customer;
}

export function withRecentEvent(customer: Customer, event: RecentEvent): Customer {
  const events = [
    event,
    ...customer.recentEvents.filter((e) => !(e.type === event.type && e.at === event.at && e.ref === event.ref)),
  ]
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, MAX_RECENT_EVENTS);
  return { ...customer, recentEvents: events };
}

export function withProductView(customer: Customer, productId: string, at: string): Customer {
  return withActivity({ ...customer, recentlyViewed: keepRecentViews(customer.recentlyViewed, { productId, at }) }, at);
}

/**
 * The {@link MAX_RECENT_VIEWS} most recent views with one more, one per product, newest first. A view
 * delivered late never replaces a newer view of the same product.
 */
export function keepRecentViews<View extends { readonly productId: string; readonly at: string }>(
  views: readonly View[],
  view: View,
): View[] {
  const newer = views.find((kept) => kept.productId === view.productId && kept.at > view.at);
  return [newer ?? view, ...views.filter((kept) => kept.productId !== view.productId)]
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, MAX_RECENT_VIEWS);
}
