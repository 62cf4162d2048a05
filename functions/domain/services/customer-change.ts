import {
  type CommitResult,
  type CustomerRecords,
  type EventCommit,
  exitCounters,
  type JourneyStatistics,
  type JourneyStats,
  type Outbox,
  type StoredCustomer,
} from '../../ports/customer-store.js';
import type { ConditionSubject } from '../conditions.js';
import type { Customer } from '../customer.js';
import type { IdGenerator } from '../ids.js';
import type { JourneyDefinition } from '../journeys/definition.js';
import { type Enrollment, journeysForChange, type RunContext } from '../journeys/enrollment.js';
import type { Money } from '../money.js';
import type { OrderRecord } from '../orders.js';
import type { TimelineEntry } from '../timeline.js';
import { type AssessmentDependencies, applyAssessment, flushOutbox } from './assessment.js';

export interface CustomerChangeDependencies extends AssessmentDependencies {
  readonly store: CustomerRecords & Outbox & JourneyStatistics;
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
    | { readonly key: string; readonly placedAt: string; readonly value?: Money | undefined }
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
}

/**
 * The one way a customer changes: the change is assessed (stage, segments, RFM, predictions), a new order
 * is attributed to the last email that led to it, journeys react (waits resumed, exits, entries), and
 * everything is written in one transaction with the customer's reassessment timer and the outbox; then
 * the outbox is published and the journey counters are added. Used by storefront events, consent changes,
 * survey answers, due reassessments and the daily model job alike.
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
  const touch = customer.lastTouch;
  if (
    placed &&
    touch &&
    !touch.converted &&
    touch.goalEvent === 'order.placed' &&
    placed.placedAt >= touch.at &&
    placed.placedAt <= touch.goalUntil
  ) {
    customer = { ...customer, lastTouch: { ...touch, converted: true } };
    timeline.push({
      at,
      kind: 'conversion',
      journeyId: touch.journeyId,
      stepId: touch.stepId,
      runId: touch.runId,
      orderKey: placed.key,
    });
    const revenue = placed.value?.currency === config.reportingCurrency ? placed.value.amount : 0;
    stats.push(
      { journeyId: touch.journeyId, counters: { converted: 1, revenue } },
      { journeyId: touch.journeyId, stepId: touch.stepId, counters: { converted: 1, revenue } },
    );
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
        { now, newRunId: () => newId('run'), subject },
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
  };
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
