import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { JourneyDefinitionError } from '../../../functions/domain/errors.js';
import {
  assignmentKey,
  assignVariant,
  decideExperiment,
  decisionTime,
  normalCdf,
} from '../../../functions/domain/experiments.js';
import { missingTemplates } from '../../../functions/domain/journeys/catalogue.js';
import { defineJourney, type Experiment, type SendStep } from '../../../functions/domain/journeys/definition.js';
import { chooseVariant, startExperiment } from '../../../functions/domain/services/dispatch/experiment.js';
import { stableHash } from '../../../functions/domain/stable-hash.js';

const experiment = {
  variants: [{ id: 'control' }, { id: 'short', subject: 'Ten minutes to your first order' }],
  testShare: 0.2,
  decideAfter: 'PT4H',
  metric: 'opens' as const,
};

function journeyWith(overrides: Record<string, unknown>) {
  return defineJourney({
    id: 'test-journey',
    name: 'Test',
    trigger: { event: 'customer.signed_up' },
    reentry: { policy: 'once' },
    steps: [
      {
        id: 'hello',
        type: 'send',
        template: 'welcome-1',
        category: 'marketing',
        experiment: { ...experiment, ...overrides } as never,
      },
    ],
  });
}

function refusal(overrides: Record<string, unknown>): string {
  try {
    journeyWith(overrides);
  } catch (error) {
    if (error instanceof JourneyDefinitionError) return error.message;
    throw error;
  }
  throw new Error('expected the journey to be refused');
}

const parsed = (overrides: Record<string, unknown> = {}): Experiment =>
  (journeyWith(overrides).steps[0] as SendStep).experiment as Experiment;

describe('the experiment of a send step', () => {
  it('takes variants, a test share, a time to decide and a metric; confidence 0.95 and holdRest false by default', () => {
    expect(parsed()).toMatchObject({ testShare: 0.2, decideAfter: 'PT4H', confidence: 0.95, holdRest: false });
  });

  it.each([
    [{ variants: [{ id: 'only' }] }, 'steps.0.experiment.variants: an experiment needs at least 2 variants'],
    [
      { variants: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, subject: id })) },
      'steps.0.experiment.variants: an experiment has at most 5 variants',
    ],
    [{ testShare: 0 }, 'steps.0.experiment.testShare: expected a share above 0'],
    [{ testShare: 1.5 }, 'steps.0.experiment.testShare: expected a share of at most 1'],
    [{ decideAfter: 'four hours' }, 'steps.0.experiment.decideAfter: expected an ISO 8601 duration'],
    [{ metric: 'revenue' }, 'steps.0.experiment.metric:'],
    [{ confidence: 1 }, 'steps.0.experiment.confidence:'],
    [
      { variants: [{ id: 'a' }, { id: 'a', subject: 'Hi' }] },
      'steps.0.experiment.variants.1.id: duplicate variant id "a"',
    ],
    [
      { variants: [{ id: 'a' }, { id: 'b' }] },
      'steps.0.experiment.variants.1: a variant other than the first needs a template or a subject',
    ],
    [
      { variants: [{ id: 'a' }, { id: 'b', template: 'welcome-2', subject: 'Hi' }] },
      'steps.0.experiment.variants.1: a variant changes the template or the subject, not both',
    ],
    [
      { variants: [{ id: 'a' }, { id: 'b', subject: 'Hi {{firstName}}' }] },
      'steps.0.experiment.variants.1.subject: expected one line of text',
    ],
    [{ variants: [{ id: 'a' }, { id: 'b', template: 'Welcome 2' }] }, 'steps.0.experiment.variants.1.template:'],
    [{ metric: 'conversions' }, "steps.0.experiment.metric: conversions are counted against the journey's goal"],
  ])('refuses %j, naming the field', (overrides, message) => {
    expect(refusal(overrides)).toContain(`journey "test-journey", step "hello": ${message}`);
  });

  it('makes a content variant template one the journey needs: a missing one is reported', () => {
    const journey = journeyWith({ variants: [{ id: 'a' }, { id: 'b', template: 'welcome-9' }] });
    expect(missingTemplates([journey], new Set(['welcome-1']))).toEqual([
      { journeyId: 'test-journey', stepId: 'hello', template: 'welcome-9' },
    ]);
  });
});

