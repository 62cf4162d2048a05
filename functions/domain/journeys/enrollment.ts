import { type ConditionSubject, evaluate } from '../conditions.js';
import type { Customer, LifecycleStage } from '../customer.js';
import { addCalendarDuration, addCalendarParts, type CalendarDuration, parseCalendarDuration } from '../duration.js';
import type { SourceName } from '../events.js';
import type { Money } from '../money.js';
import { instantAt } from '../schedule/local-time.js';
import type { TimelineEntry } from '../timeline.js';
import {
  type DateField,
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
  /** The storefront the product is from, to find it in the catalogue. */
  readonly source?: SourceName | undefined;
  /** The product as the event described it (name and page), for an email about it. */
  readonly product?:
    | {
        readonly name?: string | undefined;
        readonly url?: string | undefined;
        readonly imageUrl?: string | undefined;
        /** For news about the product: its price now, and before the change. */
        readonly price?: Money | undefined;
        readonly previousPrice?: Money | undefined;
      }
    | undefined;
  /** For a date trigger: the value of the profile field it counts from. */
  readonly fieldValue?: string | undefined;
  /** For a date trigger: the occurrence this run is for (a recurring trigger runs at most once for each). */
  readonly occurrence?: string | undefined;
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
  /**
   * A journey whose cool-down counts per product: when a run last entered for each product, those still
   * cooling down only (at most {@link MAX_COOLING_PRODUCTS}, the newest).
   */
  readonly enteredFor?: readonly { readonly productId: string; readonly at: string }[] | undefined;
}

/** The most products whose cool-down a run keeps: the oldest are forgotten first. */
export const MAX_COOLING_PRODUCTS = 100;

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
  context: {
    readonly now: Date;
    readonly newRunId: () => string;
    readonly subject: ConditionSubject;
    /** The customer's time zone, in which date triggers, calendar durations and cool-downs count. */
    readonly timeZone: string;
  },
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
        // A recurring date trigger waits for its next occurrence.
        replace(changed, scheduleDateRun(journey, customer, ended, context) ?? ended);
        timeline.push({ at: now, kind: 'journey_exited', journeyId: journey.id, runId: current.runId, reason: exit });
        stats.push({ journeyId: journey.id, exitReason: exit });
        continue;
      }
    }

    if ('after' in journey.trigger) {
      const scheduled = scheduleDateRun(journey, customer, current, context);
      if (scheduled) changed.push(scheduled);
      continue;
    }
    // A campaign's journey is entered by its campaign only.
    if ('campaign' in journey.trigger) continue;
    if (!triggered(journey.trigger, signals) || !holds(journey.trigger.where)) continue;
    if (journey.audience === 'subscribers' && customer.consent.email !== 'subscribed') continue;
    const entered = enter(journey, current, context, signals.event?.context);
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
  context: { readonly now: Date; readonly newRunId: () => string; readonly timeZone: string },
  runContext: RunContext | undefined,
): Enrollment | undefined {
  const { now } = context;
  const policy = journey.reentry;
  const perProduct = policy.policy === 'after' && policy.per === 'product' ? runContext?.productId : undefined;
  if (current !== undefined && current.status !== 'scheduled') {
    if (policy.policy === 'once') return undefined;
    if (policy.policy === 'after') {
      if (current.status === 'active') return undefined;
      const since =
        perProduct === undefined
          ? current.enteredAt
          : current.enteredFor?.find((entry) => entry.productId === perProduct)?.at;
      if (since !== undefined && coolingDown(policy.coolDown, since, now, context.timeZone)) return undefined;
    }
  }
  const at = now.toISOString();
  const enteredFor =
    perProduct === undefined || policy.policy !== 'after'
      ? undefined
      : [
          { productId: perProduct, at },
          ...(current?.enteredFor ?? []).filter(
            (entry) => entry.productId !== perProduct && coolingDown(policy.coolDown, entry.at, now, context.timeZone),
          ),
        ].slice(0, MAX_COOLING_PRODUCTS);
  return {
    ...(enteredFor === undefined ? {} : { enteredFor }),
    journeyId: journey.id,
    runId: context.newRunId(),
    status: 'active',
    stepId: journey.steps[0]?.id,
    dueAt: at,
    enteredAt: at,
    entries: (current?.status === 'scheduled' ? current.entries - 1 : (current?.entries ?? 0)) + 1,
    context: runContext,
  };
}

