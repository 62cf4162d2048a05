import { type ConditionSubject, evaluate } from '../conditions.js';
import type { Customer, LifecycleStage } from '../customer.js';
import { addDuration, durationMs } from '../duration.js';
import type { TimelineEntry } from '../timeline.js';
import {
  followingStep,
  type JourneyDefinition,
  type JourneyStep,
  type JourneyTrigger,
  stepById,
} from './definition.js';

/** What started a run, kept so that its emails can speak of it (the order, the checkout, the product). */
export interface RunContext {
  readonly eventId?: string | undefined;
  readonly orderKey?: string | undefined;
  readonly checkoutKey?: string | undefined;
  readonly productId?: string | undefined;
  /** For a date trigger: the value of the profile field it counts from. */
  readonly fieldValue?: string | undefined;
}

/** A customer's place in one journey. One per customer and journey; re-entry reuses it. */
export interface Enrollment {
  readonly journeyId: string;
  /** Unique per entry into the journey; ties sends and conversions to one run. */
  readonly runId: string;
  /** `scheduled`: a date trigger that will start the run at `dueAt` if it still holds then. */
  readonly status: 'scheduled' | 'active' | 'completed' | 'exited';
  /** The next step to run. */
  readonly stepId?: string | undefined;
  /** When the next step (or the scheduled start) is due. */
  readonly dueAt?: string | undefined;
  readonly enteredAt: string;
  readonly entries: number;
  readonly endedAt?: string | undefined;
  readonly exitReason?: string | undefined;
  /** Failed attempts at the current step (SES errors); reset when the step is done. */
  readonly failures?: number | undefined;
  /** The A/B variant the customer was assigned. */
  readonly variant?: string | undefined;
  readonly context?: RunContext | undefined;
  /** Inside a `waitForEvent` step (`from`): the event awaited, and where to go when it comes. */
  readonly waiting?: { readonly event: string; readonly stepId: string; readonly from: string } | undefined;
  /** When the current send was first due, for the stale rule of deferred sends. */
  readonly deferredSince?: string | undefined;
  /** The run's latest email handed to the mail service: a report that it did not render finds it here. */
  readonly lastSend?: { readonly stepId: string; readonly messageId: string; readonly at: string } | undefined;
  /** A send step whose template did not render: since when, and how often. Cleared once it is sent again. */
  readonly renderFailure?: { readonly stepId: string; readonly since: string; readonly count: number } | undefined;
}

/** What changed about the customer with this event, as far as journeys care. */
export interface JourneySignals {
  /** The event, when the change comes from one. */
  readonly event?: { readonly id: string; readonly type: string; readonly context: RunContext } | undefined;
  readonly stageEntered?: LifecycleStage | undefined;
  readonly segmentsEntered: readonly string[];
  readonly segmentsLeft: readonly string[];
}

export interface JourneyChanges {
  /** Enrollments to write, new or changed. */
  readonly enrollments: readonly Enrollment[];
  readonly timeline: readonly TimelineEntry[];
  /** Counts for the journey statistics. */
  readonly stats: readonly { readonly journeyId: string; readonly entered?: number; readonly exitReason?: string }[];
}

/**
 * What a change to a customer does to their journeys: a run waiting for this event moves on, runs whose
 * journey exits on it end, and journeys it triggers start where the audience and the re-entry policy
 * allow. A date trigger ("21 days after the first order") is scheduled as a run that starts at that time
 * if it still holds then. Pure.
 */
