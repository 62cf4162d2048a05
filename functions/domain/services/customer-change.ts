import {
  type ClaimedRun,
  type CommitResult,
  type CustomerRecords,
  type EventCommit,
  exitCounters,
  type JourneyCounters,
  type JourneyStatistics,
  type JourneyStats,
  type Outbox,
  type StoredCustomer,
} from '../../ports/customer-store.js';
import type { IssuedOffers } from '../../ports/offer-codes.js';
import type { ConditionSubject } from '../conditions.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer, LiftGroupTouch } from '../customer.js';
import { addDuration, durationMs } from '../duration.js';
import type { IdGenerator } from '../ids.js';
import { type Assessment, assess } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { JourneyDefinition, JourneyStep, SendStep } from '../journeys/definition.js';
import { type Enrollment, journeysForChange, type RunContext } from '../journeys/enrollment.js';
import type { Money } from '../money.js';
import { redeemedOffers } from '../offers.js';
import type { OrderRecord } from '../orders.js';
import { revenueSquare } from '../reporting/lift.js';
import type { TimelineEntry } from '../timeline.js';
import { type AssessmentDependencies, applyAssessment, flushOutbox } from './assessment.js';

export interface CustomerChangeDependencies extends AssessmentDependencies {
  readonly store: CustomerRecords & Outbox & JourneyStatistics & Pick<IssuedOffers, 'issuedOffers'>;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  readonly newId: IdGenerator;
}

/** An event as journeys see it: what it is, what it is about, and the order it placed if it did. */
export interface SignalEvent {
  readonly id: string;
  readonly type: string;
  readonly context: RunContext;
  /** Set when the event placed an order the customer did not have before: for conversions. */
  readonly placedOrder?:
    | {
        readonly key: string;
        readonly placedAt: string;
        readonly value?: Money | undefined;
        /** The discount codes the order used: a single-use offer's code is its redemption. */
        readonly discountCodes?: readonly string[] | undefined;
      }
    | undefined;
}

export interface CustomerChange {
  readonly eventId: string;
  readonly before: StoredCustomer | undefined;
  /** The customer after the change, before assessment. */
  readonly customer: Customer;
  readonly timeline: readonly TimelineEntry[];
  readonly orders?: readonly OrderRecord[] | undefined;
  readonly claimEmail?: string | undefined;
  readonly releaseEmail?: string | undefined;
  readonly claimAliases?: readonly string[] | undefined;
  readonly signal?: SignalEvent | undefined;
  /** Runs the change itself moves (a send to retry), written with it; journeys then react on top. */
  readonly enrollments?: readonly Enrollment[] | undefined;
  /** Addresses to suppress for good, written with the change (a bounce, a complaint). */
  readonly suppressions?: EventCommit['suppressions'];
  /** The hash of an address the change takes on, which must not have been suppressed meanwhile. */
  readonly addressNotSuppressed?: string | undefined;
  readonly now: Date;
}

export interface CommittedChange {
  readonly result: CommitResult;
  readonly customer: Customer;
  readonly journeysEntered: readonly string[];
  /** The journeys whose single-use offers the change's order redeemed, one entry per offer. */
  readonly offersRedeemed?: readonly string[];
}

/**
 * The one place a customer's stored state changes. `commitCustomerChange` is the way a customer changes:
 * the change is assessed (stage, segments, RFM, predictions), a new order
 * is attributed to the last email that led to it, journeys react (waits resumed, exits, entries), and
 * everything is written in one transaction with the customer's reassessment timer and the outbox; then
 * the outbox is published and the journey counters are added. Used by storefront events, consent changes,
 * survey answers, due reassessments and the daily model job alike. A journey run changes the customer
 * in two narrower ways, neither assessed nor reacted to by journeys: `reserveSend` records an email about
 * to be sent, and `markCustomer` sets a flag.
 */
