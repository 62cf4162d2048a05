import type { Clock } from '../../ports/clock.js';
import {
  type ClaimedRun,
  type CustomerRecords,
  type DueRun,
  type DueWork,
  exitCounters,
  type JourneyStatistics,
  type JourneyStats,
  type Outbox,
  type StoredCustomer,
} from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import { type Mailer, RecipientRefusedError, TemplateMissingError } from '../../ports/mailer.js';
import type { SendingLimiter } from '../../ports/sending-limiter.js';
import { buildTemplateData, type TemplateContext } from '../build-template-data.js';
import type { ConditionSubject } from '../conditions.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import { addDuration, durationMs } from '../duration.js';
import { evaluateSend } from '../guardrails.js';
import { assess } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { followingStep, type JourneyDefinition, type SendStep, stepById } from '../journeys/definition.js';
import { activateScheduled, type Enrollment, endRun, nextAction } from '../journeys/enrollment.js';
import { nextTimeInWindow, parseClockTime } from '../schedule/local-time.js';
import { stableHash } from '../stable-hash.js';
import type { TimelineEntry } from '../timeline.js';
import { addStats } from './customer-change.js';

export interface DispatchDependencies {
  readonly store: CustomerRecords & DueWork & Outbox & JourneyStatistics;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  /** Identifies this dispatcher in leases (the Lambda request id, or a local name). */
  readonly owner: string;
  /** The signed links of a customer's emails: unsubscribe, keep-subscribed, survey answers. */
  readonly links: (customerId: string) => TemplateContext['links'];
  /** Publishes outbox entries whose writer stopped before it could. */
  readonly publisher: EventPublisher;
  /** Assesses a customer again when a time-driven check falls due (services/assessment.ts). */
  readonly reassess: (customerId: string, dueAt: string) => Promise<unknown>;
  /** The store model, cached. */
  readonly loadModel: () => Promise<StoreModel | undefined>;
  /** The account's send rate and 24-hour quota, shared with every dispatcher sending at the same time. */
  readonly limiter?: SendingLimiter | undefined;
  /** A number in [0, 1) from a string, the same every time: stable A/B assignment. @default stableHash */
  readonly hash?: ((key: string) => number) | undefined;
}

export interface DispatchOptions {
  /** Checked between runs; a tick stops claiming work when it returns false (Lambda deadline). */
  readonly shouldContinue?: () => boolean;
  /** Runs read from the due index per query. @default 100 */
  readonly batchSize?: number;
  /** Customers handled at the same time (a customer's own runs go one after the other). @default 8 */
  readonly concurrency?: number;
}

export interface DispatchSummary {
  claimed: number;
  sent: number;
  suppressed: number;
  deferred: number;
  dropped: number;
  skipped: number;
  failed: number;
  /** Of the failed: sends whose template the mail service does not have (retried; alarmed on). */
  templateMissing: number;
  /** Of the deferred: sends the account's 24-hour quota had no room for (they wait, and go later). */
  deferredForQuota: number;
  /** Of the dropped: emails the mail service refused for good (in SES's sandbox, an unverified recipient). */
  refused: number;
  completed: number;
  exited: number;
  waiting: number;
  /** Due runs another dispatcher held, or that changed under us. */
  busy: number;
  /** Time-driven reassessments of customers. */
  reassessed: number;
  /** Outbox events published on behalf of a writer that stopped. */
  published: number;
  /**
   * How late the oldest due item was when the tick began, in milliseconds (0 when nothing was due): the
   * dispatcher's lag. Read from the tick's first batch, which holds the oldest due item of every shard.
   */
  backlogAgeMs: number;
}

/**
 * A send step is attempted at most twice. A claim whose step was already claimed once without a saved
 * outcome means a dispatcher stopped somewhere around the SES call: the email may have left. It is sent
 * once more (at most one duplicate); a third claim records the step as skipped instead of sending.
 */
export const MAX_SEND_ATTEMPTS = 2;

