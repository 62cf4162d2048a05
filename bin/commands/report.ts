import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { renderReport } from '../../functions/adapters/report/render-report.js';
import { systemClock } from '../../functions/adapters/system-clock.js';
import { buildStoreReport } from '../../functions/domain/services/store-report.js';
import { CliError } from './cli-error.js';
import { OUTPUT_DIRECTORY, writeOutput } from './output.js';
import { progressLine } from './progress.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const REPORT_HELP = `Usage: lifecycle report [--out FILE] [--stack NAME | --table NAME]

Writes one self-contained HTML file for marketers: headline figures, RFM grid and segments, cohort
retention, CLV by acquisition source, AOV and latency by segment, lifecycle stages, journey figures and
the model's confidence. Reads the whole table once.

Options:
  --out FILE       where to write the report (default: ${OUTPUT_DIRECTORY}/lifecycle-report.html)
${STORE_HELP}
  -h, --help       show this help`;

export async function reportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...STORE_OPTIONS, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(REPORT_HELP);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (see --help)`);
  const local = isLocal(values);
  const config = await loadConfigFile();
  const store = await storeFromOptions(values);
  const progress = progressLine('report');
  const data = await withStore(
    () =>
      buildStoreReport(
        { store, clock: systemClock, config },
        { onProgress: (customers) => progress.update(`${customers} customers read`) },
      ),
    local,
  );
  progress.done(`${data.totals.customers} customers read`);
  const out = writeOutput(values.out, 'lifecycle-report.html', renderReport(data));
  console.log(`Wrote ${out}: ${data.totals.customers} customers, ${data.totals.orders} orders.`);
}
