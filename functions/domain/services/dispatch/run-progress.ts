import type { ClaimedRun, JourneyStats, StoredCustomer } from '../../../ports/customer-store.js';
import type { ConditionSubject } from '../../conditions.js';
import type { Customer } from '../../customer.js';
import { durationMs } from '../../duration.js';
import { type Assessment, assess } from '../../intelligence/assess.js';
import type { StoreModel } from '../../intelligence/store-model.js';
import { type JourneyDefinition, stepById } from '../../journeys/definition.js';
import type { Enrollment } from '../../journeys/enrollment.js';
import type { TimelineEntry } from '../../timeline.js';
import type { DispatchDependencies } from './dependencies.js';
import type { DispatchSummary } from './summary.js';

/**
 * One claimed journey run as its steps move it: the claim as last saved, the customer as last read, the
 * clock as last read, and the journey counters the steps add. Decisions (the cap, quiet hours) are made on
 * the clock as it is when they are made: it is read again after every reload, not kept from the claim.
 */
export class RunProgress {
  claim: ClaimedRun;
  stored: StoredCustomer;
  now: Date;
  readonly stats: JourneyStats[] = [];
  /** The step the run was claimed at. */
  private readonly claimedStep: string | undefined;
  /**
   * An earlier claim of this send step reserved it and may have handed it to SES before it stopped: if
   * this claim leaves the step without sending (the person unsubscribed, an order ended the run…), the
   * timeline says the email may have gone, so that nothing SES may have sent is missing from it.
   */
  private uncertain: boolean;
  /** The last assessment made, and of which customer object: nothing saved in between, no new one. */
  private assessed: { readonly customer: Customer; readonly assessment: Assessment } | undefined;

  constructor(
    private readonly dependencies: Pick<DispatchDependencies, 'store' | 'clock' | 'config'>,
    /** The tick's summary, which the run's steps count into. */
    readonly summary: DispatchSummary,
    readonly journey: JourneyDefinition,
    readonly model: StoreModel | undefined,
    start: { readonly claim: ClaimedRun; readonly stored: StoredCustomer; readonly now: Date },
  ) {
    this.claim = start.claim;
    this.stored = start.stored;
    this.now = start.now;
    this.claimedStep = start.claim.enrollment.stepId;
    const claimedRef = `${start.claim.enrollment.runId}/${this.claimedStep}`;
    this.uncertain =
      start.claim.attempt > 1 &&
      stepById(journey, this.claimedStep)?.type === 'send' &&
      (start.stored.customer.recentSends ?? []).some((send) => send.ref === claimedRef);
  }

  get at(): string {
    return this.now.toISOString();
  }

  /** The customer's time zone, or the store's when theirs is not known. */
  get timeZone(): string {
    return this.stored.customer.timezone ?? this.dependencies.config.timezone;
  }

  /**
   * Adds to the journey's counters, and to its step's when named; with a variant of the step's experiment,
   * to that variant's row only (the journey and step counted it already).
   */
  count(counters: JourneyStats['counters'], stepId?: string, variantId?: string): void {
    if (stepId && variantId) {
      this.stats.push({ journeyId: this.journey.id, stepId, variantId, counters });
      return;
    }
    this.stats.push({ journeyId: this.journey.id, counters });
    if (stepId) this.stats.push({ journeyId: this.journey.id, stepId, counters });
  }

  /** The customer's assessment now, made once per customer read. */
  assessment(): Assessment {
    const customer = this.stored.customer;
    if (this.assessed?.customer !== customer) {
      this.assessed = { customer, assessment: assess(customer, this.model, this.now, this.dependencies.config) };
    }
    return this.assessed.assessment;
  }

  /** The customer's current assessment as conditions see it. */
  subject(): ConditionSubject {
    const { facts, segments } = this.assessment();
    return { facts, segments, recentEvents: this.stored.customer.recentEvents, now: this.now };
  }

  /**
   * Saves the run's progress and, when it was still this claim's, makes the saved claim the current one.
   * A lease kept for the next step is renewed from now: a claim of many steps never outlives it.
   * `undefined` when another writer moved the run meanwhile.
   */
  async save(enrollment: Enrollment, timeline: TimelineEntry[], keepLease: boolean): Promise<ClaimedRun | undefined> {
    const leaseMs = durationMs(this.dependencies.config.dispatcher.lease);
    const leaseUntil = keepLease
      ? new Date(this.dependencies.clock.now().getTime() + leaseMs).toISOString()
      : undefined;
    const leaves = enrollment.status !== 'active' || enrollment.stepId !== this.claimedStep;
    const sent = timeline.some((entry) => entry.kind === 'email_sent' && entry.stepId === this.claimedStep);
    const entries = this.uncertain && leaves && !sent ? [this.mayHaveGone(enrollment), ...timeline] : timeline;
    const saved = await this.dependencies.store.saveRunProgress(this.claim, {
      enrollment,
      timeline: entries,
      keepLease,
      leaseUntil,
    });
    if (!saved) {
      this.summary.busy++;
      return undefined;
    }
    if (leaves) this.uncertain = false;
    this.claim = saved;
    return saved;
  }

  /**
   * Reads the customer again after another writer changed them, and the clock with them. `false` when the
   * run is no longer this claim's (another writer ended it, took it, or erased the customer): nothing more
   * may be done with it.
   */
  async reload(): Promise<boolean> {
    const reloaded = await this.dependencies.store.load(this.claim.customerId);
    const mine = reloaded?.enrollments.get(this.claim.enrollment.journeyId);
    if (!reloaded || !mine || mine.version !== this.claim.version) {
      this.summary.busy++;
      return false;
    }
    this.now = this.dependencies.clock.now();
    this.stored = reloaded;
    return true;
  }

  private mayHaveGone(enrollment: Enrollment): TimelineEntry {
    return {
      at: this.at,
      kind: 'email_skipped',
      journeyId: enrollment.journeyId,
      runId: enrollment.runId,
      stepId: this.claimedStep,
      reason: 'delivery_uncertain',
      note: 'an earlier attempt may have sent it',
    };
  }
}