/** Steps one claim may run back to back, against a journey that would loop through branches. */
const MAX_STEPS_PER_CLAIM = 50;

/**
 * Whether a send that failed `failures` times in a row has been retried long enough: longer than its
 * step allows it to be late (`staleAfter`) and than templates are given to be fixed
 * (`deliverability.templateRetryFor`). The time is that of the retry delays, so no clock is kept.
 */
export function retriedLongEnough(
  failures: number,
  step: Pick<SendStep, 'staleAfter'>,
  config: LifecycleConfig,
): boolean {
  let waited = 0;
  for (let failure = 1; failure <= failures; failure++) waited += retryDelayMs(failure);
  return waited > giveUpAfterMs(step.staleAfter, config);
}

/**
 * How long a failing send (an SES error, or a template that does not render) is retried before it is
 * given up: longer than its step allows it to be late and than templates are given to be fixed.
 */
export function giveUpAfterMs(staleAfter: string | undefined, config: LifecycleConfig): number {
  return Math.max(
    staleAfter === undefined ? 0 : durationMs(staleAfter),
    durationMs(config.deliverability.templateRetryFor),
  );
}

/** Retry delays after a failed send: 1, 2, 4 … minutes, at most one hour. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

export function emptySummary(): DispatchSummary {
  return {
    claimed: 0,
    sent: 0,
    suppressed: 0,
    deferred: 0,
    dropped: 0,
    skipped: 0,
    failed: 0,
    templateMissing: 0,
    deferredForQuota: 0,
    refused: 0,
    completed: 0,
    exited: 0,
    waiting: 0,
    busy: 0,
    reassessed: 0,
    published: 0,
    backlogAgeMs: 0,
  };
}

/**
 * One dispatcher tick: claims everything that is due (journey steps, reassessments, outbox entries),
 * runs journey steps through the guardrails, sends, and saves each outcome. Reads only what is due; stops
 * early when `shouldContinue` says so, leaving the rest for the next tick. A customer's runs are handled
 * one after the other, so the frequency cap sees every send of the tick.
 */
export async function dispatchDueRuns(
  dependencies: DispatchDependencies,
  options: DispatchOptions = {},
): Promise<DispatchSummary> {
  const shouldContinue = options.shouldContinue ?? (() => true);
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 8;
  const summary = emptySummary();
  const seen = new Set<string>();

  let first = true;
  while (shouldContinue()) {
    const now = dependencies.clock.now();
    const batch = await dependencies.store.dueRuns(now, batchSize);
    if (first) {
      first = false;
      const oldest = Math.min(...batch.map((run) => Date.parse(run.dueAt)));
      summary.backlogAgeMs = batch.length === 0 ? 0 : Math.max(0, now.getTime() - oldest);
    }
    const due = batch.filter((run) => !seen.has(runKey(run)));
    if (due.length === 0) break;
    for (const run of due) seen.add(runKey(run));
    const byCustomer = new Map<string, DueRun[]>();
    for (const run of due) byCustomer.set(run.customerId, [...(byCustomer.get(run.customerId) ?? []), run]);
    // The batch's journey counters are added together at its end: one update per journey and step
    // instead of two per email (docs/performance.md).
    const counters = new CounterBuffer(dependencies.store);
    // A customer whose work fails leaves the others to finish theirs: every worker is awaited, the
    // counters flushed, and then the tick fails with the first error (its leases expire, and the next tick
    // takes the work up again).
    const errors: unknown[] = [];
    try {
      await forEachConcurrently([...byCustomer.values()], concurrency, async (runs) => {
        try {
          for (const run of [...runs].sort(dueOrder)) {
            if (!shouldContinue()) return;
            if (run.kind === 'journey') await dispatchRun(dependencies, run, summary, counters);
            else await dispatchTimer(dependencies, run, summary);
          }
        } catch (error) {
          errors.push(error);
        }
      });
    } finally {
      await counters.flush();
    }
    if (errors.length > 0) throw new DispatchTickError(summary, errors);
  }
  return summary;
}