export function journeysForChange(
  journeys: Iterable<JourneyDefinition>,
  customer: Customer,
  enrollments: ReadonlyMap<string, Enrollment>,
  signals: JourneySignals,
  context: { readonly now: Date; readonly newRunId: () => string; readonly subject: ConditionSubject },
): JourneyChanges {
  const now = context.now.toISOString();
  const changed: Enrollment[] = [];
  const timeline: TimelineEntry[] = [];
  const stats: { journeyId: string; entered?: number; exitReason?: string }[] = [];
  const holds = (where: Parameters<typeof evaluate>[0] | undefined) =>
    where === undefined || evaluate(where, context.subject);

  for (const journey of journeys) {
    let current = enrollments.get(journey.id);

    if (current?.status === 'active') {
      if (signals.event && current.waiting?.event === signals.event.type) {
        const step = stepById(journey, current.waiting.from);
        if (step?.type === 'waitForEvent' && holds(step.where)) {
          current = { ...current, stepId: current.waiting.stepId, waiting: undefined, dueAt: now };
          changed.push(current);
          timeline.push({
            at: now,
            kind: 'journey_resumed',
            journeyId: journey.id,
            runId: current.runId,
            event: signals.event.type,
          });
        }
      }
      const exit = exitReason(journey, signals, holds);
      if (exit !== undefined) {
        const ended = endRun(current, 'exited', now, exit);
        replace(changed, ended);
        timeline.push({ at: now, kind: 'journey_exited', journeyId: journey.id, runId: current.runId, reason: exit });
        stats.push({ journeyId: journey.id, exitReason: exit });
        continue;
      }
    }

    if ('after' in journey.trigger) {
      const scheduled = scheduleDateTrigger(journey, journey.trigger, customer, current, context.now, context.newRunId);
      if (scheduled) changed.push(scheduled);
      continue;
    }
    if (!triggered(journey.trigger, signals) || !holds(journey.trigger.where)) continue;
    if (journey.audience === 'subscribers' && customer.consent.email !== 'subscribed') continue;
    const entered = enter(journey, current, context.now, context.newRunId, signals.event?.context);
    if (!entered) continue;
    replace(changed, entered);
    timeline.push({
      at: now,
      kind: 'journey_entered',
      journeyId: journey.id,
      runId: entered.runId,
      trigger: signals.event?.type ?? (signals.stageEntered ? `stage:${signals.stageEntered}` : 'segment'),
    });
    stats.push({ journeyId: journey.id, entered: 1 });
  }
  return { enrollments: changed, timeline, stats };
}

function replace(list: Enrollment[], enrollment: Enrollment): void {
  const index = list.findIndex((e) => e.journeyId === enrollment.journeyId);
  if (index === -1) list.push(enrollment);
  else list[index] = enrollment;
}

function triggered(trigger: JourneyTrigger, signals: JourneySignals): boolean {
  if ('event' in trigger) return signals.event?.type === trigger.event;
  if ('stageEntered' in trigger) {
    const stages = typeof trigger.stageEntered === 'string' ? [trigger.stageEntered] : trigger.stageEntered;
    return signals.stageEntered !== undefined && stages.includes(signals.stageEntered);
  }
  if ('segmentEntered' in trigger) return signals.segmentsEntered.includes(trigger.segmentEntered);
  return false;
}

function exitReason(
  journey: JourneyDefinition,
  signals: JourneySignals,
  holds: (where: Parameters<typeof evaluate>[0] | undefined) => boolean,
): string | undefined {
  for (const exit of journey.exitOn) {
    if ('event' in exit && signals.event?.type === exit.event && holds(exit.where)) return `event:${exit.event}`;
    if ('segmentLeft' in exit && signals.segmentsLeft.includes(exit.segmentLeft)) return `left:${exit.segmentLeft}`;
    if ('when' in exit && holds(exit.when)) return 'condition';
  }
  return undefined;
}

/** A new run if the re-entry policy allows one now; `undefined` otherwise. */
function enter(
  journey: JourneyDefinition,
  current: Enrollment | undefined,
  now: Date,
  newRunId: () => string,
  runContext: RunContext | undefined,
): Enrollment | undefined {
  if (current !== undefined && current.status !== 'scheduled') {
    const policy = journey.reentry;
    if (policy.policy === 'once') return undefined;
    if (policy.policy === 'after') {
      if (current.status === 'active') return undefined;
      if (now.getTime() - Date.parse(current.enteredAt) < durationMs(policy.coolDown)) return undefined;
    }
  }
  const at = now.toISOString();
  return {
    journeyId: journey.id,
    runId: newRunId(),
    status: 'active',
    stepId: journey.steps[0]?.id,
    dueAt: at,
    enteredAt: at,
    entries: (current?.status === 'scheduled' ? current.entries - 1 : (current?.entries ?? 0)) + 1,
    context: runContext,
  };
}

