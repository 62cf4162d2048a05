import { describe, expect, it } from 'vitest';
import { type LifecycleConfigInput, parseConfig } from '../../functions/domain/config.js';
import { type SimulatedJourney, simulate } from '../../functions/simulation/simulator.js';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';

/**
 * Simulated recipients respond to the emails (opens, clicks, and more orders for a while after a click):
 * with a lift in the response model a journey's treated group buys more than its holdout, by an interval
 * that excludes 0; without one, the interval holds 0.
 */
const measured = {
  id: 'second-order',
  name: 'Second order',
  trigger: { event: 'order.placed', where: { fact: 'orderCount', op: 'eq', value: 1 } },
  reentry: { policy: 'once' },
  audience: 'subscribers',
  goal: { event: 'order.placed', within: 'P14D' },
  topic: 'offers',
  steps: [
    { id: 'settle', type: 'wait', duration: 'P3D' },
    { id: 'test', type: 'split', variants: [{ id: 'offer', weight: 1, next: 'offer' }], holdout: { weight: 1 } },
    { id: 'offer', type: 'send', template: 'repeat-incentive', category: 'marketing' },
  ],
} as const;

// Only this journey sends: no other email takes its last touch or its place under the frequency cap.
const config = parseConfig({
  storeName: 'Sim Coffee',
  storeUrl: 'https://coffee.example.com',
  sender: { from: 'Sim Coffee <hello@coffee.example.com>' },
  postalAddress: 'Sim Coffee, 1 Bean Street, Roastville',
  journeys: {
    welcomeSeries: { enabled: false },
    postPurchase: { enabled: false },
    reviewRequest: { enabled: false },
    npsSurvey: { enabled: false },
    replenishment: { enabled: false },
    crossSell: { enabled: false },
    vip: { enabled: false },
    repeatIncentive: { enabled: false },
    winBack: { enabled: false },
    reengagement: { enabled: false },
    abandonedCheckout: { enabled: false },
    browseAbandonment: { enabled: false },
  },
  customJourneys: [measured] as unknown as LifecycleConfigInput['customJourneys'],
});
const start = new Date('2026-01-01T00:00:00Z');
const days = 180;
const end = new Date(start.getTime() + days * 86_400_000);
// A 95 % interval misses the truth for one seed in twenty: seed 3, for one, puts this journey's holdout
// above its treated group without any lift (4 of 313 against 13 of 306). Seed 4 is not such a seed.
const events = generateStorefront({ customers: 1500, days, start, seed: 4 });

async function journey(response?: Parameters<typeof simulate>[0]['response']): Promise<SimulatedJourney> {
  const { result } = await simulate({ config, events, seed: 4, start, end, response });
  const found = result.journeys.find((j) => j.journeyId === measured.id);
  if (!found) throw new Error('the measured journey did not run');
  return found;
}

describe('lift in the simulator', () => {
  it('shows a positive lift whose interval excludes 0 when a click makes customers buy more', async () => {
    const lifted = await journey({ open: 0.5, click: 0.5, purchaseLift: 20, window: 'P14D' });
    expect(lifted.opened).toBeGreaterThan(0);
    expect(lifted.clicked).toBeGreaterThan(0);
    expect(lifted.lift?.enough).toBe(true);
    expect(lifted.lift?.conversion?.difference).toBeGreaterThan(0);
    expect(lifted.lift?.conversion?.interval.low).toBeGreaterThan(0);
    expect(lifted.lift?.verdict).toBe('higher');
    expect(lifted.lift?.revenuePerCustomer?.interval.low).toBeGreaterThan(0);
  }, 300_000);

  it('shows an interval that holds 0 when emails change nothing, with the conversions of a run without responses', async () => {
    const unlifted = await journey({ purchaseLift: 0 });
    const silent = await journey();
    expect(unlifted.lift?.enough).toBe(true);
    const interval = unlifted.lift?.conversion?.interval;
    expect(interval?.low).toBeLessThan(0);
    expect(interval?.high).toBeGreaterThan(0);
    expect(unlifted.lift?.verdict).toBe('no_difference_shown');
    // Opens and clicks go through the email-feedback path: counted, yet with no lift no order changes.
    expect(unlifted.opened).toBeGreaterThan(0);
    expect(silent.opened).toBe(0);
    expect(silent.lift).toEqual(unlifted.lift);
    expect([silent.converted, silent.revenue]).toEqual([unlifted.converted, unlifted.revenue]);
  }, 300_000);
});
