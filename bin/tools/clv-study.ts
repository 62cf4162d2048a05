import { parseArgs } from 'node:util';
import {
  CDNOW_SCENARIO,
  REGULARS_SCENARIO,
  type StudyRow,
  studyRow,
  studyTable,
} from '../../functions/simulation/clv-study.js';
import { createRandom } from '../../functions/simulation/random.js';

// The CLV models' simulation study (docs/intelligence.md): prints a markdown table. Seeded: the same
// arguments always print the same table.
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    // Multiplies every size's number of stores: 0.1 for a quick look.
    scale: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '50,250,2500,25000' },
  },
});
const seed = Number(values.seed);
const scale = Number(values.scale);
const sizes = values.sizes.split(',').map(Number);
if (!Number.isFinite(seed) || !(scale > 0) || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
  console.error('usage: npm run study:clv -- [--seed N] [--scale FACTOR] [--sizes 50,250,2500,25000]');
  process.exit(2);
}
/** Stores per size at scale 1: as many as fit in a few minutes on two cores. */
const STORES: Record<number, number> = { 50: 400, 250: 200, 2500: 40, 25000: 6 };
const random = createRandom(seed);
const rows: StudyRow[] = [];
const started = Date.now();
for (const scenario of [CDNOW_SCENARIO, REGULARS_SCENARIO]) {
  for (const size of sizes) {
    const stores = Math.max(2, Math.round((STORES[size] ?? Math.max(4, 100_000 / size)) * scale));
    rows.push(studyRow(scenario, size, stores, random.fork(scenario.name)));
    console.error(
      `${scenario.name}, ${size} customers: ${stores} stores, ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }
}
console.log(studyTable(rows));
