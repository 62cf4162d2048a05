import { type ClaimedRun, type DueRun, exitCounters, type StoredCustomer } from '../../../ports/customer-store.js';
import { campaignIdOf } from '../../campaigns/campaign.js';
import { addDuration, durationMs } from '../../duration.js';
import { followingStep, type JourneyStep, type SendStep, stepById } from '../../journeys/definition.js';
import {
  activateScheduled,
  afterRun,
  type Enrollment,
  endRun,
  type NextAction,
  nextAction,
} from '../../journeys/enrollment.js';
import { nextTimeInWindow, parseClockTime } from '../../schedule/local-time.js';
import { stableHash } from '../../stable-hash.js';
import type { TimelineEntry } from '../../timeline.js';
import { assignSplitGroup, markCustomer } from '../customer-change.js';
import type { CounterBuffer } from './counters.js';
import type { DispatchDependencies } from './dependencies.js';
import { chooseVariant, startExperiment } from './experiment.js';
import { retriedLongEnough, retryDelayMs } from './retry-policy.js';
import { RunProgress } from './run-progress.js';
import { attemptSend, type SendOutcome } from './send.js';
import type { DispatchSummary } from './summary.js';

/** Steps one claim may run back to back, against a journey that would loop through branches. */
const MAX_STEPS_PER_CLAIM = 50;

/** Whether the run goes on to its next step on this claim, or the claim is done. */
type StepResult = 'next' | 'stop';

/**
 * Claims a due journey run and runs its steps back to back (branches, splits, marks, sends) until a wait,
 * a deferred send or the end, saving the run after each step.
 */
export async function dispatchRun(
  dependencies: DispatchDependencies,
  due: Extract<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
  counters: CounterBuffer,
): Promise<void> {
  const { store, clock, config } = dependencies;
  const now = clock.now();
  const leaseMs = durationMs(config.dispatcher.lease);
  const claim = await store.claimRun(due, { owner: dependencies.owner, now, leaseMs });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  const stored = await store.load(claim.customerId);
  const journey = dependencies.journeys.get(claim.enrollment.journeyId);
  if (!stored || !journey) {
    await exitUnrunnable(dependencies, claim, stored, now.toISOString());
    summary.exited++;
    return;
  }
  const model = await dependencies.loadModel();
  const run = new RunProgress(dependencies, summary, journey, model, { claim, stored, now });
  try {
    await runSteps(dependencies, run);
  } finally {
    await counters.add(run.stats);
  }
}

/** A run whose customer is gone or whose journey is no longer enabled ends here. */
async function exitUnrunnable(
  dependencies: Pick<DispatchDependencies, 'store'>,
  claim: ClaimedRun,
  stored: StoredCustomer | undefined,
  at: string,
): Promise<void> {
  const reason = stored ? 'journey_disabled' : 'customer_missing';
  const { journeyId, runId } = claim.enrollment;
  await dependencies.store.saveRunProgress(claim, {
    enrollment: endRun(claim.enrollment, 'exited', at, reason),
    timeline: stored ? [{ at, kind: 'journey_exited', journeyId, runId, reason }] : [],
    keepLease: false,
  });
}

async function runSteps(dependencies: DispatchDependencies, run: RunProgress): Promise<void> {
  const campaignId = campaignIdOf(run.journey.id);
  if (campaignId !== undefined && dependencies.campaignStates?.get(campaignId)?.status === 'cancelled') {
    await exitHere(run, 'campaign_cancelled');
    return;
  }
  if (run.claim.enrollment.status === 'scheduled' && (await activate(run)) === 'stop') return;
  for (let steps = 0; steps < MAX_STEPS_PER_CLAIM; steps++) {
    if ((await runStep(dependencies, run)) === 'stop') return;
  }
  // A journey that keeps jumping without waiting: park it for an hour rather than spin.
  await run.save({ ...run.claim.enrollment, dueAt: addDuration(run.now, 'PT1H').toISOString() }, [], false);
}