/** Work of one or more customers failed in a tick; the rest was done, as `summary` counts it. */
export class DispatchTickError extends Error {
  override readonly name = 'DispatchTickError';
  constructor(
    readonly summary: DispatchSummary,
    readonly errors: readonly unknown[],
  ) {
    const first = errors[0];
    super(
      `due work of ${errors.length} customer${errors.length > 1 ? 's' : ''} failed; the first: ${first instanceof Error ? `${first.name}: ${first.message}` : String(first)}`,
      { cause: first },
    );
  }
}

/**
 * Journey counters held until the end of a batch. Counting stays best effort, as everywhere: what a run
 * adds after the batch was flushed (a run still going when another failed the batch) is added at once.
 */
class CounterBuffer {
  private readonly held: JourneyStats[] = [];
  private open = true;

  constructor(private readonly store: JourneyStatistics) {}

  async add(stats: readonly JourneyStats[]): Promise<void> {
    if (this.open) this.held.push(...stats);
    else await addStats(this.store, stats);
  }

  async flush(): Promise<void> {
    this.open = false;
    await addStats(this.store, this.held.splice(0));
  }
}

/**
 * A customer's due work in a fixed order: oldest first, then by item key (journey runs by journey id,
 * then outbox entries, then the reassessment), as the in-memory store's index orders them. DynamoDB
 * returns index entries with the same due time in no set order, and which of two sends due at once goes
 * first decides which one the frequency cap holds back: the same events must make the same emails.
 */
