import { describe, expect, it } from 'vitest';
import { exploreExhaustively, exploreRandom, formatCounterexample, replay } from './explore.js';
import { seededChoices } from './scheduler.js';
import { drawScenario, type Scenario } from './world.js';

/*
 * The sending guarantees of docs/journeys.md, checked over schedules of the engine's concurrent actors
 * (tests/explorer): two or three dispatchers, the customer and engagement functions, with crashes and
 * failed calls at any step and clocks that disagree. A fixed budget here; more on demand with
 * `npm run explore -- --schedules 100000`. A failure prints the seed that replays it and its trace.
 */

const SEED = Number(process.env.EXPLORE_SEED ?? 20_261_206);
const SCHEDULES = Number(process.env.EXPLORE_SCHEDULES ?? 1_500);

describe('the interleaving explorer', () => {
  it(`finds no broken guarantee in ${SCHEDULES} random schedules (seed ${SEED})`, async () => {
    const { played, found } = await exploreRandom({ seed: SEED, schedules: SCHEDULES });
    expect(found.map(formatCounterexample)).toEqual([]);
    expect(played).toBe(SCHEDULES);
  }, 300_000);

  it('finds none in any interleaving of two dispatchers and an order with up to two preemptions', async () => {
    const scenario: Scenario = {
      start: '2026-06-01T12:00:00Z',
      timezone: 'UTC',
      quietHours: { start: '21:00', end: '08:00' },
      dispatchers: [
        { name: 'dispatcher-A', skewMs: 0, ticks: 1 },
        { name: 'dispatcher-B', skewMs: 1_000, ticks: 1 },
      ],
      events: [{ kind: 'order' }],
    };
    const { played, complete, found } = await exploreExhaustively(scenario, { preemptions: 2, limit: 5_000 });
    expect(found.map(formatCounterexample)).toEqual([]);
    expect(played).toBeGreaterThan(100);
    expect(complete, `${played} schedules were not all of them`).toBe(true);
  }, 300_000);

  it('replays a seed: the same schedule, the same trace', async () => {
    const first = await replay(SEED + 7);
    const again = await replay(SEED + 7);
    expect(again.trace).toEqual(first.trace);
    expect(again.scenario).toEqual(drawScenario(seededChoices(SEED + 7)));
  });
});