/** A date-triggered run whose date came: it starts, or ends if the customer no longer qualifies. */
async function activate(run: RunProgress): Promise<StepResult> {
  const { at } = run;
  const activated = activateScheduled(run.journey, run.claim.enrollment, run.stored.customer, {
    now: run.now,
    subject: run.subject(),
    timeZone: run.timeZone,
  });
  const { enrollment } = activated;
  const timeline: TimelineEntry[] = activated.entered
    ? [{ at, kind: 'journey_entered', journeyId: run.journey.id, runId: enrollment.runId, trigger: 'date' }]
    : [];
  const saved = await run.save(enrollment, timeline, activated.entered);
  if (!activated.entered || !saved) return 'stop';
  run.count({ entered: 1 });
  return 'next';
}

/** The run ends here, for `reason`: on the timeline and in the journey's counters. */
async function exitHere(run: RunProgress, reason: string): Promise<void> {
  await endHere(run, { kind: 'exit', reason });
}

/** How a run ends when its journey has no step left, or an exit condition holds. */
type RunEnd = Extract<NextAction, { readonly kind: 'complete' | 'exit' }>;

/** The run ends here: on the timeline and in the journey's counters. */
async function endHere(run: RunProgress, end: RunEnd): Promise<void> {
  await run.save(endedRun(run, run.claim.enrollment, end), [endEntry(run, end)], false);
  countEnd(run, end);
}

/** The run as it ends; a recurring date trigger is scheduled for its next occurrence as the run ends. */
function endedRun(run: RunProgress, enrollment: Enrollment, end: RunEnd): Enrollment {
  const ended =
    end.kind === 'complete'
      ? endRun(enrollment, 'completed', run.at)
      : endRun(enrollment, 'exited', run.at, end.reason);
  return afterRun(run.journey, run.stored.customer, ended, { now: run.now, timeZone: run.timeZone });
}

function endEntry(run: RunProgress, end: RunEnd): TimelineEntry {
  return end.kind === 'complete'
    ? { at: run.at, kind: 'journey_completed', ...runIds(run) }
    : { at: run.at, kind: 'journey_exited', ...runIds(run), reason: end.reason };
}

function countEnd(run: RunProgress, end: RunEnd): void {
  if (end.kind === 'complete') {
    run.summary.completed++;
    run.count({ completed: 1 });
  } else {
    run.summary.exited++;
    run.count(exitCounters(end.reason));
  }
}

/** Runs the run's current step on the customer as last read. */
async function runStep(dependencies: DispatchDependencies, run: RunProgress): Promise<StepResult> {
  const action = nextStepAction(dependencies, run);
  switch (action.kind) {
    case 'complete':
    case 'exit':
      await endHere(run, action);
      return 'stop';
    case 'holdout':
      return holdout(dependencies, run, action.stepId);
    case 'wait': {
      const { enrollment } = run.claim;
      const waiting = { stepId: action.next, dueAt: action.until.toISOString(), waiting: action.waiting };
      if (await run.save({ ...enrollment, ...waiting }, [], false)) run.summary.waiting++;
      return 'stop';
    }
    case 'jump':
      return jump(dependencies, run, action);
    case 'mark':
      return mark(dependencies, run, action);
    case 'send':
      return send(dependencies, run, action.step);
  }
}

/** What the journey does next with the run (as claimed, or as it stands after a step), by the customer's assessment now. */
function nextStepAction(
  dependencies: DispatchDependencies,
  run: RunProgress,
  enrollment: Enrollment = run.claim.enrollment,
): NextAction {
  const { now } = run;
  const customer = run.stored.customer;
  const zone = run.timeZone;
  return nextAction(run.journey, enrollment, {
    now,
    timeZone: zone,
    subject: run.subject(),
    nextLocalWindow: (localTime, window) => {
      const start = parseClockTime(localTime);
      const end = (start + Math.round(durationMs(window) / 60_000)) % 1440;
      return nextTimeInWindow(now, zone, start, end);
    },
    hash: (key) => (dependencies.hash ?? stableHash)(`${customer.id}/${key}`),
  });
}