describe('assignment', () => {
  const three = parsed({
    variants: [{ id: 'a' }, { id: 'b', subject: 'B' }, { id: 'c', subject: 'C' }],
    testShare: 0.3,
  });
  const hashes = Array.from({ length: 10_000 }, (_, i) =>
    stableHash(`customer-${i}/${assignmentKey('test-journey', 'hello')}`),
  );

  it('sends the test share, split evenly between the variants, within 1.5 points on 10,000 customers', () => {
    const counts = new Map<string, number>();
    for (const hash of hashes) {
      const assignment = assignVariant(three, hash, undefined);
      const key = assignment.kind === 'test' ? assignment.variant.id : assignment.kind;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c']) expect(Math.abs((counts.get(id) ?? 0) / 10_000 - 0.1)).toBeLessThan(0.015);
    expect(Math.abs((counts.get('rest') ?? 0) / 10_000 - 0.7)).toBeLessThan(0.015);
  });

  it('gives the rest the control before the decision, or holds them with holdRest; the winner after', () => {
    const rest = hashes.find((hash) => hash >= 0.3) as number;
    expect(assignVariant(three, rest, undefined)).toEqual({ kind: 'rest', variant: { id: 'a' } });
    expect(assignVariant({ ...three, holdRest: true }, rest, undefined)).toEqual({ kind: 'hold' });
    expect(assignVariant({ ...three, holdRest: true }, rest, 'c')).toEqual({
      kind: 'rest',
      variant: { id: 'c', subject: 'C' },
    });
    // A customer in the test keeps their variant after the decision.
    const tested = hashes.find((hash) => hash < 0.1) as number;
    expect(assignVariant(three, tested, 'c')).toEqual({ kind: 'test', variant: { id: 'a' } });
  });

  it('is decided decideAfter from the first test send', () => {
    expect(decisionTime(parsed(), '2026-03-01T10:00:00.000Z').toISOString()).toBe('2026-03-01T14:00:00.000Z');
  });
});

describe('the winner', () => {
  const control = { variantId: 'control', sent: 1000, successes: 100 };

  it('Φ is the standard normal distribution function', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.6448536)).toBeCloseTo(0.95, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });

  it('two variants at 95%: 123 opens of 1,000 against 100 of 1,000 is no winner (z 1.634), 124 is (z 1.702)', () => {
    const below = decideExperiment(parsed(), [control, { variantId: 'short', sent: 1000, successes: 123 }]);
    expect(below).toMatchObject({
      winner: 'control',
      reason: 'no_significant_difference',
      alpha: expect.closeTo(0.05),
    });
    expect(below.variants[1]?.z).toBeCloseTo(1.634, 3);
    expect(below.variants[1]?.pValue).toBeCloseTo(0.0511, 4);
    const above = decideExperiment(parsed(), [control, { variantId: 'short', sent: 1000, successes: 124 }]);
    expect(above).toMatchObject({ winner: 'short', reason: 'significant' });
    expect(above.variants[1]?.z).toBeCloseTo(1.702, 3);
    expect(above.variants[1]?.pValue).toBeCloseTo(0.0444, 4);
  });

  it('three variants: Bonferroni holds each to 2.5%, so z 1.903 no longer wins and z 1.970 does; the best significant wins', () => {
    const three = parsed({ variants: [{ id: 'control' }, { id: 'b', subject: 'B' }, { id: 'c', subject: 'C' }] });
    const below = decideExperiment(three, [
      control,
      { variantId: 'b', sent: 1000, successes: 127 },
      { variantId: 'c', sent: 1000, successes: 90 },
    ]);
    expect(below).toMatchObject({ winner: 'control', alpha: expect.closeTo(0.025) });
    const above = decideExperiment(three, [
      control,
      { variantId: 'b', sent: 1000, successes: 128 },
      { variantId: 'c', sent: 1000, successes: 140 },
    ]);
    expect(above).toMatchObject({ winner: 'c', reason: 'significant' });
    expect(above.variants.map((variant) => variant.significant)).toEqual([false, true, true]);
  });

  it('a variant better than the control but sent to no one, or no opens at all, is no winner', () => {
    expect(decideExperiment(parsed(), [control]).winner).toBe('control');
    expect(
      decideExperiment(parsed(), [
        { variantId: 'control', sent: 50, successes: 0 },
        { variantId: 'short', sent: 50, successes: 0 },
      ]).winner,
    ).toBe('control');
  });

  it('a worse variant never wins, however significant its difference', () => {
    expect(decideExperiment(parsed(), [control, { variantId: 'short', sent: 1000, successes: 20 }]).winner).toBe(
      'control',
    );
  });
});

describe('the experiment state a dispatcher reads', () => {
  it('reads only what may still change, and decides once: concurrent dispatchers send the same winner', async () => {
    const table = new EmulatedTableCustomerStore({ dueShards: 1 });
    let reads = 0;
    const store = {
      experiment: (journeyId: string, stepId: string) => {
        reads++;
        return table.experiment(journeyId, stepId);
      },
      recordExperimentStart: table.recordExperimentStart.bind(table),
      recordExperimentDecision: table.recordExperimentDecision.bind(table),
      journeyStats: table.journeyStats.bind(table),
    };
    const journey = journeyWith({ variants: [{ id: 'control' }, { id: 'short', subject: 'Short' }], testShare: 0.5 });
    const step = journey.steps[0] as SendStep & { experiment: Experiment };
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const choose = (customerId: string, now: Date) =>
      chooseVariant({ store, hash: (key) => (key.startsWith('in-') ? 0.1 : 0.9) }, { journey, step, customerId, now });

    expect(await choose('in-1', t0)).toEqual({ kind: 'send', variant: { id: 'control' }, test: true, started: false });
    await startExperiment({ store }, { journeyId: journey.id, stepId: 'hello', at: t0.toISOString() });
    await table.addJourneyStats([
      { journeyId: journey.id, stepId: 'hello', variantId: 'control', counters: { sent: 100, opened: 10 } },
      { journeyId: journey.id, stepId: 'hello', variantId: 'short', counters: { sent: 100, opened: 30 } },
    ]);
    reads = 0;
    // Started, and the decision not due: nothing to read; the rest get the control.
    expect(await choose('out-1', new Date('2026-03-01T13:59:00.000Z'))).toMatchObject({ variant: { id: 'control' } });
    expect(reads).toBe(0);
    const due = new Date('2026-03-01T14:00:00.000Z');
    const [a, b] = await Promise.all([choose('out-2', due), choose('out-3', due)]);
    expect(a).toMatchObject({ kind: 'send', variant: { id: 'short' }, test: false });
    expect(b).toMatchObject({ kind: 'send', variant: { id: 'short' }, test: false });
    expect((await table.experiment(journey.id, 'hello')).decision?.outcome.winner).toBe('short');
    reads = 0;
    expect(await choose('out-4', new Date('2026-03-02T00:00:00.000Z'))).toMatchObject({ variant: { id: 'short' } });
    expect(reads).toBe(0);
  });
});
