import { ScriptedChoices, seededChoices } from './scheduler.js';
import { drawScenario, playWorld, type Scenario } from './world.js';

/** A schedule that broke a promise: how to play it again, and what happened. */
export interface Counterexample {
  /** The seed that replays it (random mode), or the script of choices (exhaustive mode). */
  readonly seed?: number;
  readonly script?: readonly number[];
  readonly scenario: Scenario;
  readonly violations: readonly string[];
  readonly trace: readonly string[];
}

export interface ExploreOptions {
  /** The first seed; schedule i plays seed + i. */
  readonly seed: number;
  readonly schedules: number;
  /** How likely a step fails or crashes, and how many faults a schedule gets at most. */
  readonly faults?: { readonly probability: number; readonly max: number };
  /** Stop at the first counterexample. @default true */
  readonly stopAtFirst?: boolean;
}

export const DEFAULT_FAULTS = { probability: 0.08, max: 2 } as const;

/** Plays `schedules` random schedules, each from its own seed. */
export async function exploreRandom(options: ExploreOptions): Promise<{ played: number; found: Counterexample[] }> {
  const found: Counterexample[] = [];
  let played = 0;
  for (let i = 0; i < options.schedules; i++) {
    const seed = options.seed + i;
    const result = await replay(seed, options.faults);
    played++;
    if (result.violations.length > 0) {
      found.push(result);
      if (options.stopAtFirst ?? true) break;
    }
  }
  return { played, found };
}

/** Plays the schedule of one seed again: the same seed, the same schedule, the same trace. */
export async function replay(seed: number, faults: ExploreOptions['faults'] = DEFAULT_FAULTS): Promise<Counterexample> {
  const choices = seededChoices(seed);
  const scenario = drawScenario(choices);
  const { violations, trace } = await playWorld(scenario, choices, { faults });
  return { seed, scenario, violations, trace };
}

/**
 * Every schedule of a scenario with at most `preemptions` preemptions, depth first: every order in which its
 * actors' steps can interleave within that bound (no faults, no leaps of time), up to `limit` schedules.
 */
export async function exploreExhaustively(
  scenario: Scenario,
  options: { readonly preemptions: number; readonly limit: number },
): Promise<{ played: number; complete: boolean; found: Counterexample[] }> {
  const limit = options.limit;
  const found: Counterexample[] = [];
  let script: number[] | undefined = [];
  let played = 0;
  while (script !== undefined && played < limit) {
    const choices = new ScriptedChoices(script);
    const { violations, trace } = await playWorld(scenario, choices, {
      faults: { probability: 0, max: 0 },
      leaps: false,
      preemptions: options.preemptions,
    });
    played++;
    if (violations.length > 0) found.push({ script, scenario, violations, trace });
    script = choices.next();
  }
  return { played, complete: script === undefined, found };
}

/** A counterexample, readable: the seed to replay it, what broke, and the schedule that broke it. */
export function formatCounterexample(example: Counterexample): string {
  return [
    example.seed !== undefined
      ? `seed ${example.seed} (replay: npm run explore -- --replay ${example.seed})`
      : `script ${JSON.stringify(example.script)}`,
    `scenario: ${JSON.stringify(example.scenario)}`,
    'broken:',
    ...example.violations.map((v) => `  - ${v}`),
    'schedule:',
    ...example.trace,
  ].join('\n');
}