/** Profile field a date trigger counts from. */
export function dateFieldValue(
  customer: Customer,
  field: 'firstOrderAt' | 'lastOrderAt' | 'signedUpAt' | 'replenishmentDueAt',
): string | undefined {
  if (field === 'signedUpAt') return customer.createdAt;
  if (field === 'replenishmentDueAt') return customer.replenishment?.dueAt;
  return customer.metrics[field];
}

function scheduleDateTrigger(
  journey: JourneyDefinition,
  trigger: Extract<JourneyTrigger, { after: unknown }>,
  customer: Customer,
  current: Enrollment | undefined,
  now: Date,
  newRunId: () => string,
): Enrollment | undefined {
  const value = dateFieldValue(customer, trigger.after.field);
  if (value === undefined || current?.status === 'active') return undefined;
  if (current?.context?.fieldValue === value) return undefined;
  const dueAt = addDuration(new Date(value), trigger.after.delay);
  // Dates already past (history imported, a late delivery) are not news: no run starts for them.
  if (dueAt <= now) return undefined;
  if (current !== undefined && current.status !== 'scheduled' && journey.reentry.policy === 'once') return undefined;
  return {
    journeyId: journey.id,
    runId: current?.status === 'scheduled' ? current.runId : newRunId(),
    status: 'scheduled',
    stepId: journey.steps[0]?.id,
    dueAt: dueAt.toISOString(),
    enteredAt: current?.enteredAt ?? now.toISOString(),
    entries: current?.entries ?? 0,
    context: { fieldValue: value },
  };
}

/**
 * A scheduled date trigger falling due: starts the run if the field still has the value it was scheduled
 * for, the trigger's condition holds, the audience fits and the re-entry policy allows.
 */
export function activateScheduled(
  journey: JourneyDefinition,
  scheduled: Enrollment,
  customer: Customer,
  context: { readonly now: Date; readonly subject: ConditionSubject },
): { enrollment: Enrollment; entered: boolean; reason?: string } {
  const trigger = journey.trigger;
  const at = context.now.toISOString();
  const cancel = (reason: string) => ({ enrollment: endRun(scheduled, 'exited', at, reason), entered: false, reason });
  if (!('after' in trigger)) return cancel('not_a_date_trigger');
  if (dateFieldValue(customer, trigger.after.field) !== scheduled.context?.fieldValue) return cancel('trigger_moved');
  if (trigger.where !== undefined && !evaluate(trigger.where, context.subject)) return cancel('condition_not_met');
  if (journey.audience === 'subscribers' && customer.consent.email !== 'subscribed') return cancel('no_consent');
  if (journey.reentry.policy === 'after' && scheduled.entries > 0) {
    // entries counts past runs; a cool-down runs from the previous entry.
    if (context.now.getTime() - Date.parse(scheduled.enteredAt) < durationMs(journey.reentry.coolDown))
      return cancel('cool_down');
  }
  return {
    enrollment: { ...scheduled, status: 'active', dueAt: at, enteredAt: at, entries: scheduled.entries + 1 },
    entered: true,
  };
}

export function endRun(
  enrollment: Enrollment,
  status: 'completed' | 'exited',
  at: string,
  reason?: string,
): Enrollment {
  return {
    ...enrollment,
    status,
    dueAt: undefined,
    waiting: undefined,
    endedAt: at,
    exitReason: reason,
    deferredSince: undefined,
  };
}

/**
 * A run whose latest email did not render (the template uses data the product does not give, or is
 * broken): the run goes back to that send step, due after `delay`, so that the email goes out once the
 * template is fixed. Only when that email is still the run's latest (nothing sent since) and the run has
 * not exited; `undefined` otherwise. After `giveUpAfter` of failures the run is left where it is, and
 * `gaveUp` says so.
 */
