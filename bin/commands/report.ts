import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { renderReport } from '../../functions/adapters/report/render-report.js';
import { systemClock } from '../../functions/adapters/system-clock.js';
import { buildStoreReport } from '../../functions/domain/services/store-report.js';
import { CliError, portFromEnv } from './cli-error.js';
import { OUTPUT_DIRECTORY, writeOutput } from './output.js';
import { progressLine } from './progress.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const REPORT_HELP = `Usage: lifecycle report [--out FILE] [--stack NAME | --table NAME]
       lifecycle report --email

Writes one self-contained HTML file for marketers: headline figures, RFM grid and segments, cohort
retention, CLV by acquisition source, AOV and latency by segment, lifecycle stages, journey figures and
the model's confidence. Reads the whole table once.

--email runs the weekly report job of the local runtime now (PORT, started with npm start): the report is
kept in ${OUTPUT_DIRECTORY}/reports/ and the week's figures are mailed to report.recipients of
lifecycle.config.ts with a link to it. A deployed stack runs the job on its schedule.

Options:
  --out FILE       where to write the report (default: ${OUTPUT_DIRECTORY}/lifecycle-report.html)
  --email          mail the weekly report now, through the local runtime
${STORE_HELP}
  -h, --help       show this help`;

export async function reportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      out: { type: 'string' },
      email: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(REPORT_HELP);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (see --help)`);
  const local = isLocal(values);
  if (values.email) return emailWeeklyReport(values, local);
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

/** `--email`: the local runtime's weekly report job, run now. */
async function emailWeeklyReport(values: { out?: string | undefined }, local: boolean): Promise<void> {
  if (!local) {
    throw new CliError(
      "--email runs the local runtime's job; a deployed stack mails the report on its schedule (docs/operations.md)",
    );
  }
  if (values.out !== undefined)
    throw new CliError("--email keeps the report in the runtime's reports directory: leave out --out");
  const port = portFromEnv('PORT', 3000);
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/_local/jobs/weekly-report`, {
      method: 'POST',
      signal: AbortSignal.timeout(120_000),
    });
  } catch {
    throw new CliError(
      `the local runtime is not running (nothing answers on port ${port}, PORT): start it with npm start`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as { reportId?: string; sent?: number; message?: string };
  if (!response.ok) throw new CliError(answer.message ?? `the local runtime answered ${response.status}`);
  console.log(
    `Kept the weekly report ${answer.reportId} in ${OUTPUT_DIRECTORY}/reports/ and mailed it to ${answer.sent} recipients (see the inbox page).`,
  );
}
