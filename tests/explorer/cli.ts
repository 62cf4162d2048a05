import { parseArgs } from 'node:util';
import { DEFAULT_FAULTS, exploreRandom, formatCounterexample, replay } from './explore.js';

const HELP = `Usage: npm run explore -- [--schedules N] [--seed S] [--replay SEED] [--faults P]

Plays random schedules of the engine's concurrent actors (dispatchers, the customer and engagement
functions) with faults and crashes at any step, and checks the sending guarantees of docs/journeys.md after
each. Prints the first schedule that breaks one, with the seed that replays it and its trace.

Options:
  --schedules N   how many schedules (default 2000)
  --seed S        the first seed; schedule i plays seed + i (default: the time, printed)
  --replay SEED   play one seed again and print its trace
  --faults P      how likely each step fails or crashes (default ${DEFAULT_FAULTS.probability})
  -h, --help      show this help`;

const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    replay: { type: 'string' },
    faults: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const faults = values.faults === undefined ? DEFAULT_FAULTS : { ...DEFAULT_FAULTS, probability: Number(values.faults) };

if (values.replay !== undefined) {
  const example = await replay(Number(values.replay), faults);
  console.log(formatCounterexample(example));
  process.exit(example.violations.length > 0 ? 1 : 0);
}

const seed = values.seed === undefined ? Date.now() % 1_000_000_000 : Number(values.seed);
const schedules = Number(values.schedules);
const started = Date.now();
const { played, found } = await exploreRandom({ seed, schedules, faults });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (found.length === 0) {
  console.log(`${played} schedules from seed ${seed}: every guarantee held (${seconds} s)`);
} else {
  console.log(`${played} schedules from seed ${seed} (${seconds} s): a guarantee broke\n`);
  console.log(formatCounterexample(found[0] as (typeof found)[number]));
  process.exitCode = 1;
}