/** Whether a cool-down (a calendar duration, in the customer's time zone) since `enteredAt` still runs at `now`. */
function coolingDown(coolDown: string, enteredAt: string, now: Date, timeZone: string): boolean {
  return now < addCalendarDuration(new Date(enteredAt), coolDown, timeZone);
}

/** Profile field a date trigger counts from. */
export function dateFieldValue(customer: Customer, field: DateField): string | undefined {
  if (field === 'signedUpAt') return customer.createdAt;
  if (field === 'replenishmentDueAt') return customer.replenishment?.dueAt;
  if (field === 'birthday') return customer.birthday;
  return customer.metrics[field];
}

/**
 * The instant a date field's value stands for. A birthday (`--MM-DD` or `YYYY-MM-DD`) is midnight of that
 * day in the customer's time zone, in the year of birth, or in 2000 without one (a leap year: 29 February
 * stays 29 February in leap years and is 28 February in the others).
 */
function fieldDate(field: DateField, value: string, timeZone: string): Date {
  if (field !== 'birthday') return new Date(value);
  const [year, month, day] = (value.startsWith('--') ? `2000${value.slice(1)}` : value).split('-').map(Number);
  return instantAt({ year: year ?? 2000, month: month ?? 1, day: day ?? 1 }, 0, timeZone);
}

type DateTrigger = Extract<JourneyTrigger, { after: unknown }>['after'];

/**
 * How far apart the occurrences of a date trigger are: its `every`; a year for a birthday, which comes every
 * year (a trigger on it without `every` counts from the next one, once); none for a one-off date.
 */
function recurrence(trigger: DateTrigger): CalendarDuration | undefined {
  const every = trigger.every ?? (trigger.field === 'birthday' ? 'P1Y' : undefined);
  return every === undefined ? undefined : parseCalendarDuration(every);
}

/**
 * Occurrence `n` (0 the first) of a date trigger for a value of its field: the field's date plus the
 * delay plus `n` times the recurrence, in calendar terms in `timeZone`. Each occurrence is counted from
 * the field's date, not from the one before, so that a monthly trigger from 31 January falls on 28
 * February and then 31 March.
 */
function occurrence(trigger: DateTrigger, value: string, n: number, timeZone: string): Date {
  const delay = parseCalendarDuration(trigger.delay) ?? { months: 0, ms: 0 };
  const every = recurrence(trigger) ?? { months: 0, ms: 0 };
  return addCalendarParts(
    fieldDate(trigger.field, value, timeZone),
    { months: delay.months + n * every.months, ms: delay.ms + n * every.ms },
    timeZone,
  );
}

/**
 * The first occurrence of a date trigger strictly after `after`; `undefined` when it does not recur and its
 * one date is not after `after`. Pure.
 */
export function nextOccurrence(trigger: DateTrigger, value: string, after: Date, timeZone: string): Date | undefined {
  const first = occurrence(trigger, value, 0, timeZone);
  const every = recurrence(trigger);
  if (every === undefined) return first > after ? first : undefined;
  // Start near the answer (a month is about 30.44 days), then step to the first occurrence after `after`.
  const approximate = every.months * 2_629_800_000 + every.ms;
  let n = Math.max(0, Math.floor((after.getTime() - first.getTime()) / approximate) - 1);
  while (n > 0 && occurrence(trigger, value, n - 1, timeZone) > after) n--;
  while (occurrence(trigger, value, n, timeZone) <= after) n++;
  return occurrence(trigger, value, n, timeZone);
}

/**
 * The scheduled run of a date-triggered journey for the customer's field as it is now: a first run, the
 * next occurrence of a recurring trigger once the previous run ended (each occurrence at most once), or a
 * new date when the field changed. `undefined` when nothing is to be scheduled: a run is active, the date
 * is past (history imported, a late delivery: not news), this value was scheduled already, or the
 * re-entry policy says once. Pure.
 */