export function retryAfterRenderFailure(
  enrollment: Enrollment,
  report: { readonly messageId: string; readonly runId?: string | undefined },
  context: { readonly now: Date; readonly delayMs: (failures: number) => number; readonly giveUpAfterMs: number },
): { readonly enrollment: Enrollment } | { readonly gaveUp: true } | undefined {
  const last = enrollment.lastSend;
  if (!last || last.messageId !== report.messageId) return undefined;
  if (report.runId !== undefined && report.runId !== enrollment.runId) return undefined;
  if (enrollment.status === 'exited' || enrollment.status === 'scheduled') return undefined;
  const previous = enrollment.renderFailure?.stepId === last.stepId ? enrollment.renderFailure : undefined;
  const since = previous?.since ?? last.at;
  const count = (previous?.count ?? 0) + 1;
  if (context.now.getTime() - Date.parse(since) > context.giveUpAfterMs) return { gaveUp: true };
  return {
    enrollment: {
      ...enrollment,
      status: 'active',
      stepId: last.stepId,
      dueAt: new Date(context.now.getTime() + context.delayMs(count)).toISOString(),
      endedAt: undefined,
      exitReason: undefined,
      waiting: undefined,
      deferredSince: undefined,
      renderFailure: { stepId: last.stepId, since, count },
    },
  };
}

/** What the dispatcher must do next for an active run, pure of I/O. */
export type NextAction =
  | { readonly kind: 'complete' }
  | { readonly kind: 'exit'; readonly reason: string }
  | { readonly kind: 'send'; readonly step: Extract<JourneyStep, { type: 'send' }> }
  | { readonly kind: 'wait'; readonly until: Date; readonly next: string; readonly waiting?: Enrollment['waiting'] }
  | { readonly kind: 'jump'; readonly next: string; readonly variant?: string | undefined; readonly note: string }
  | { readonly kind: 'holdout' }
  | { readonly kind: 'mark'; readonly step: Extract<JourneyStep, { type: 'mark' }>; readonly next: string };

/**
 * The next action of an active run at `now`. `subject` is the customer's current assessment for
 * conditions; `timeZone` their zone for waits until a time of day; `hash` a stable number in [0, 1) for
 * A/B assignment.
 */
export function nextAction(
  journey: JourneyDefinition,
  enrollment: Enrollment,
  context: {
    readonly now: Date;
    readonly subject: ConditionSubject;
    readonly nextLocalWindow: (localTime: string, window: string) => Date;
    readonly hash: (key: string) => number;
  },
): NextAction {
  for (const exit of journey.exitOn) {
    if ('when' in exit && evaluate(exit.when, context.subject)) return { kind: 'exit', reason: 'condition' };
  }
  const step = stepById(journey, enrollment.stepId);
  if (step === undefined) return { kind: 'complete' };
  switch (step.type) {
    case 'send':
      return { kind: 'send', step };
    case 'wait': {
      const next = step.next ?? followingStep(journey, step);
      if (step.duration !== undefined) return { kind: 'wait', until: addDuration(context.now, step.duration), next };
      const until = context.nextLocalWindow(step.until?.localTime ?? '09:00', step.until?.window ?? 'PT2H');
      return until <= context.now ? { kind: 'jump', next, note: 'in window' } : { kind: 'wait', until, next };
    }
    case 'waitForEvent':
      return {
        kind: 'wait',
        until: addDuration(context.now, step.timeout),
        next: step.onTimeout,
        waiting: { event: step.event, stepId: step.onEvent, from: step.id },
      };
    case 'branch':
      return evaluate(step.condition, context.subject)
        ? { kind: 'jump', next: step.then, note: 'then' }
        : { kind: 'jump', next: step.else, note: 'else' };
    case 'split': {
      const total = step.variants.reduce((sum, v) => sum + v.weight, 0) + (step.holdout?.weight ?? 0);
      // The same customer always lands in the same variant of this step.
      let point = context.hash(`${journey.id}/${step.id}`) * total;
      for (const variant of step.variants) {
        if (point < variant.weight)
          return { kind: 'jump', next: variant.next, variant: variant.id, note: `variant ${variant.id}` };
        point -= variant.weight;
      }
      return { kind: 'holdout' };
    }
    case 'mark':
      return { kind: 'mark', step, next: step.next ?? followingStep(journey, step) };
  }
}