function dueOrder(a: DueRun, b: DueRun): number {
  const key = (run: DueRun) =>
    run.kind === 'journey' ? `JOURNEY#${run.journeyId}` : run.kind === 'outbox' ? `OUTBOX#${run.outboxId}` : 'TIMER#';
  return a.dueAt.localeCompare(b.dueAt) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

function runKey(run: DueRun): string {
  switch (run.kind) {
    case 'journey':
      return `${run.customerId}/journey/${run.journeyId}`;
    case 'outbox':
      return `${run.customerId}/outbox/${run.outboxId}`;
    case 'reassess':
      return `${run.customerId}/reassess`;
  }
}

/** A due reassessment, or an outbox entry left unpublished by a writer that stopped. */
async function dispatchTimer(
  dependencies: DispatchDependencies,
  run: Exclude<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
): Promise<void> {
  const { store, clock, config } = dependencies;
  const claim = await store.claimTimer(run, {
    owner: dependencies.owner,
    now: clock.now(),
    leaseMs: durationMs(config.dispatcher.lease),
  });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  if (run.kind === 'reassess') {
    await dependencies.reassess(run.customerId, run.dueAt);
    summary.reassessed++;
    return;
  }
  if (claim.event) await dependencies.publisher.publish([claim.event]);
  await store.deleteOutbox(run.customerId, [run.outboxId]);
  summary.published++;
}

/** The customer's current assessment as conditions see it. */
function subjectOf(
  customer: Customer,
  model: StoreModel | undefined,
  now: Date,
  config: LifecycleConfig,
): ConditionSubject {
  const assessment = assess(customer, model, now, config);
  return { facts: assessment.facts, segments: assessment.segments, recentEvents: customer.recentEvents, now };
}

async function dispatchRun(
  dependencies: DispatchDependencies,
  run: Extract<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
  counters: CounterBuffer,
): Promise<void> {
  const { store, clock, config, journeys } = dependencies;
  // Read again after every reload: decisions (the cap, quiet hours) are made on the clock as it is when
  // they are made, not as it was when the claim began.
  let now = clock.now();
  let at = now.toISOString();
  const leaseMs = durationMs(config.dispatcher.lease);
  let claim = await store.claimRun(run, { owner: dependencies.owner, now, leaseMs });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  let stored = await store.load(claim.customerId);
  const journey = journeys.get(claim.enrollment.journeyId);
  if (!stored || !journey) {
    const reason = stored ? 'journey_disabled' : 'customer_missing';
    await store.saveRunProgress(claim, {
      enrollment: endRun(claim.enrollment, 'exited', at, reason),
      timeline: stored
        ? [{ at, kind: 'journey_exited', journeyId: claim.enrollment.journeyId, runId: claim.enrollment.runId, reason }]
        : [],
      keepLease: false,
    });
    summary.exited++;
    return;
  }
  const model = await dependencies.loadModel();
  const stats: JourneyStats[] = [];
  const count = (counters: JourneyStats['counters'], stepId?: string) => {
    stats.push({ journeyId: journey.id, counters });
    if (stepId) stats.push({ journeyId: journey.id, stepId, counters });
  };
  // An earlier claim of this send step reserved it and may have handed it to SES before it stopped: if this
  // claim leaves the step without sending (the person unsubscribed, an order ended the run…), the timeline
  // says the email may have gone, so that nothing SES may have sent is missing from it.
  const claimedStep = claim.enrollment.stepId;
  const claimedRef = `${claim.enrollment.runId}/${claimedStep}`;
  let uncertain =
    claim.attempt > 1 &&
    stepById(journey, claimedStep)?.type === 'send' &&
    (stored.customer.recentSends ?? []).some((send) => send.ref === claimedRef);
  const save = async (enrollment: Enrollment, timeline: TimelineEntry[], keepLease: boolean) => {
    // A lease kept for the next step is renewed from now: a claim of many steps never outlives it.
    const leaseUntil = keepLease ? new Date(clock.now().getTime() + leaseMs).toISOString() : undefined;
    const leaves = enrollment.status !== 'active' || enrollment.stepId !== claimedStep;
    const sent = timeline.some((entry) => entry.kind === 'email_sent' && entry.stepId === claimedStep);
    const entries: TimelineEntry[] =
      uncertain && leaves && !sent
        ? [
            {
              at,
              kind: 'email_skipped',
              journeyId: enrollment.journeyId,
              runId: enrollment.runId,
              stepId: claimedStep,
              reason: 'delivery_uncertain',
              note: 'an earlier attempt may have sent it',
            },
            ...timeline,
          ]
        : timeline;
    const saved = await store.saveRunProgress(claim as ClaimedRun, {
      enrollment,
      timeline: entries,
      keepLease,
      leaseUntil,
    });
    if (!saved) summary.busy++;
    else if (leaves) uncertain = false;
    return saved;
  };
  /**
   * The customer read again after another writer changed them. `undefined` when the run is no longer this
   * claim's (another writer ended it, took it, or erased the customer): nothing more may be done with it.
   */
  const reload = async (): Promise<StoredCustomer | undefined> => {
    const reloaded = await store.load((claim as ClaimedRun).customerId);
    const mine = reloaded?.enrollments.get((claim as ClaimedRun).enrollment.journeyId);
    if (!reloaded || !mine || mine.version !== (claim as ClaimedRun).version) {
      summary.busy++;
      return undefined;
    }
    now = clock.now();
    at = now.toISOString();
    return reloaded;
  };

  // The assessment of the customer as the conditions see it; the same customer object (nothing saved in
  // between: a jump, a branch, a split) is not assessed again.
  let assessed: { customer: Customer; subject: ConditionSubject } | undefined;
  const subjectFor = (customer: Customer): ConditionSubject => {
    if (assessed?.customer !== customer) assessed = { customer, subject: subjectOf(customer, model, now, config) };
    return assessed.subject;
  };

  try {
    if (claim.enrollment.status === 'scheduled') {
      const activated = activateScheduled(journey, claim.enrollment, stored.customer, {
        now,
        subject: subjectFor(stored.customer),
      });
      const timeline: TimelineEntry[] = activated.entered
        ? [{ at, kind: 'journey_entered', journeyId: journey.id, runId: activated.enrollment.runId, trigger: 'date' }]
        : [];
      const saved = await save(activated.enrollment, timeline, activated.entered);
      if (!activated.entered || !saved) return;
      count({ entered: 1 });
      claim = saved;
    }

    for (let steps = 0; steps < MAX_STEPS_PER_CLAIM; steps++) {
      const enrollment = claim.enrollment;
      const customer: Customer = stored.customer;
      const ids = { journeyId: journey.id, runId: enrollment.runId };
      const subject = subjectFor(customer);
      const zone = customer.timezone ?? config.timezone;
      const action = nextAction(journey, enrollment, {
        now,
        subject,
        nextLocalWindow: (localTime, window) => {
          const start = parseClockTime(localTime);
          const end = (start + Math.round(durationMs(window) / 60_000)) % 1440;
          return nextTimeInWindow(now, zone, start, end);
        },
        hash: (key) => (dependencies.hash ?? stableHash)(`${customer.id}/${key}`),
      });

      switch (action.kind) {
        case 'complete':
          await save(endRun(enrollment, 'completed', at), [{ at, kind: 'journey_completed', ...ids }], false);
          summary.completed++;
          count({ completed: 1 });
          return;
        case 'exit':
        case 'holdout': {
          const reason = action.kind === 'holdout' ? 'holdout' : action.reason;
          await save(endRun(enrollment, 'exited', at, reason), [{ at, kind: 'journey_exited', ...ids, reason }], false);
          summary.exited++;
          count(exitCounters(reason));
          return;
        }
        case 'wait': {
          const saved = await save(
            { ...enrollment, stepId: action.next, dueAt: action.until.toISOString(), waiting: action.waiting },
            [],
            false,
          );
          if (saved) summary.waiting++;
          return;
        }
        case 'jump': {
          const saved = await save(
            { ...enrollment, stepId: action.next, variant: action.variant ?? enrollment.variant, dueAt: at },
            action.variant
              ? [{ at, kind: 'journey_step', ...ids, stepId: enrollment.stepId, variant: action.variant }]
              : [],
            true,
          );
          if (!saved) return;
          claim = saved;
          continue;
        }
        case 'mark': {
          const flags = { ...customer.flags, [action.step.flag]: action.step.value };
          const result = await store.commitEvent({
            eventId: `mark:${enrollment.runId}:${action.step.id}`,
            customer: { ...customer, flags, updatedAt: at },
            expectedVersion: stored.version,
            enrollments: [],
            timeline: [{ at, kind: 'flag_changed', flag: action.step.flag, value: action.step.value, ...ids }],
          });
          if (result === 'conflict') {
            const reloaded = await reload();
            if (!reloaded) return;
            stored = reloaded;
            continue;
          }
          stored = (await store.load(customer.id)) ?? stored;
          const saved = await save({ ...enrollment, stepId: action.next, dueAt: at }, [], true);
          if (!saved) return;
          claim = saved;
          continue;
        }
        case 'send': {
          let outcome = await sendStep(dependencies, { claim, stored, journey, step: action.step, model, now });
          if (outcome.kind === 'reload') {
            const reloaded = await reload();
            if (!reloaded) return;
            stored = reloaded;
            continue;
          }
          if (outcome.kind === 'lease_lost') {
            // Too late to send on this claim: give the step back untouched, not counted as an attempt.
            await store.releaseRun(claim, now, [], { mayHaveSent: false });
            summary.busy++;
            return;
          }
          const earlier: TimelineEntry[] = [];
          if (outcome.kind === 'failed') {
            summary.failed++;
            if (outcome.reason === 'template_missing') summary.templateMissing++;
            count({ failed: 1 }, action.step.id);
            const failures = (enrollment.failures ?? 0) + 1;
            const failed: TimelineEntry = {
              at,
              kind: 'email_failed',
              ...ids,
              stepId: action.step.id,
              template: action.step.template,
              reason: outcome.reason,
            };
            if (!retriedLongEnough(failures, action.step, config)) {
              await store.releaseRun(
                { ...claim, enrollment: { ...enrollment, failures } },
                new Date(now.getTime() + retryDelayMs(failures)),
                [failed],
                { mayHaveSent: outcome.mayHaveSent },
              );
              return;
            }
            // Failing for longer than the email is worth sending late: dropped, with its reason.
            earlier.push(failed);
            outcome = {
              kind: 'dropped',
              entry: { ...failed, kind: 'email_dropped', reason: `gave_up:${outcome.reason}` },
            };
          }
          if (outcome.kind === 'deferred') {
            summary.deferred++;
            if (outcome.entry.reason === 'daily_quota') summary.deferredForQuota++;
            count({ deferred: 1 }, action.step.id);
            await save(
              {
                ...enrollment,
                dueAt: outcome.until.toISOString(),
                deferredSince: enrollment.deferredSince ?? enrollment.dueAt ?? at,
              },
              [outcome.entry],
              false,
            );
            return;
          }
          if (outcome.kind === 'suppressed') {
            // Consent withdrawn or the address unusable: the rest of the run would be suppressed too.
            summary.suppressed++;
            const reason = `suppressed:${String(outcome.entry.reason)}`;
            count({ suppressed: 1 }, action.step.id);
            count(exitCounters(reason));
            await save(
              endRun(enrollment, 'exited', at, reason),
              [outcome.entry, { at, kind: 'journey_exited', ...ids, reason }],
              false,
            );
            return;
          }
          summary[outcome.kind]++;
          if (outcome.kind === 'dropped' && outcome.refused) summary.refused++;
          count({ [outcome.kind]: 1 }, action.step.id);
          if (outcome.customer)
            stored = { ...stored, customer: outcome.customer, version: outcome.version ?? stored.version };
          const saved = await save(
            {
              ...enrollment,
              stepId: action.step.next ?? followingStep(journey, action.step),
              dueAt: at,
              failures: undefined,
              deferredSince: undefined,
              ...(outcome.kind === 'sent'
                ? { lastSend: { stepId: action.step.id, messageId: outcome.messageId, at } }
                : { renderFailure: undefined }),
            },
            [...earlier, outcome.entry],
            true,
          );
          if (!saved) {
            // Another writer moved the run meanwhile (an order ended it): the email went all the same, and the
            // timeline says so.
            if (outcome.kind === 'sent')
              await store.appendTimeline(customer.id, [outcome.entry], `sent.${enrollment.runId}.${claim.version}`);
            return;
          }
          claim = saved;
          continue;
        }
      }
    }
    // A journey that keeps jumping without waiting: park it for an hour rather than spin.
    await save({ ...claim.enrollment, dueAt: addDuration(now, 'PT1H').toISOString() }, [], false);
  } finally {
    await counters.add(stats);
  }
}

type SendOutcome =
  | {
      readonly kind: 'sent';
      readonly entry: TimelineEntry;
      readonly messageId: string;
      readonly customer: Customer;
      readonly version: number;
    }
  | {
      readonly kind: 'skipped' | 'dropped';
      readonly entry: TimelineEntry;
      readonly customer?: undefined;
      readonly version?: undefined;
      /** Dropped because the mail service refused it for good. */
      readonly refused?: boolean;
    }
  | { readonly kind: 'suppressed'; readonly entry: TimelineEntry }
  | { readonly kind: 'deferred'; readonly entry: TimelineEntry; readonly until: Date }
  | { readonly kind: 'failed'; readonly reason: string; readonly mayHaveSent: boolean }
  | { readonly kind: 'reload' }
  /** The claim's lease ran out before the send: nothing was sent. */
  | { readonly kind: 'lease_lost' };

async function sendStep(
  dependencies: DispatchDependencies,
  input: {
    readonly claim: ClaimedRun;
    readonly stored: StoredCustomer;
    readonly journey: JourneyDefinition;
    readonly step: SendStep;
    readonly model: StoreModel | undefined;
    readonly now: Date;
  },
): Promise<SendOutcome> {
  const { store, config } = dependencies;
  const { claim, stored, journey, step, now } = input;
  const customer = stored.customer;
  const at = now.toISOString();
  const ids = { journeyId: journey.id, runId: claim.enrollment.runId, stepId: step.id, template: step.template };

  const ref = `${claim.enrollment.runId}/${step.id}`;
  const decision = evaluateSend(
    customer,
    { ...step, topic: journey.topic },
    { now, settings: config, deferredSince: claim.enrollment.deferredSince, ref },
  );
  if (decision.outcome === 'suppressed') {
    return { kind: 'suppressed', entry: { at, kind: 'email_suppressed', ...ids, reason: decision.reason } };
  }
  if (decision.outcome === 'deferred') {
    return {
      kind: 'deferred',
      until: decision.until,
      entry: { at, kind: 'email_deferred', ...ids, reason: decision.reason, until: decision.until.toISOString() },
    };
  }
  if (decision.outcome === 'dropped')
    return { kind: 'dropped', entry: { at, kind: 'email_dropped', ...ids, reason: decision.reason } };
  if (claim.attempt > MAX_SEND_ATTEMPTS) {
    return { kind: 'skipped', entry: { at, kind: 'email_skipped', ...ids, reason: 'delivery_uncertain' } };
  }
  const links = dependencies.links(customer.id);
  const built = buildTemplateData(step.template, {
    config,
    customer,
    orders: stored.orders,
    run: claim.enrollment,
    model: input.model,
    links,
  });
  if ('skip' in built) return { kind: 'skipped', entry: { at, kind: 'email_skipped', ...ids, reason: built.skip } };

  // The account's limits before the reservation: waiting for the send rate must not widen the time between
  // the reservation and the send, and an email the quota has no room for waits rather than being lost.
  const permit = await dependencies.limiter?.acquire();
  if (permit && !permit.granted) {
    return {
      kind: 'deferred',
      until: permit.retryAt,
      entry: { at, kind: 'email_deferred', ...ids, reason: permit.reason, until: permit.retryAt.toISOString() },
    };
  }

  // Reserve the send on the profile first (frequency cap, last touch): another dispatcher handling the
  // same customer now sees it, or loses the race and looks again.
  // The reservation holds only while the run is still this claim's at this version (no order ended it,
  // no erasure removed it, no other dispatcher took it) and the customer is as read (consent, cap).
  const reserved = withSend(customer, { at, journey, step, runId: claim.enrollment.runId, config });
  const result = await store.commitEvent({
    eventId: `send:${claim.enrollment.runId}:${step.id}:${claim.attempt}:${stored.version}`,
    customer: reserved,
    expectedVersion: stored.version,
    enrollments: [],
    timeline: [],
    // On the timeline at once: a send SES takes and whose outcome is then lost is still there.
    receiptEntry: { at, kind: 'email_reserved', ...ids, attempt: claim.attempt },
    // The first marketing email starts the engagement window, after which the unengaged segment can follow:
    // the customer's next check moves to the window's end if nothing comes sooner.
    ...(firstMarketingSend(customer, reserved)
      ? { reassessAt: nextCheckAfterFirstSend(customer, reserved, { model: input.model, now, config }) }
      : {}),
    fence: { journeyId: journey.id, owner: claim.owner, version: claim.version, at },
  });
  // `duplicate`: this very reservation was committed before (its answer was lost); read the customer again
  // and decide anew rather than send on a reservation not checked against what changed since.
  if (result !== 'committed') return { kind: 'reload' };
  // A dispatcher held up past its lease (a stall, a slow network) must not send: the step may be another's.
  if (dependencies.clock.now().getTime() >= Date.parse(claim.leaseUntil)) return { kind: 'lease_lost' };

  try {
    const { messageId } = await dependencies.mailer.send({
      to: customer.email,
      templateName: `${config.templatePrefix}${step.template}`,
      templateData: built.data,
      category: step.category,
      unsubscribeUrl: links.unsubscribeUrl,
      tags: { customer: customer.id, journey: journey.id, step: step.id, run: claim.enrollment.runId },
    });
    return {
      kind: 'sent',
      messageId,
      customer: reserved,
      version: stored.version + 1,
      entry: { at, kind: 'email_sent', ...ids, messageId, ...(claim.attempt > 1 ? { retry: true } : {}) },
    };
  } catch (error) {
    if (error instanceof TemplateMissingError)
      return { kind: 'failed', reason: 'template_missing', mayHaveSent: false };
    if (error instanceof RecipientRefusedError) {
      return { kind: 'dropped', refused: true, entry: { at, kind: 'email_dropped', ...ids, reason: error.reason } };
    }
    return {
      kind: 'failed',
      reason: error instanceof Error ? error.name : 'UnknownError',
      mayHaveSent: mayHaveSent(error),
    };
  }
}

/**
 * Whether a failed send call may still have sent the email: the mail service answered nothing (a timeout,
 * a dropped connection) or failed on its side (5xx) after perhaps accepting it. A 4xx answer (throttled,
 * rejected, paused) means it did not. An uncertain failure counts as an attempt, like a crash.
 */
function mayHaveSent(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** The profile with a send recorded: the frequency cap's history, and the last touch for attribution. */
function withSend(
  customer: Customer,
  send: {
    readonly at: string;
    readonly journey: JourneyDefinition;
    readonly step: SendStep;
    readonly runId: string;
    readonly config: LifecycleConfig;
  },
): Customer {
  const horizon = Math.max(0, ...send.config.frequencyCap.map((rule) => durationMs(rule.per)));
  // A second attempt at the same step (after a crash or an uncertain SES error) reserves it again: it is
  // still one email for the cap and for engagement, however many calls it took.
  const retried = (customer.recentSends ?? []).some((s) => s.ref === `${send.runId}/${send.step.id}`);
  const recentSends = [
    ...(customer.recentSends ?? []).filter(
      (s) => Date.parse(send.at) - Date.parse(s.at) <= horizon && s.ref !== `${send.runId}/${send.step.id}`,
    ),
    { at: send.at, journeyId: send.journey.id, category: send.step.category, ref: `${send.runId}/${send.step.id}` },
  ].slice(-50);
  const goal = send.journey.goal;
  return {
    ...customer,
    recentSends,
    lastTouch:
      goal && send.step.category === 'marketing'
        ? {
            journeyId: send.journey.id,
            stepId: send.step.id,
            runId: send.runId,
            at: send.at,
            goalEvent: goal.event,
            goalUntil: addDuration(new Date(send.at), goal.within).toISOString(),
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
 * alone can change their stage or segments from then on. When their stored stage or segments are not what an
 * assessment gives now, a check is already due (or the profile predates the current rules and their next
 * event will assess them): the pending check is left as it is, rather than a second one added beside it.
 */
function nextCheckAfterFirstSend(
  before: Customer,
  after: Customer,
  context: { readonly model: StoreModel | undefined; readonly now: Date; readonly config: LifecycleConfig },
): string | null | undefined {
  const { model, now, config } = context;
  const current = assess(before, model, now, config);
  const stale =
    current.stage !== before.stage ||
    current.segments.length !== before.segments.length ||
    current.segments.some((segment) => !before.segments.includes(segment));
  if (stale) return undefined;
  return assess(after, model, now, config).nextChangeAt ?? null;
}

/** Whether this reservation records the first marketing email the customer was ever sent. */
function firstMarketingSend(before: Customer, after: Customer): boolean {
  return before.emailEngagement?.firstSentAt === undefined && after.emailEngagement?.firstSentAt !== undefined;
}

async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}