export function scheduleDateRun(
  journey: JourneyDefinition,
  customer: Customer,
  current: Enrollment | undefined,
  context: { readonly now: Date; readonly newRunId: () => string; readonly timeZone: string },
): Enrollment | undefined {
  if (!('after' in journey.trigger)) return undefined;
  const trigger = journey.trigger.after;
  const value = dateFieldValue(customer, trigger.field);
  if (value === undefined || current?.status === 'active') return undefined;
  const sameValue = current?.context?.fieldValue === value;
  if (sameValue && (current?.status === 'scheduled' || trigger.every === undefined)) return undefined;
  if (current !== undefined && current.status !== 'scheduled' && journey.reentry.policy === 'once') return undefined;
  const last = sameValue ? current?.context?.occurrence : undefined;
  const after = last !== undefined && Date.parse(last) > context.now.getTime() ? new Date(last) : context.now;
  const dueAt = nextOccurrence(trigger, value, after, context.timeZone);
  if (dueAt === undefined) return undefined;
  let runId = current?.status === 'scheduled' ? current.runId : context.newRunId();
  if (current !== undefined && current.status !== 'scheduled' && trigger.every !== undefined) {
    // The run of the next occurrence, named after the previous one: the same id whoever schedules it.
    runId = `${current.runId.split('~')[0]}~${dueAt.toISOString().slice(0, 10).replaceAll('-', '')}`;
  }
  return {
    journeyId: journey.id,
    runId,
    status: 'scheduled',
    stepId: journey.steps[0]?.id,
    dueAt: dueAt.toISOString(),
    enteredAt: current?.enteredAt ?? context.now.toISOString(),
    entries: current?.entries ?? 0,
    context: { fieldValue: value, occurrence: dueAt.toISOString() },
  };
}

/**
 * A scheduled date trigger falling due: starts the run if the field still has the value it was scheduled
 * for, the trigger's condition holds, the audience fits and the re-entry policy allows. A recurring trigger
 * that does not start now is scheduled for its next occurrence instead of ending.
 */
export function activateScheduled(
  journey: JourneyDefinition,
  scheduled: Enrollment,
  customer: Customer,
  context: { readonly now: Date; readonly subject: ConditionSubject; readonly timeZone: string },
): { enrollment: Enrollment; entered: boolean; reason?: string } {
  const trigger = journey.trigger;
  const at = context.now.toISOString();
  const cancel = (reason: string) => {
    const ended = endRun(scheduled, 'exited', at, reason);
    return { enrollment: afterRun(journey, customer, ended, context), entered: false, reason };
  };
  if (!('after' in trigger)) return cancel('not_a_date_trigger');
  if (dateFieldValue(customer, trigger.after.field) !== scheduled.context?.fieldValue) return cancel('trigger_moved');
  if (trigger.where !== undefined && !evaluate(trigger.where, context.subject)) return cancel('condition_not_met');
  if (journey.audience === 'subscribers' && customer.consent.email !== 'subscribed') return cancel('no_consent');
  if (journey.reentry.policy === 'after' && scheduled.entries > 0) {
    // entries counts past runs; a cool-down runs from the previous entry.
    if (coolingDown(journey.reentry.coolDown, scheduled.enteredAt, context.now, context.timeZone))
      return cancel('cool_down');
  }
  return {
    enrollment: { ...scheduled, status: 'active', dueAt: at, enteredAt: at, entries: scheduled.entries + 1 },
    entered: true,
  };
}

/**
 * What a run that just ended becomes: the ended run, or, for a recurring date trigger, the run scheduled
 * for its next occurrence (the run's end is in the timeline).
 */
export function afterRun(
  journey: JourneyDefinition,
  customer: Customer,
  ended: Enrollment,
  context: { readonly now: Date; readonly timeZone: string },
): Enrollment {
  if (!('after' in journey.trigger) || journey.trigger.after.every === undefined) return ended;
  const next = scheduleDateRun(journey, customer, ended, {
    ...context,
    newRunId: () => ended.runId,
  });
  return next ?? ended;
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
  /** The run fell in the holdout of the split `stepId`. */
  | { readonly kind: 'holdout'; readonly stepId: string }
  | { readonly kind: 'mark'; readonly step: Extract<JourneyStep, { type: 'mark' }>; readonly next: string };

/**
 * The next action of an active run at `now`. `subject` is the customer's current assessment for
 * conditions; `nextLocalWindow` the next window of their day for waits until a time of day; `hash` a stable number in [0, 1) for
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
    /** The customer's time zone, in which durations in months and years are added. */
    readonly timeZone: string;
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
      if (step.duration !== undefined)
        return { kind: 'wait', until: addCalendarDuration(context.now, step.duration, context.timeZone), next };
      const until = context.nextLocalWindow(step.until?.localTime ?? '09:00', step.until?.window ?? 'PT2H');
      return until <= context.now ? { kind: 'jump', next, note: 'in window' } : { kind: 'wait', until, next };
    }
    case 'waitForEvent':
      return {
        kind: 'wait',
        until: addCalendarDuration(context.now, step.timeout, context.timeZone),
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
      return { kind: 'holdout', stepId: step.id };
    }
    case 'mark':
      return { kind: 'mark', step, next: step.next ?? followingStep(journey, step) };
  }
}
