import { addDuration } from '../duration.js';
import type { CanonicalEvent } from '../events.js';
import type { TimelineEntry } from '../timeline.js';
import type { JourneyDefinition, JourneyStep } from './definition.js';

/** A customer's place in one journey. One per customer and journey; re-entry reuses it. */
export interface Enrollment {
  readonly journeyId: string;
  /** Unique per entry into the journey; ties sends and conversions to one run. */
  readonly runId: string;
  readonly status: 'active' | 'completed' | 'exited';
  /** Index of the next step to run. */
  readonly stepIndex: number;
  /** When the next step is due, while active. */
  readonly dueAt?: string | undefined;
  readonly enteredAt: string;
  readonly entries: number;
  readonly endedAt?: string | undefined;
  readonly exitReason?: string | undefined;
  /** Failed attempts at the current step (SES errors); reset when the step is done. */
  readonly failures?: number | undefined;
}

export interface JourneyChanges {
  /** Enrollments to write, new or changed. */
  readonly enrollments: readonly Enrollment[];
  readonly timeline: readonly TimelineEntry[];
}

/**
 * What an event does to a customer's journeys: it ends the runs whose journey exits on it, and starts the
 * journeys it triggers where the re-entry policy allows. A new run is due at once: the dispatcher runs
 * its first step, so that every send goes through the same guardrails.
 */
export function journeysForEvent(
  journeys: Iterable<JourneyDefinition>,
  enrollments: ReadonlyMap<string, Enrollment>,
  event: CanonicalEvent,
  context: { readonly now: Date; readonly newRunId: () => string },
): JourneyChanges {
  const now = context.now.toISOString();
  const changed: Enrollment[] = [];
  const timeline: TimelineEntry[] = [];
  for (const journey of journeys) {
    const current = enrollments.get(journey.id);
    if (current?.status === 'active' && journey.exitOn.includes(event.type)) {
      changed.push(endRun(current, 'exited', now, `event:${event.type}`));
      timeline.push({
        at: now,
        kind: 'journey_exited',
        journeyId: journey.id,
        runId: current.runId,
        reason: `event:${event.type}`,
      });
      continue;
    }
    if (journey.trigger.event !== event.type) continue;
    if (current !== undefined && journey.reentry.policy === 'once') continue;
    const runId = context.newRunId();
    changed.push({
      journeyId: journey.id,
      runId,
      status: 'active',
      stepIndex: 0,
      dueAt: now,
      enteredAt: now,
      entries: (current?.entries ?? 0) + 1,
    });
    timeline.push({ at: now, kind: 'journey_entered', journeyId: journey.id, runId, trigger: event.type });
  }
  return { enrollments: changed, timeline };
}

export function endRun(
  enrollment: Enrollment,
  status: 'completed' | 'exited',
  at: string,
  reason?: string,
): Enrollment {
  return { ...enrollment, status, dueAt: undefined, endedAt: at, exitReason: reason };
}

/** What the dispatcher must do next for an active run. */
export type NextAction =
  | { readonly kind: 'send'; readonly step: Extract<JourneyStep, { type: 'send' }> }
  | { readonly kind: 'wait'; readonly step: Extract<JourneyStep, { type: 'wait' }>; readonly until: Date }
  | { readonly kind: 'complete' };

export function nextAction(journey: JourneyDefinition, enrollment: Enrollment, now: Date): NextAction {
  const step = journey.steps[enrollment.stepIndex];
  if (step === undefined) return { kind: 'complete' };
  switch (step.type) {
    case 'send':
      return { kind: 'send', step };
    case 'wait':
      return { kind: 'wait', step, until: addDuration(now, step.duration) };
  }
}