function runIds(run: RunProgress): { readonly journeyId: string; readonly runId: string } {
  return { journeyId: run.journey.id, runId: run.claim.enrollment.runId };
}

/** The run exits here for `reason`, with `entries` on the timeline. */
async function exitRunHere(run: RunProgress, entries: TimelineEntry[], reason: string): Promise<void> {
  await run.save(endedRun(run, run.claim.enrollment, { kind: 'exit', reason }), entries, false);
}

/**
 * The run fell in its split's holdout: no email. The split becomes the customer's last touch for the
 * holdout (an order in the goal window is the holdout's conversion), and the run ends with reason `holdout`.
 */
async function holdout(dependencies: DispatchDependencies, run: RunProgress, splitId: string): Promise<StepResult> {
  const assigned = await assignGroup(dependencies, run, splitId, 'holdout');
  if (assigned !== 'assigned') return assigned;
  const reason = 'holdout';
  await exitRunHere(run, [{ at: run.at, kind: 'journey_exited', ...runIds(run), reason }], reason);
  run.summary.exited++;
  run.count({ ...exitCounters(reason), holdoutEntered: 1 });
  return 'stop';
}

/**
 * Records the run's group at the split it is at as the customer's last touch. After a conflicting write
 * the customer is read again and the step runs again (`next`), unless the run is no longer this claim's.
 */
async function assignGroup(
  dependencies: DispatchDependencies,
  run: RunProgress,
  splitId: string,
  group: 'holdout' | 'treated',
): Promise<'assigned' | StepResult> {
  const { enrollment } = run.claim;
  const assigned = await assignSplitGroup(dependencies.store, {
    stored: run.stored,
    journey: run.journey,
    runId: enrollment.runId,
    stepId: splitId,
    group,
    now: run.now,
  });
  if (assigned === 'conflict') return (await run.reload()) ? 'next' : 'stop';
  if (assigned !== 'no_goal') run.stored = (await dependencies.store.load(run.stored.customer.id)) ?? run.stored;
  return 'assigned';
}

/** A branch or a split: on to the step it chose, at once. */
async function jump(
  dependencies: DispatchDependencies,
  run: RunProgress,
  action: Extract<NextAction, { kind: 'jump' }>,
): Promise<StepResult> {
  const step = stepById(run.journey, run.claim.enrollment.stepId);
  // A variant of a split with a holdout: the treated group, measured against the holdout.
  const treated = action.variant !== undefined && step?.type === 'split' && step.holdout !== undefined;
  if (treated) {
    const assigned = await assignGroup(dependencies, run, step.id, 'treated');
    if (assigned !== 'assigned') return assigned;
  }
  const { enrollment } = run.claim;
  const timeline: TimelineEntry[] = action.variant
    ? [{ at: run.at, kind: 'journey_step', ...runIds(run), stepId: enrollment.stepId, variant: action.variant }]
    : [];
  const moved = { stepId: action.next, variant: action.variant ?? enrollment.variant, dueAt: run.at };
  if (!(await run.save({ ...enrollment, ...moved }, timeline, true))) return 'stop';
  if (treated) run.count({ treated: 1 });
  return 'next';
}

/** Sets the step's flag on the customer, then on to the next step. */
async function mark(
  dependencies: DispatchDependencies,
  run: RunProgress,
  action: { readonly step: Extract<JourneyStep, { type: 'mark' }>; readonly next: string },
): Promise<StepResult> {
  const { enrollment } = run.claim;
  const result = await markCustomer(dependencies.store, {
    stored: run.stored,
    journeyId: run.journey.id,
    runId: enrollment.runId,
    step: action.step,
    now: run.now,
  });
  if (result === 'conflict') return (await run.reload()) ? 'next' : 'stop';
  run.stored = (await dependencies.store.load(run.stored.customer.id)) ?? run.stored;
  return (await run.save({ ...enrollment, stepId: action.next, dueAt: run.at }, [], true)) ? 'next' : 'stop';
}