export async function commitCustomerChange(
  dependencies: CustomerChangeDependencies,
  change: CustomerChange,
): Promise<CommittedChange> {
  const { store, config, journeys, newId, silent } = dependencies;
  const { before, now } = change;
  const at = now.toISOString();
  const model = await dependencies.loadModel();
  const assessed = applyAssessment(before?.customer, change.customer, model, {
    now,
    config,
    changeId: change.eventId,
    silent,
  });
  let customer = assessed.customer;
  const timeline: TimelineEntry[] = [...change.timeline, ...assessed.timeline];
  const stats: JourneyStats[] = [];

  // Coming back lifts a sunset: the person engaged again, on the site or by buying.
  if (customer.flags?.sunset && assessed.assessment.segments.includes('engaged')) {
    customer = { ...customer, flags: { ...customer.flags, sunset: false } };
    timeline.push({ at, kind: 'flag_changed', flag: 'sunset', value: false });
  }

  const placed = change.signal?.placedOrder;
  if (placed) {
    const attributed = attributeOrder(customer, placed, config.reportingCurrency, at);
    customer = attributed.customer;
    timeline.push(...attributed.timeline);
    stats.push(...attributed.stats);
  }

  // A single-use code of this customer's used by the order: the offer is redeemed, and the journey and step
  // whose send gave it get the order. The order is placed once (a redelivery is no signal), so counted once.
  const offersRedeemed: string[] = [];
  if (placed?.discountCodes?.length) {
    const revenue = placed.value?.currency === config.reportingCurrency ? placed.value.amount : 0;
    for (const offer of redeemedOffers(await store.issuedOffers(customer.id), placed)) {
      const ids = { journeyId: offer.journeyId, stepId: offer.stepId };
      timeline.push({ at, kind: 'offer_redeemed', ...ids, offer: offer.offer, orderKey: placed.key });
      offersRedeemed.push(offer.journeyId);
      stats.push(
        { journeyId: offer.journeyId, counters: { offersRedeemed: 1, offerRevenue: revenue } },
        { ...ids, counters: { offersRedeemed: 1, offerRevenue: revenue } },
      );
    }
  }

  const enrollments = new Map<string, Enrollment>(
    [...(before?.enrollments.values() ?? [])].map(({ enrollment }) => [enrollment.journeyId, enrollment]),
  );
  for (const enrollment of change.enrollments ?? []) enrollments.set(enrollment.journeyId, enrollment);
  const previousSegments = new Set(before?.customer.segments ?? []);
  const nextSegments = new Set(assessed.assessment.segments);
  const subject: ConditionSubject = {
    facts: assessed.assessment.facts,
    segments: assessed.assessment.segments,
    recentEvents: customer.recentEvents,
    now,
  };
  // History imported by a backfill is not news: no journey reacts to it.
  const journeyChanges = silent
    ? { enrollments: [], timeline: [], stats: [] }
    : journeysForChange(
        journeys.values(),
        customer,
        enrollments,
        {
          event: change.signal,
          stageEntered: before?.customer.stage !== customer.stage ? customer.stage : undefined,
          segmentsEntered: assessed.assessment.segments.filter((s) => !previousSegments.has(s)),
          segmentsLeft: [...previousSegments].filter((s) => !nextSegments.has(s)),
        },
        { now, newRunId: () => newId('run'), subject, timeZone: customer.timezone ?? config.timezone },
      );
  for (const count of journeyChanges.stats) {
    stats.push({
      journeyId: count.journeyId,
      counters: count.exitReason === undefined ? { entered: count.entered } : exitCounters(count.exitReason),
    });
  }

  const result = await store.commitEvent({
    eventId: change.eventId,
    customer,
    expectedVersion: before?.version,
    claimEmail: change.claimEmail,
    releaseEmail: change.releaseEmail,
    claimAliases: change.claimAliases,
    orders: change.orders,
    enrollments: [
      // The change's own runs, unless journeys moved them again just now (then theirs is the newer state).
      ...(change.enrollments ?? []).filter(
        (own) => !journeyChanges.enrollments.some((e) => e.journeyId === own.journeyId),
      ),
      ...journeyChanges.enrollments,
    ].map((enrollment) => ({
      enrollment,
      expectedVersion: before?.enrollments.get(enrollment.journeyId)?.version,
    })),
    timeline: [...timeline, ...journeyChanges.timeline],
    reassessAt: assessed.assessment.nextChangeAt ?? null,
    outbox: assessed.outbox,
    suppressions: change.suppressions,
    addressNotSuppressed: change.addressNotSuppressed,
  });
  if (result === 'committed') {
    await flushOutbox(dependencies, customer.id, assessed.outbox);
    await addStats(store, stats);
  }
  return {
    result,
    customer,
    journeysEntered: journeyChanges.enrollments
      .filter((e) => e.status === 'active' && e.dueAt === at)
      .map((e) => e.journeyId),
    offersRedeemed,
  };
}

