import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { wholeBill } from './bill.js';
import { bundleSizes } from './bundles.js';
import { type BenchContext, UsageError } from './context.js';
import { costProjection } from './cost.js';
import { dispatcherDrain } from './dispatcher.js';
import { type Engines, startEngines } from './engines.js';
import { fanOutCampaign } from './fanout.js';
import { idleTick } from './idle-tick.js';
import { modelJobRun } from './modeljob.js';
import { formatSections, type Section } from './report.js';
import { simulatorRun } from './simulator.js';
import { unitsPerEvent } from './units.js';
import { webhookIngest } from './webhooks.js';

const HELP = `Usage: npm run bench -- [--quick] [--only NAME[,NAME…]] [--ses-rate N] [--rated-sends N]
                     [--fanout-store dynamodb|memory] [--fanout-recipients N]
                     [--sim-customers N] [--sim-days N] [--bundle-files NAME]

Measures the product on this machine against the real local engines (DynamoDB Local and the local SES,
started on free ports and stopped at the end), prints a table and writes the same figures as JSON to
bench-results/<timestamp>.json. docs/performance.md explains each figure.

Figures (NAME for --only):
  webhooks    webhook ingest per source: events/s, p50/p99 handler latency
  units       DynamoDB read/write units and AWS calls per business event
  dispatcher  time to drain 10,000 due sends: unlimited (local SES, counting mailer), at an SES rate
  idle        a dispatcher tick with nothing due, at 1,000 / 10,000 / 100,000 customers
  simulator   10,000 customers over 365 days in the simulator: wall time, peak memory
  bundles     each Lambda bundle: size and cold initialisation
  cost        projected AWS cost (needs units and idle; runs them if not selected)
  fanout      a campaign to 100,000 recipients drained by parallel workers: emails/s, the
              projection for 1,000,000 at 1,000/s, cost per 1,000 emails
  bill        the whole bill a month at 1,000 to 1,000,000 profiles: what a stack costs whatever
              it sends (metrics, alarms, dashboard, secrets, schedules, logs, storage) and what
              it sends, next to Customer.io and Klaviyo (needs cost)
  modeljob    the daily model job at 100,000 and 1,000,000 synthetic customers: time, CPU,
              peak memory, read and write units, the scan's projection on DynamoDB

Options:
  --quick        smaller sizes, to try it
  --only NAMES   only these figures (comma-separated)
  --ses-rate N   SES send rate of the rate-limited drain, emails/s (default: 14, the
                 starting rate of a production SES account, and what the local SES reports)
  --rated-sends N  sends of the rate-limited drain (default: one minute at the rate;
                 10000 measures the whole backlog, which takes 10000 / rate seconds)
  --fanout-store dynamodb|memory  the store of the fanout figure (default: dynamodb, DynamoDB Local;
                 100,000 recipients take about 50 minutes there). memory: the emulated table in
                 memory, store calls counted by kind, with the units per email of a 2,000-recipient
                 run on DynamoDB Local beside it
  --fanout-recipients N  recipients of the fanout figure (default: 100000; 2000 with --quick)
  --sim-customers N  customers of the simulator figure (default: 10000; 1000 with --quick)
  --sim-days N   days of the simulator figure (default: 365)
  --bundle-files NAME  the bundles figure also lists every file of function NAME's bundle
                 (webhook, customer, …) with the minified bytes it contributes
  -h, --help     show this help`;

interface Figure {
  readonly id: string;
  readonly needs?: readonly string[];
  readonly run: (context: BenchContext) => Promise<Section>;
}

/** The figures in the order of their numbers (docs/performance.md), which is the order they run and print in. */
const FIGURES: readonly Figure[] = [
  { id: 'webhooks', run: webhookIngest },
  { id: 'units', run: unitsPerEvent },
  { id: 'dispatcher', run: dispatcherDrain },
  { id: 'idle', run: idleTick },
  { id: 'simulator', run: simulatorRun },
  { id: 'bundles', run: bundleSizes },
  { id: 'cost', needs: ['units', 'idle'], run: costProjection },
  { id: 'fanout', run: fanOutCampaign },
  { id: 'bill', needs: ['cost'], run: wholeBill },
  { id: 'modeljob', run: modelJobRun },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'ses-rate': { type: 'string' },
      'rated-sends': { type: 'string' },
      'fanout-store': { type: 'string' },
      'fanout-recipients': { type: 'string' },
      'sim-customers': { type: 'string' },
      'sim-days': { type: 'string' },
      'bundle-files': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const known = new Set(FIGURES.map((figure) => figure.id));
  const wanted = values.only ? values.only.split(',').map((name) => name.trim()) : [...known];
  for (const name of wanted) {
    if (!known.has(name)) throw new UsageError(`unknown figure "${name}" (one of ${[...known].join(', ')})`);
  }
  const sesRate = Number(values['ses-rate'] ?? '14');
  if (!(sesRate > 0)) throw new UsageError('--ses-rate must be a positive number of emails per second');
  const ratedSends = values['rated-sends'] === undefined ? undefined : Number(values['rated-sends']);
  if (ratedSends !== undefined && !(Number.isInteger(ratedSends) && ratedSends > 0)) {
    throw new UsageError('--rated-sends must be a whole number of sends');
  }
  const fanoutStore = values['fanout-store'] ?? 'dynamodb';
  if (fanoutStore !== 'dynamodb' && fanoutStore !== 'memory') {
    throw new UsageError('--fanout-store must be dynamodb or memory');
  }
  const [fanoutRecipients, simCustomers, simDays] = (['fanout-recipients', 'sim-customers', 'sim-days'] as const).map(
    (option) => {
      const value = values[option] === undefined ? undefined : Number(values[option]);
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new UsageError(`--${option} must be a positive whole number`);
      }
      return value;
    },
  );
  // A figure's inputs run first, even when not asked for.
  const selected = new Set<string>();
  const add = (id: string) => {
    for (const need of FIGURES.find((figure) => figure.id === id)?.needs ?? []) add(need);
    selected.add(id);
  };
  for (const name of wanted) add(name);

  const started = Date.now();
  let engines: Promise<Engines> | undefined;
  const context: BenchContext = {
    quick: values.quick,
    sesRate,
    ratedSends,
    fanoutStore,
    fanoutRecipients,
    simCustomers,
    simDays,
    bundleFiles: values['bundle-files'],
    engines: () => {
      engines ??= startEngines();
      return engines;
    },
    results: new Map(),
    log: (line) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s  ${line}\n`),
  };
  const sections: Section[] = [];
  try {
    for (const figure of FIGURES) {
      if (!selected.has(figure.id)) continue;
      context.log(`${figure.id} …`);
      const section = await figure.run(context);
      context.results.set(section.id, section);
      sections.push(section);
    }
  } finally {
    if (engines) await (await engines).stop();
  }

  const seconds = (Date.now() - started) / 1000;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`;
  console.log(`Lifecycle engine bench${values.quick ? ' (--quick)' : ''}: ${new Date().toISOString()}`);
  console.log(`Machine: ${machine}`);
  console.log(formatSections(sections));
  console.log(`\nTotal run time: ${(seconds / 60).toFixed(1)} min (${seconds.toFixed(0)} s)`);

  mkdirSync('bench-results', { recursive: true });
  const file = join('bench-results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        quick: values.quick,
        only: values.only ?? null,
        machine,
        runSeconds: seconds,
        figures: Object.fromEntries(sections.map((section) => [section.id, section])),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Figures written to ${file}`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message} (see --help)`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