/** Attempts the step's email and records what came of it on the run. */
async function send(dependencies: DispatchDependencies, run: RunProgress, step: SendStep): Promise<StepResult> {
  const choice = step.experiment
    ? await chooseVariant(dependencies, {
        journey: run.journey,
        step: { ...step, experiment: step.experiment },
        customerId: run.stored.customer.id,
        now: run.now,
      })
    : undefined;
  if (choice?.kind === 'hold') return holdForDecision(run, step, choice.until);
  const variant = choice?.variant;
  const outcome = await attemptSend(dependencies, {
    claim: run.claim,
    stored: run.stored,
    assessment: run.assessment(),
    journey: run.journey,
    step,
    variant,
    model: run.model,
    now: run.now,
  });
  if (outcome.kind === 'sent' && variant) {
    run.count({ sent: 1 }, step.id, variant.id);
    if (choice?.kind === 'send' && choice.test && !choice.started) {
      await startExperiment(dependencies, { journeyId: run.journey.id, stepId: step.id, at: run.at });
    }
  }
  if (outcome.kind === 'sent' && outcome.offer === 'issued') {
    run.summary.offersIssued++;
    run.count({ offersIssued: 1 }, step.id);
  }
  if (outcome.kind === 'sent' && outcome.offer === 'fallback') run.summary.offerFallbacks++;
  switch (outcome.kind) {
    case 'reload':
      return (await run.reload()) ? 'next' : 'stop';
    case 'lease_lost':
      // Too late to send on this claim: give the step back untouched, not counted as an attempt.
      await dependencies.store.releaseRun(run.claim, run.now, [], { mayHaveSent: false });
      run.summary.busy++;
      return 'stop';
    case 'failed':
      return failed(dependencies, run, step, outcome);
    case 'deferred':
      return deferred(run, step, outcome);
    case 'suppressed':
      return suppressed(run, step, outcome);
    default:
      return moveOnAfterSend(dependencies, run, step, outcome, []);
  }
}

/**
 * A recipient outside an experiment's test share, before its decision, with `holdRest`: the send is due
 * again when the winner is chosen. Not a guardrail's deferral: the wait does not count towards `staleAfter`.
 */
async function holdForDecision(run: RunProgress, step: SendStep, until: Date): Promise<StepResult> {
  const { enrollment } = run.claim;
  const entry: TimelineEntry = {
    at: run.at,
    kind: 'email_deferred',
    ...runIds(run),
    stepId: step.id,
    template: step.template,
    reason: 'experiment_pending',
    until: until.toISOString(),
  };
  run.summary.deferred++;
  run.count({ deferred: 1 }, step.id);
  await run.save({ ...enrollment, dueAt: until.toISOString() }, [entry], false);
  return 'stop';
}

/** A send that failed is retried later, unless it has failed for longer than it is worth sending late. */
async function failed(
  dependencies: DispatchDependencies,
  run: RunProgress,
  step: SendStep,
  outcome: Extract<SendOutcome, { kind: 'failed' }>,
): Promise<StepResult> {
  const { at, now } = run;
  const { enrollment } = run.claim;
  run.summary.failed++;
  if (outcome.reason === 'template_missing') run.summary.templateMissing++;
  run.count({ failed: 1 }, step.id);
  const failures = (enrollment.failures ?? 0) + 1;
  const entry: TimelineEntry = {
    at,
    kind: 'email_failed',
    ...runIds(run),
    stepId: step.id,
    template: step.template,
    reason: outcome.reason,
  };
  if (!retriedLongEnough(failures, step, dependencies.config)) {
    await dependencies.store.releaseRun(
      { ...run.claim, enrollment: { ...enrollment, failures } },
      new Date(now.getTime() + retryDelayMs(failures)),
      [entry],
      { mayHaveSent: outcome.mayHaveSent },
    );
    return 'stop';
  }
  // Failing for longer than the email is worth sending late: dropped, with its reason.
  const dropped: Extract<SendOutcome, { kind: 'skipped' | 'dropped' }> = {
    kind: 'dropped',
    entry: { ...entry, kind: 'email_dropped', reason: `gave_up:${outcome.reason}` },
  };
  return moveOnAfterSend(dependencies, run, step, dropped, [entry]);
}