/**
 * A new order against the customer's last touch: the email's conversion when it falls in the touch's
 * window, and the conversion of the split group the touch carries (holdout or treated) when it falls in
 * the group's window. Each counts once: the touch, and the group, are marked converted.
 */
function attributeOrder(
  before: Customer,
  placed: NonNullable<SignalEvent['placedOrder']>,
  reportingCurrency: string,
  at: string,
): { readonly customer: Customer; readonly timeline: TimelineEntry[]; readonly stats: JourneyStats[] } {
  const touch = before.lastTouch;
  if (touch?.goalEvent !== 'order.placed') return { customer: before, timeline: [], stats: [] };
  const revenue = placed.value?.currency === reportingCurrency ? placed.value.amount : 0;
  const emailConverts =
    !touch.split && !touch.converted && placed.placedAt >= touch.at && placed.placedAt <= touch.goalUntil;
  const group = touch.group;
  const groupConverts =
    group !== undefined && !group.converted && placed.placedAt >= group.at && placed.placedAt <= group.until;
  if (!emailConverts && !groupConverts) return { customer: before, timeline: [], stats: [] };
  const stats: JourneyStats[] = [];
  if (emailConverts) {
    stats.push(
      { journeyId: touch.journeyId, counters: { converted: 1, revenue } },
      { journeyId: touch.journeyId, stepId: touch.stepId, counters: { converted: 1, revenue } },
      // The variant of an experiment the email was: its conversion and revenue (docs/campaigns.md#experiments).
      ...(touch.variant === undefined
        ? []
        : [
            {
              journeyId: touch.journeyId,
              stepId: touch.stepId,
              variantId: touch.variant,
              counters: { converted: 1, revenue },
            },
          ]),
    );
  }
  if (groupConverts) stats.push({ journeyId: touch.journeyId, counters: groupConversion(group.kind, revenue) });
  return {
    customer: {
      ...before,
      lastTouch: {
        ...touch,
        ...(emailConverts ? { converted: true } : {}),
        ...(groupConverts ? { group: { ...group, converted: true } } : {}),
      },
    },
    timeline: [
      {
        at,
        kind: 'conversion',
        journeyId: touch.journeyId,
        stepId: touch.stepId,
        runId: touch.runId,
        orderKey: placed.key,
        ...(groupConverts ? { group: group.kind } : {}),
        ...(emailConverts ? {} : { email: false }),
      },
    ],
    stats,
  };
}

function groupConversion(kind: LiftGroupTouch['kind'], revenue: number): JourneyCounters {
  const square = revenueSquare(revenue);
  return kind === 'holdout'
    ? { holdoutConverted: 1, holdoutRevenue: revenue, holdoutRevenueSquares: square }
    : { treatedConverted: 1, treatedRevenue: revenue, treatedRevenueSquares: square };
}

/** Journey counters are best effort: a failure to count never fails the change it counts. */
export async function addStats(store: JourneyStatistics, stats: readonly JourneyStats[]): Promise<void> {
  if (stats.length === 0) return;
  try {
    await store.addJourneyStats(stats);
  } catch {
    // Counted figures may be short by what a failure lost; the timeline stays exact.
  }
}

/** An email about to be sent, as the claimed run that sends it knows it. */
export interface SendReservation {
  readonly stored: StoredCustomer;
  /** The customer's assessment at `now`, as the run's conditions saw it. */
  readonly assessment: Assessment;
  readonly claim: ClaimedRun;
  readonly journey: JourneyDefinition;
  readonly step: SendStep;
  /** The variant of the step's experiment this email is, if it has one. */
  readonly variant?: string | undefined;
  /** What the timeline keeps of the reservation, written once per attempt. */
  readonly receipt: TimelineEntry;
  readonly model: StoreModel | undefined;
  readonly now: Date;
}

