import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/domain/config.js';
import { defineJourney } from '../../functions/domain/journeys/definition.js';
import { simulate } from '../../functions/simulation/simulator.js';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';
import { storyExperiment } from '../helpers/experiments.js';

/**
 * An experiment in the simulator: each variant's sends are reported with the journey, and the decision once
 * `decideAfter` has passed. Simulated customers open nothing yet, so no variant can beat the control.
 */
describe('the simulator with an experiment', () => {
  it("reports each variant's figures and the decision: no significant difference, the control", async () => {
    const journey = defineJourney({
      id: 'ab-welcome',
      name: 'A/B welcome',
      trigger: { event: 'customer.signed_up' },
      reentry: { policy: 'once' },
      steps: [
        {
          id: 'hello',
          type: 'send',
          template: 'welcome-1',
          category: 'marketing',
          experiment: storyExperiment({ decideAfter: 'P2D' }),
        },
      ],
    });
    const config = parseConfig({
      storeName: 'Sim Coffee',
      storeUrl: 'https://coffee.example.com',
      sender: { from: 'Sim Coffee <hello@coffee.example.com>' },
      postalAddress: 'Sim Coffee, 1 Bean Street, Roastville',
      journeys: { welcomeSeries: { enabled: false } },
      customJourneys: [journey],
    });
    const start = new Date('2026-01-01T00:00:00Z');
    const end = new Date('2026-01-31T00:00:00Z');
    const events = generateStorefront({ customers: 80, days: 30, start, seed: 5 });
    const { result } = await simulate({ config, events, seed: 5, start, end });
    const simulated = result.journeys.find((j) => j.journeyId === 'ab-welcome');
    const [experiment] = simulated?.experiments ?? [];
    expect(experiment).toMatchObject({ journeyId: 'ab-welcome', stepId: 'hello', metric: 'opens', testShare: 0.5 });
    const [control, story] = experiment?.variants ?? [];
    expect(control).toMatchObject({ variantId: 'control', change: 'control', opened: 0 });
    expect(story).toMatchObject({ variantId: 'story', change: 'template welcome-2', opened: 0 });
    expect(story?.sent).toBeGreaterThan(0);
    expect((control?.sent ?? 0) + (story?.sent ?? 0)).toBe(simulated?.steps[0]?.sent);
    expect(result.emails.byTemplate['welcome-2']).toBe(story?.sent);
    expect(experiment?.decision?.outcome).toMatchObject({ winner: 'control', reason: 'no_significant_difference' });
  }, 300_000);
});