/** A send the guardrails or the account's limits hold back: the run waits for the time they name. */
async function deferred(
  run: RunProgress,
  step: SendStep,
  outcome: Extract<SendOutcome, { kind: 'deferred' }>,
): Promise<StepResult> {
  const { enrollment } = run.claim;
  run.summary.deferred++;
  if (outcome.entry.reason === 'daily_quota') run.summary.deferredForQuota++;
  if (outcome.entry.reason === 'template_held') run.summary.heldForTemplate++;
  run.count({ deferred: 1 }, step.id);
  const waits = {
    dueAt: outcome.until.toISOString(),
    deferredSince: enrollment.deferredSince ?? enrollment.dueAt ?? run.at,
  };
  await run.save({ ...enrollment, ...waits }, [outcome.entry], false);
  return 'stop';
}

/** Consent withdrawn or the address unusable: the rest of the run would be suppressed too, so it ends. */
async function suppressed(
  run: RunProgress,
  step: SendStep,
  outcome: Extract<SendOutcome, { kind: 'suppressed' }>,
): Promise<StepResult> {
  const { at } = run;
  run.summary.suppressed++;
  const reason = `suppressed:${String(outcome.entry.reason)}`;
  run.count({ suppressed: 1 }, step.id);
  run.count(exitCounters(reason));
  const exited: TimelineEntry = { at, kind: 'journey_exited', ...runIds(run), reason };
  await exitRunHere(run, [outcome.entry, exited], reason);
  return 'stop';
}

/** Sent, skipped or dropped: the run moves on to the step after the send. */
async function moveOnAfterSend(
  dependencies: DispatchDependencies,
  run: RunProgress,
  step: SendStep,
  outcome: Extract<SendOutcome, { kind: 'sent' | 'skipped' | 'dropped' }>,
  earlier: readonly TimelineEntry[],
): Promise<StepResult> {
  const { at } = run;
  const { claim } = run;
  const { enrollment } = claim;
  run.summary[outcome.kind]++;
  if (outcome.kind === 'dropped' && outcome.refused) run.summary.refused++;
  run.count({ [outcome.kind]: 1 }, step.id);
  if (outcome.customer)
    run.stored = { ...run.stored, customer: outcome.customer, version: outcome.version ?? run.stored.version };
  const moved: Enrollment = {
    ...enrollment,
    stepId: step.next ?? followingStep(run.journey, step),
    dueAt: at,
    failures: undefined,
    deferredSince: undefined,
    ...(outcome.kind === 'sent'
      ? { lastSend: { stepId: step.id, messageId: outcome.messageId, at } }
      : { renderFailure: undefined }),
  };
  const entries = [...earlier, outcome.entry];
  // When the run ends right after the email (a campaign's one send, a journey's last send, an exit condition
  // the send made true), the outcome's write ends it: one write instead of the run moving on under the lease
  // and a second write ending it (docs/performance.md, "What a send and a first order write").
  const after = nextStepAction(dependencies, run, moved);
  const end = after.kind === 'complete' || after.kind === 'exit' ? after : undefined;
  const saved = end
    ? await run.save(endedRun(run, moved, end), [...entries, endEntry(run, end)], false)
    : await run.save(moved, entries, true);
  if (saved) {
    if (end) countEnd(run, end);
    return end ? 'stop' : 'next';
  }
  // Another writer moved the run meanwhile (an order ended it): the email went all the same, and the
  // timeline says so.
  if (outcome.kind === 'sent') {
    const tag = `sent.${enrollment.runId}.${claim.version}`;
    await dependencies.store.appendTimeline(run.stored.customer.id, [outcome.entry], tag);
  }
  return 'stop';
}
