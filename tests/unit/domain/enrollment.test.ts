import { describe, expect, it } from 'vitest';
import type { CustomerSignedUp } from '../../../functions/domain/events.js';
import { defineJourney } from '../../../functions/domain/journeys/definition.js';
import { type Enrollment, journeysForEvent, nextAction } from '../../../functions/domain/journeys/enrollment.js';

const journey = defineJourney({
  id: 'welcome',
  name: 'Welcome',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' },
  steps: [
    { id: 'first', type: 'send', template: 'welcome-1', category: 'marketing' },
    { id: 'pause', type: 'wait', duration: 'P2D' },
    { id: 'second', type: 'send', template: 'welcome-2', category: 'marketing' },
  ],
});
const event: CustomerSignedUp = {
  schemaVersion: 1,
  id: 'generic:1',
  source: 'generic',
  type: 'customer.signed_up',
  occurredAt: '2026-05-01T10:00:00Z',
  data: { customer: { email: 'ada@example.com' } },
};
const now = new Date('2026-05-01T10:00:01Z');

describe('journey entry', () => {
  it('a trigger event starts a run due at once', () => {
    const changes = journeysForEvent([journey], new Map(), event, { now, newRunId: () => 'run_1' });
    expect(changes.enrollments).toEqual([
      {
        journeyId: 'welcome',
        runId: 'run_1',
        status: 'active',
        stepIndex: 0,
        dueAt: now.toISOString(),
        enteredAt: now.toISOString(),
        entries: 1,
      },
    ]);
    expect(changes.timeline).toEqual([
      {
        at: now.toISOString(),
        kind: 'journey_entered',
        journeyId: 'welcome',
        runId: 'run_1',
        trigger: 'customer.signed_up',
      },
    ]);
  });

  it('"once" means once ever: a second trigger, even after completion, starts nothing', () => {
    const done: Enrollment = {
      journeyId: 'welcome',
      runId: 'run_1',
      status: 'completed',
      stepIndex: 3,
      enteredAt: now.toISOString(),
      entries: 1,
    };
    const changes = journeysForEvent([journey], new Map([['welcome', done]]), event, { now, newRunId: () => 'run_2' });
    expect(changes.enrollments).toEqual([]);
  });
});

describe('next action of a run', () => {
  const run: Enrollment = {
    journeyId: 'welcome',
    runId: 'r',
    status: 'active',
    stepIndex: 0,
    enteredAt: now.toISOString(),
    entries: 1,
  };

  it('walks send, wait (until now + duration), send, then completes', () => {
    expect(nextAction(journey, run, now)).toMatchObject({ kind: 'send', step: { id: 'first' } });
    expect(nextAction(journey, { ...run, stepIndex: 1 }, now)).toEqual({
      kind: 'wait',
      step: journey.steps[1],
      until: new Date('2026-05-03T10:00:01Z'),
    });
    expect(nextAction(journey, { ...run, stepIndex: 2 }, now)).toMatchObject({ kind: 'send', step: { id: 'second' } });
    expect(nextAction(journey, { ...run, stepIndex: 3 }, now)).toEqual({ kind: 'complete' });
  });
});
