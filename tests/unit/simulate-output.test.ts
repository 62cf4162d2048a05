import { describe, expect, it } from 'vitest';
import { formatResult, SIMULATE_HELP } from '../../bin/commands/simulate.js';
import { decideExperiment } from '../../functions/domain/experiments.js';
import { liftOf } from '../../functions/domain/reporting/lift.js';
import { resolveResponseSettings } from '../../functions/simulation/response-model.js';
import type { SimulatedStep, SimulationResult } from '../../functions/simulation/simulator.js';
import { storyExperiment } from '../helpers/experiments.js';

const step = (stepId: string, template: string, figures: Partial<SimulatedStep> = {}): SimulatedStep => ({
  stepId,
  type: 'send',
  template,
  sent: 10,
  deferred: 2,
  dropped: 1,
  suppressed: 0,
  skipped: 0,
  failed: 0,
  ...figures,
});

const result: SimulationResult = {
  from: '2026-01-01T00:00:00.000Z',
  to: '2026-04-01T00:00:00.000Z',
  seed: 3,
  currency: 'USD',
  events: { played: 400, duplicates: 0, ignored: 0 },
  customers: 60,
  emails: { sent: 31, byTemplate: {} },
  modelRuns: 90,
  journeys: [
    {
      journeyId: 'welcome-series',
      name: 'Welcome series',
      entered: 40,
      completed: 30,
      exited: 8,
      exits: { 'event:order.placed': 8 },
      active: 2,
      sent: 20,
      opened: 0,
      clicked: 0,
      converted: 5,
      revenue: 12_345,
      offersIssued: 0,
      offersRedeemed: 0,
      offerRevenue: 0,
      lift: liftOf(
        { customers: 200, converted: 60, revenue: 300_000, revenueSquares: 150_000 },
        { customers: 100, converted: 8, revenue: 32_000, revenueSquares: 12_800 },
      ),
      steps: [step('welcome-1', 'welcome-1'), step('welcome-2', 'welcome-2', { skipped: 3, failed: 1 })],
    },
    {
      journeyId: 're-engagement',
      name: 'Re-engagement',
      entered: 6,
      completed: 4,
      exited: 1,
      exits: { 'left:unengaged': 1 },
      active: 1,
      sent: 11,
      opened: 0,
      clicked: 0,
      converted: 0,
      revenue: 0,
      offersIssued: 8,
      offersRedeemed: 2,
      offerRevenue: 9_000,
      steps: [step('still-there', 're-engagement-1')],
    },
  ],
  responses: {
    settings: resolveResponseSettings({}),
    opened: 4,
    clicked: 1,
    extraOrders: 0,
  },
  busiestCustomer: 'sim-7@example.com',
  busiestCustomerEmails: 14,
};

describe('lifecycle simulate output', () => {
  const output = formatResult(result);
  const lines = output.split('\n');

  it('names a step once, and its template only when that has another name', () => {
    const welcome = lines.find((line) => line.trimStart().startsWith('welcome-1'));
    expect(welcome?.match(/welcome-1/g)).toHaveLength(1);
    expect(welcome).toMatch(/^ {2}welcome-1 +sent 10, deferred 2, dropped 1, suppressed 0$/);
    expect(lines.find((line) => line.includes('still-there'))).toMatch(
      /^ {2}still-there \(re-engagement-1\) +sent 10, deferred 2, dropped 1, suppressed 0$/,
    );
  });

  it('shows the single-use offers of a journey that issued any, with the redemption rate', () => {
    expect(lines).toContain('  offers issued 8, redeemed 2, redemption rate 25.0%, offer revenue $90.00');
    expect(lines.filter((line) => line.includes('offers issued'))).toHaveLength(1);
  });

  it("shows a journey's lift against its holdout, with the interval and the verdict", () => {
    // 60/200 against 8/100: +22.0 points, (+12.8, +29.7) (tests/unit/domain/lift.test.ts).
    expect(lines).toContain(
      '  lift: treated 200, holdout 100; conversion 30.0% vs 8.0%, +22.0 pts (95% +12.8 to +29.7); revenue per customer $15.00 vs $3.20; higher',
    );
    expect(lines.filter((line) => line.includes('lift:'))).toHaveLength(1);
  });

  it('says how many emails the customer with the most emails got', () => {
    expect(output).toContain('The customer with the most emails: sim-7@example.com, 14 emails (see --customer).');
  });

  it('explains in --help every figure it prints, and says where to read it', () => {
    const figures = new Set(
      [...output.matchAll(/(?:^|, | {2})([a-z]+(?: [a-z]+)?) \d/gm)]
        .map((match) => match[1] ?? '')
        .filter((name) => !/^(to|emails|events|customers|model runs)$/.test(name)),
    );
    for (const name of ['entered', 'completed', 'exited', 'still running', 'sent', 'deferred', 'dropped']) {
      expect(figures).toContain(name);
    }
    for (const name of [...figures, 'skipped', 'failed', 'revenue', 'offers issued', 'redeemed', 'redemption rate']) {
      expect(SIMULATE_HELP, name).toMatch(new RegExp(`^ {2}${name} +\\S.*`, 'm'));
    }
    expect(lines.at(-1)).toBe('What each figure means: lifecycle simulate --help.');
  });

  it("shows each variant of a step's experiment with its rates, and the winner and why", () => {
    const variant = (variantId: string, change: string, sent: number, opened: number) => ({
      variantId,
      change,
      sent,
      delivered: sent,
      opened,
      clicked: 0,
      converted: 0,
      revenue: 0,
    });
    const welcome = result.journeys[0] as SimulationResult['journeys'][number];
    const experiment = {
      journeyId: 'welcome-series',
      stepId: 'welcome-1',
      metric: 'opens',
      confidence: 0.95,
      testShare: 0.2,
      variants: [variant('control', 'control', 1000, 100), variant('story', 'template welcome-2', 1000, 124)],
    };
    const undecided = formatResult({ ...result, journeys: [{ ...welcome, experiments: [experiment] }] });
    expect(undecided).toContain('  experiment on welcome-1 (opens, test share 20%):');
    expect(undecided).toContain(
      '    control  sent 1000, opened 100 (10.0%), clicked 0 (0.0%), converted 0 (0.0%), revenue $0.00',
    );
    expect(undecided).toContain('    not decided yet');
    const decision = {
      journeyId: 'welcome-series',
      stepId: 'welcome-1',
      decidedAt: '2026-01-02T00:00:00.000Z',
      metric: 'opens',
      confidence: 0.95,
      outcome: decideExperiment(
        storyExperiment({ testShare: 0.2, confidence: 0.95, holdRest: false }),
        experiment.variants.map((v) => ({ variantId: v.variantId, sent: v.sent, successes: v.opened })),
      ),
    };
    const decided = formatResult({ ...result, journeys: [{ ...welcome, experiments: [{ ...experiment, decision }] }] });
    expect(decided).toContain(
      '    winner story: opens rate 12.4% against 10.0% for the control (z 1.70, p 0.0444 < α 5.00%)',
    );
  });
});