export interface ReservedSend {
  readonly result: CommitResult;
  /** The customer with the send recorded, at `version` once committed. */
  readonly customer: Customer;
  readonly version: number;
}

/**
 * Reserves a send on the profile before it is handed to the mail service (frequency cap, last touch,
 * engagement): another dispatcher handling the same customer sees it, or loses the race and looks again.
 * The reservation holds only while the run is still this claim's at this version (no order ended it, no
 * erasure removed it, no other dispatcher took it) and the customer is as read (consent, cap). The
 * receipt is on the timeline at once: a send the mail service takes and whose outcome is then lost is
 * still there. `duplicate`: this very reservation was committed before and its answer was lost.
 */
export async function reserveSend(
  dependencies: { readonly store: Pick<CustomerRecords, 'commitEvent'>; readonly config: LifecycleConfig },
  reservation: SendReservation,
): Promise<ReservedSend> {
  const { stored, claim, journey, step, now } = reservation;
  const at = now.toISOString();
  const before = stored.customer;
  const customer = withSend(before, {
    at,
    journey,
    step,
    variant: reservation.variant,
    runId: claim.enrollment.runId,
    config: dependencies.config,
  });
  // The first marketing email starts the engagement window, after which the unengaged segment can follow:
  // the customer's next check moves to the window's end if nothing comes sooner. When something does (an
  // earlier activity's window, an order's), the email does not move the check, and the timer the
  // customer's last change set is left as it is rather than written again (4 write units).
  const reassessAt = firstMarketingSend(before, customer)
    ? nextCheckAfterFirstSend(reservation, customer, dependencies.config)
    : undefined;
  const moves = reassessAt !== undefined && reassessAt !== (reservation.assessment.nextChangeAt ?? null);
  const result = await dependencies.store.commitEvent({
    eventId: `send:${claim.enrollment.runId}:${step.id}:${claim.attempt}:${stored.version}`,
    customer,
    expectedVersion: stored.version,
    enrollments: [],
    timeline: [],
    receiptEntry: reservation.receipt,
    ...(moves ? { reassessAt } : {}),
    fence: { journeyId: journey.id, owner: claim.owner, version: claim.version, at },
  });
  return { result, customer, version: stored.version + 1 };
}

/** The profile with a send recorded: the frequency cap's history, and the last touch for attribution. */
function withSend(
  customer: Customer,
  send: {
    readonly at: string;
    readonly journey: JourneyDefinition;
    readonly step: SendStep;
    readonly variant?: string | undefined;
    readonly runId: string;
    readonly config: LifecycleConfig;
  },
): Customer {
  const ref = `${send.runId}/${send.step.id}`;
  const horizon = Math.max(0, ...send.config.frequencyCap.map((rule) => durationMs(rule.per)));
  // A second attempt at the same step (after a crash or an uncertain SES error) reserves it again: it is
  // still one email for the cap and for engagement, however many calls it took.
  const retried = (customer.recentSends ?? []).some((s) => s.ref === ref);
  const recentSends = [
    ...(customer.recentSends ?? []).filter((s) => Date.parse(send.at) - Date.parse(s.at) <= horizon && s.ref !== ref),
    { at: send.at, journeyId: send.journey.id, category: send.step.category, ref },
  ].slice(-50);
  const goal = send.journey.goal;
  // The run's own split group goes on with its email: the treated group is measured from the split.
  const group = customer.lastTouch?.runId === send.runId ? customer.lastTouch.group : undefined;
  return {
    ...customer,
    recentSends,
    lastTouch:
      goal && send.step.category === 'marketing'
        ? {
            journeyId: send.journey.id,
            stepId: send.step.id,
            runId: send.runId,
            ...(send.variant === undefined ? {} : { variant: send.variant }),
            at: send.at,
            goalEvent: goal.event,
            goalUntil: addDuration(new Date(send.at), goal.within).toISOString(),
            ...(group ? { group } : {}),
          }
        : customer.lastTouch,
    emailEngagement:
      send.step.category === 'marketing'
        ? {
            ...customer.emailEngagement,
            firstSentAt: customer.emailEngagement?.firstSentAt ?? send.at,
            lastSentAt: send.at,
            sentSinceEngagement: (customer.emailEngagement?.sentSinceEngagement ?? 0) + (retried ? 0 : 1),
          }
        : customer.emailEngagement,
    updatedAt: send.at,
  };
}

