import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import { stepById } from '../../functions/domain/journeys/definition.js';
import { formatMoney } from '../../functions/domain/money.js';
import { type CustomerView, customerView } from '../../functions/domain/services/customer-view.js';
import type { TimelineEntry } from '../../functions/domain/timeline.js';
import { printable } from '../../functions/local/console-logs.js';
import { CliError } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, storeNow, withStore } from './stack-store.js';

export const CUSTOMER_HELP = `Usage: lifecycle customer show EMAIL [--json] [--stack NAME | --table NAME] [--region REGION]

Shows where a customer stands: stage, segments, key metrics and predictions, the emails due next and the
latest entries of the timeline. With --json, prints the whole customer document instead (profile,
consent, stage, metrics, segments, journeys and timeline), the same document as
GET /_local/customers/{email}.

Stage, segments and the metrics that move with time are as of now: for the local runtime, its business
clock (moved by POST /_local/clock, read from the runtime on PORT); for a deployed stack, the wall clock.

Options:
  --json           print the customer document as JSON
  --timeline N     entries of the timeline to show (default 10)
${STORE_HELP}
  -h, --help       show this help`;

/** Timeline entries the readable view shows unless --timeline says otherwise. */
const TIMELINE_SHOWN = 10;

export async function customer(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      json: { type: 'boolean', default: false },
      timeline: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(CUSTOMER_HELP);
    return;
  }
  const [action, email, extra] = positionals;
  if (action !== 'show' || !email) throw new CliError('usage: lifecycle customer show EMAIL (see --help)');
  if (extra !== undefined) throw new CliError(`unexpected argument "${extra}" (see --help)`);
  const shown = values.timeline === undefined ? TIMELINE_SHOWN : Number(values.timeline);
  if (!Number.isInteger(shown) || shown < 0 || shown > 200) {
    throw new CliError(`--timeline must be a whole number from 0 to 200, not "${values.timeline}"`);
  }
  const local = isLocal(values);
  const config = await loadConfigFile();
  const store = await storeFromOptions(values);
  const now = await storeNow(values);
  const view = await withStore(
    async () => customerView(store, email, { now, config, model: await store.loadModel() }),
    local,
  );
  if (!view) throw new CliError('no customer with this email address');
  console.log(values.json ? JSON.stringify(view, null, 2) : customerText(view, { now, config, local, shown }));
}

/**
 * The readable view of a customer document: what a person looking a customer up wants first. Only the
 * address asked for and ids: no name, no consent proof (IP, user agent); the timeline carries ids only.
 */
export function customerText(
  view: CustomerView,
  options: { readonly now: Date; readonly config: LifecycleConfig; readonly local: boolean; readonly shown: number },
): string {
  const { customer } = view;
  const { metrics } = customer;
  const money = (value: { amount: number; currency: string } | undefined) =>
    value === undefined ? undefined : formatMoney(value.amount, value.currency);
  const lines: string[] = [printable(`${customer.email}  (${customer.id})`, 300), ''];
  const row = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`  ${label.padEnd(13)} ${value}`);
  };

  row(
    'Stage',
    `${customer.stage}  (as of ${when(options.now)}${options.local ? ', business time of the local runtime' : ''})`,
  );
  row('Segments', customer.segments.length > 0 ? customer.segments.join(', ') : 'none');
  row(
    'Email',
    [
      customer.consent.email,
      customer.consent.source ? `via ${printable(customer.consent.source, 80)}` : undefined,
      customer.suppressed
        ? `suppressed (${printable(customer.suppressed.reason, 40)}) since ${when(customer.suppressed.at)}`
        : undefined,
    ]
      .filter(Boolean)
      .join(', '),
  );
  row(
    'Orders',
    [
      `${metrics.orderCount}`,
      `revenue ${money(metrics.revenue)}`,
      metrics.averageOrderValue ? `average ${money(metrics.averageOrderValue)}` : undefined,
    ]
      .filter(Boolean)
      .join(', '),
  );
  if (metrics.lastOrderAt) {
    row(
      'Last order',
      [
        `${when(metrics.lastOrderAt)}`,
        metrics.daysSinceLastOrder !== undefined ? `${Math.floor(metrics.daysSinceLastOrder)} days ago` : undefined,
        metrics.expectedNextOrderAt ? `next expected ${when(metrics.expectedNextOrderAt)}` : undefined,
        metrics.lateByDays !== undefined && metrics.lateByDays > 0
          ? `${Math.floor(metrics.lateByDays)} days late`
          : undefined,
      ]
        .filter(Boolean)
        .join(', '),
    );
  }
  if (metrics.predictedClv12m || metrics.probabilityAlive !== undefined) {
    row(
      'Predictions',
      [
        metrics.predictedClv12m ? `CLV 12 months ${money(metrics.predictedClv12m)}` : undefined,
        metrics.predictedOrders12m !== undefined ? `${metrics.predictedOrders12m.toFixed(1)} orders` : undefined,
        metrics.probabilityAlive !== undefined ? `active ${percent(metrics.probabilityAlive)}` : undefined,
        metrics.churnRisk !== undefined ? `churn risk ${percent(metrics.churnRisk)}` : undefined,
        metrics.predictionConfidence ? `${metrics.predictionConfidence} confidence` : undefined,
      ]
        .filter(Boolean)
        .join(', '),
    );
  }
  if (customer.rfm) row('RFM', `R${customer.rfm.r} F${customer.rfm.f} M${customer.rfm.m}, ${customer.rfm.segment}`);

  lines.push('', 'Emails due next');
  const due = dueEmails(view, options.config);
  if (due.length === 0) lines.push('  none');
  for (const item of due) lines.push(`  ${when(item.dueAt).padEnd(22)} ${item.what.padEnd(24)} ${item.journeyId}`);

  const timeline = view.timeline.slice(-options.shown);
  if (options.shown > 0) {
    lines.push('', `Timeline (the last ${timeline.length} of ${view.timeline.length} shown; --json for all)`);
    if (timeline.length === 0) lines.push('  empty');
    for (const entry of timeline)
      lines.push(`  ${when(entry.at).padEnd(22)} ${entry.kind.padEnd(18)} ${details(entry)}`);
  }
  return lines.join('\n').trimEnd();
}

/** The runs with a step ahead, soonest first: the email a send step sends, or the step that comes next. */
function dueEmails(view: CustomerView, config: LifecycleConfig) {
  const journeys = enabledJourneys(config);
  return view.journeys
    .filter((run) => (run.status === 'active' || run.status === 'scheduled') && run.dueAt !== undefined)
    .map((run) => {
      const journey = journeys.get(run.journeyId);
      const step = journey ? stepById(journey, run.stepId) : undefined;
      const what =
        run.status === 'scheduled'
          ? 'starts'
          : step?.type === 'send'
            ? `${step.template} (${step.category})`
            : `${run.stepId ?? 'next step'} (${step?.type ?? 'step'})`;
      return { dueAt: run.dueAt as string, what, journeyId: run.journeyId };
    })
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/** A timeline entry's details (ids, never personal data) as key=value. */
function details(entry: TimelineEntry): string {
  return Object.entries(entry)
    .filter(([key, value]) => key !== 'at' && key !== 'kind' && value !== undefined)
    .map(([key, value]) => printable(`${key}=${Array.isArray(value) ? value.join(',') : String(value)}`, 120))
    .join(' ');
}

function when(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(date.getTime()) ? String(iso) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