/**
 * When to assess a customer again once their first marketing email is reserved: the earliest moment time
 * alone can change their stage or segments from then on. When their stored stage or segments are not what
 * the assessment the run made gives, a check is already due (or the profile predates the current rules and
 * their next event will assess them): the pending check is left as it is, rather than a second one added
 * beside it.
 */
function nextCheckAfterFirstSend(
  reservation: Pick<SendReservation, 'stored' | 'assessment' | 'model' | 'now'>,
  after: Customer,
  config: LifecycleConfig,
): string | null | undefined {
  const before = reservation.stored.customer;
  const current = reservation.assessment;
  const stale =
    current.stage !== before.stage ||
    current.segments.length !== before.segments.length ||
    current.segments.some((segment) => !before.segments.includes(segment));
  if (stale) return undefined;
  return assess(after, reservation.model, reservation.now, config).nextChangeAt ?? null;
}

/** Whether this reservation records the first marketing email the customer was ever sent. */
function firstMarketingSend(before: Customer, after: Customer): boolean {
  return before.emailEngagement?.firstSentAt === undefined && after.emailEngagement?.firstSentAt !== undefined;
}

/** A flag a journey's mark step sets, as the run that sets it knows it. */
export interface CustomerMark {
  readonly stored: StoredCustomer;
  readonly runId: string;
  readonly journeyId: string;
  readonly step: Extract<JourneyStep, { type: 'mark' }>;
  readonly now: Date;
}

/**
 * Sets a flag on the customer (a sunset) and says so on the timeline; once per run and step. `conflict`:
 * another writer changed the customer since it was read.
 */
export async function markCustomer(
  store: Pick<CustomerRecords, 'commitEvent'>,
  mark: CustomerMark,
): Promise<CommitResult> {
  const { stored, step } = mark;
  const at = mark.now.toISOString();
  return store.commitEvent({
    eventId: `mark:${mark.runId}:${step.id}`,
    customer: { ...stored.customer, flags: { ...stored.customer.flags, [step.flag]: step.value }, updatedAt: at },
    expectedVersion: stored.version,
    enrollments: [],
    timeline: [
      { at, kind: 'flag_changed', flag: step.flag, value: step.value, journeyId: mark.journeyId, runId: mark.runId },
    ],
  });
}

/** A run assigned to a group at a split with a holdout, as the run that reached the split knows it. */
export interface SplitAssignment {
  readonly stored: StoredCustomer;
  readonly journey: JourneyDefinition;
  readonly runId: string;
  /** The split step. */
  readonly stepId: string;
  readonly group: LiftGroupTouch['kind'];
  readonly now: Date;
}

/**
 * Makes the split the customer's last touch, for the journey's goal window from now, carrying the group
 * the run fell in: an order in that window is the group's conversion, without any email (the holdout gets
 * none; the treated group's emails of this run keep the group). Like any touch it loses to a newer one
 * (another journey's email). Once per run and split; nothing to write for a journey without a goal.
 * `conflict`: another writer changed the customer since it was read.
 */
export async function assignSplitGroup(
  store: Pick<CustomerRecords, 'commitEvent'>,
  assignment: SplitAssignment,
): Promise<CommitResult | 'no_goal'> {
  const { stored, journey, now } = assignment;
  const goal = journey.goal;
  if (!goal) return 'no_goal';
  const at = now.toISOString();
  const until = addDuration(now, goal.within).toISOString();
  return store.commitEvent({
    eventId: `split:${assignment.runId}:${assignment.stepId}`,
    customer: {
      ...stored.customer,
      lastTouch: {
        journeyId: journey.id,
        stepId: assignment.stepId,
        runId: assignment.runId,
        at,
        goalEvent: goal.event,
        goalUntil: until,
        split: true,
        group: { kind: assignment.group, at, until },
      },
      updatedAt: at,
    },
    expectedVersion: stored.version,
    enrollments: [],
    timeline: [],
  });
}
