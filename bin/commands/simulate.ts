import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCanonicalNdjson } from '../../functions/adapters/backfill/ndjson.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import type { CanonicalEvent } from '../../functions/domain/events.js';
import { decisionSummary } from '../../functions/domain/experiments.js';
import { moneyFormatter } from '../../functions/domain/money.js';
import { LIFT_MINIMUM_GROUP, type LiftFigures } from '../../functions/domain/reporting/lift.js';
import type { TimelineEntry } from '../../functions/domain/timeline.js';
import type { ResponseSettingsInput } from '../../functions/simulation/response-model.js';
import { type SimulationResult, simulate } from '../../functions/simulation/simulator.js';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';
import { CliError } from './cli-error.js';
import { progressLine } from './progress.js';

export const SIMULATE_HELP = `Usage: lifecycle simulate [--customers N] [--days D] [--seed S] [--start DATE] [--response JSON]
       lifecycle simulate --events FILE.ndjson [--until DATE] [--seed S] [--response JSON]

Plays the journeys of lifecycle.config.ts over a stream of events, in memory, on a simulated clock, with
the same code as the deployed functions: guardrails, the daily model job, attribution. Nothing is sent and
nothing is written. Prints, per journey, the runs entered, each email step sent / deferred / dropped /
suppressed, the exits by reason, the conversions and the attributed revenue. The same options and seed
always give the same figures.

Reading the output, per journey:
  entered        runs started: customers the journey's trigger took in (one entering again counts again)
  completed      runs that went through every step
  exited         runs ended early; "exits" gives the reasons: the goal reached (event:order.placed),
                 the customer left the journey's segment (left:…), the holdout group, an unsubscribe or a
                 bounced address (suppressed:…)
  still running  runs under way when the period ended
Then one line per email step (its template in parentheses when it has another name), whose sends were:
  sent           handed to the mail service (here: counted, not sent)
  deferred       held back by quiet hours or the frequency cap, to go later; deferred twice counts 2
  dropped        given up: held back longer than the step's staleAfter (too late to be worth sending),
                 or refused by the mail service for too long
  suppressed     not sent because the person may not get it: unsubscribed, consent pending, a bounced or
                 complaining address, sunset, or the topic opted out; this ends the run
  skipped        nothing worth sending (no product to recommend, checkout completed); the run goes on
                 (shown when not 0)
  failed         the mail service refused the attempt; it is retried (shown when not 0)
  converted      orders placed within the journey's goal window after one of its emails
  revenue        the net value of those orders
For a journey whose emails carry single-use codes (an offer), shown when any was issued:
  offers issued  codes its sends were given, one per send
  redeemed       orders that used one of those codes while it worked
  redemption rate redeemed / offers issued
  offer revenue  the value of the orders that redeemed a code
For a send step with an experiment (docs/campaigns.md#experiments), one line per variant: its sends, opens,
clicks and conversions (each with its rate per send) and revenue, then the winner and why, "no significant
difference: control", or "not decided yet".
For a journey with a split's holdout, a "lift:" line (docs/campaigns.md, "Lift"):
  treated        runs that went into a variant of the split
  holdout        runs that fell in its holdout, which got no email
  conversion     each group's share with an order in the goal window after the split, treated vs holdout,
                 then the difference in points with its 95% interval; revenue per customer of each
                 group; the verdict (higher, lower, no difference shown), or not enough data below 30
With --response, per journey:
  opened         opens the simulated recipients reported
  clicked        clicks they reported

The events come from the built-in synthetic storefront (a coffee shop whose customers sign up, buy,
come back or drift away, abandon checkouts and unsubscribe), or from a file of canonical events.
Simulated customers do not read their email unless --response says how they respond: then conversions
are the orders that fell in a goal window plus those the clicks brought; without it, the baseline any
real lift adds to. An order of a synthetic customer holding a single-use
code an email gave them (unexpired, unused) uses it half the time; orders from --events are played as
recorded.

Options:
  --customers N    synthetic customers arriving over the period (default: 500)
  --days D         length of the synthetic period in days (default: 365)
  --start DATE     start of the synthetic period (default: 2026-01-01)
  --events FILE    canonical events, one JSON object per line, instead of the synthetic storefront
  --until DATE     keep the clock running to this time after the last event
  --seed S         seed of every random draw (default: 1)
  --response JSON  how recipients respond, e.g. '{"purchaseLift":0.5}': open, click, purchaseLift, window,
                   baseRate, byVariant (defaults: open 0.2, click 0.1, purchaseLift 1, window P7D)
  --customer EMAIL print this customer's profile and full timeline as well
  --json           print the result as JSON
  -h, --help       show this help`;

const DEFAULT_START = '2026-01-01T00:00:00Z';
const DAY_MS = 86_400_000;

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      events: { type: 'string' },
      until: { type: 'string' },
      seed: { type: 'string' },
      customer: { type: 'string' },
      response: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(SIMULATE_HELP);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (see --help)`);
  const seed = integer(values.seed ?? '1', '--seed', 0);
  const config = await loadConfigFile();

  let events: CanonicalEvent[];
  let start: Date | undefined;
  let end: Date | undefined;
  if (values.events !== undefined) {
    for (const option of ['customers', 'days', 'start'] as const) {
      if (values[option] !== undefined)
        throw new CliError(`--${option} describes the synthetic storefront; it cannot go with --events`);
    }
    events = await readEvents(values.events);
    end = values.until === undefined ? undefined : date(values.until, '--until');
  } else {
    if (values.until !== undefined)
      throw new CliError('--until goes with --events; the synthetic period ends after --days');
    const customers = integer(values.customers ?? '500', '--customers', 1);
    const days = integer(values.days ?? '365', '--days', 1);
    start = date(values.start ?? DEFAULT_START, '--start');
    end = new Date(start.getTime() + days * DAY_MS);
    events = generateStorefront({ customers, days, start, seed });
  }

  const progress = progressLine('simulate');
  const started = Date.now();
  const simulation = await simulate({
    config,
    events,
    seed,
    start,
    end,
    // Recorded orders carry the codes their customers used: none of the simulation's.
    ...(values.events !== undefined ? { offerUseShare: 0 } : {}),
    ...(values.response !== undefined ? { response: responseOption(values.response) } : {}),
    // The one timeline the report shows, if any: the others are most of a simulation's memory.
    timelinesOf: values.customer === undefined ? [] : [values.customer],
    onProgress: ({ at, events: played }) =>
      progress.update(`${at.toISOString().slice(0, 10)}, ${played} of ${events.length} events`),
  });
  progress.done(`${events.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const customer = values.customer === undefined ? undefined : await simulation.customer(values.customer);
  if (values.customer !== undefined && customer === undefined) {
    throw new CliError(
      `no customer "${values.customer}" in the simulation${simulation.result.busiestCustomer ? ` (try ${simulation.result.busiestCustomer})` : ''}`,
    );
  }
  if (values.json) {
    console.log(
      JSON.stringify(customer === undefined ? simulation.result : { ...simulation.result, customer }, null, 2),
    );
    return;
  }
  console.log(formatResult(simulation.result));
  if (customer !== undefined) {
    console.log(
      `\nCustomer ${values.customer}: ${customer.customer.stage}, ${customer.customer.metrics.orderCount} orders`,
    );
    console.log(customer.timeline.map(formatTimelineEntry).join('\n'));
  }
}

async function readEvents(file: string): Promise<CanonicalEvent[]> {
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  const events: CanonicalEvent[] = [];
  const rejected: string[] = [];
  for await (const item of readCanonicalNdjson(createReadStream(file, { encoding: 'utf8' }))) {
    if (item.kind === 'event') events.push(item.event);
    else rejected.push(`line ${item.line}: ${item.reason}`);
  }
  if (rejected.length > 0) {
    const shown = rejected.slice(0, 10).join('\n  ');
    throw new CliError(
      `${rejected.length} lines of ${file} are not canonical events:\n  ${shown}${rejected.length > 10 ? '\n  …' : ''}`,
    );
  }
  if (events.length === 0) throw new CliError(`${file} holds no events`);
  return events;
}

/** `--response`: a JSON object of the response model's settings (checked by the simulator). */
function responseOption(text: string): ResponseSettingsInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('--response must be a JSON object such as \'{"purchaseLift":0.5}\'');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError('--response must be a JSON object such as \'{"purchaseLift":0.5}\'');
  const known = ['open', 'click', 'purchaseLift', 'window', 'baseRate', 'byVariant'];
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new CliError(`--response has no setting ${unknown}; it takes ${known.join(', ')}`);
  return value as ResponseSettingsInput;
}

function integer(text: string, option: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new CliError(`${option} must be a whole number of at least ${min}, not "${text}"`);
  return value;
}

function date(text: string, option: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw new CliError(`${option} must be a date such as 2026-01-01, not "${text}"`);
  return value;
}

/** The per-journey table a marketer reads. */
export function formatResult(result: SimulationResult): string {
  const money = moneyFormatter(result.currency);
  const lines = [
    `Simulated ${result.from.slice(0, 10)} to ${result.to.slice(0, 10)} (seed ${result.seed}): ${result.events.played} events, ${result.customers} customers, ${result.emails.sent} emails, ${result.modelRuns} model runs.`,
  ];
  if (result.events.duplicates > 0 || result.events.ignored > 0) {
    lines.push(`${result.events.duplicates} duplicate events ignored, ${result.events.ignored} events about nobody.`);
  }
  const labelWidth = Math.max(
    0,
    ...result.journeys.flatMap((journey) => journey.steps.map((s) => stepLabel(s).length)),
  );
  for (const journey of result.journeys) {
    lines.push(
      '',
      `${journey.name} (${journey.journeyId})`,
      `  entered ${journey.entered}, completed ${journey.completed}, exited ${journey.exited}, still running ${journey.active}`,
    );
    const exits = Object.entries(journey.exits);
    if (exits.length > 0) lines.push(`  exits: ${exits.map(([reason, count]) => `${reason} ${count}`).join(', ')}`);
    for (const step of journey.steps) {
      const parts = [
        `sent ${step.sent}`,
        `deferred ${step.deferred}`,
        `dropped ${step.dropped}`,
        `suppressed ${step.suppressed}`,
      ];
      if (step.skipped > 0) parts.push(`skipped ${step.skipped}`);
      if (step.failed > 0) parts.push(`failed ${step.failed}`);
      lines.push(`  ${stepLabel(step).padEnd(labelWidth)}  ${parts.join(', ')}`);
    }
    for (const experiment of journey.experiments ?? []) {
      lines.push(
        `  experiment on ${experiment.stepId} (${experiment.metric}, test share ${Math.round(experiment.testShare * 100)}%):`,
      );
      const width = Math.max(...experiment.variants.map((variant) => variant.variantId.length));
      for (const variant of experiment.variants) {
        const rate = (count: number) => (variant.sent === 0 ? '' : ` (${((count / variant.sent) * 100).toFixed(1)}%)`);
        lines.push(
          `    ${variant.variantId.padEnd(width)}  sent ${variant.sent}, opened ${variant.opened}${rate(variant.opened)}, clicked ${variant.clicked}${rate(variant.clicked)}, converted ${variant.converted}${rate(variant.converted)}, revenue ${money(variant.revenue)}`,
        );
      }
      lines.push(
        `    ${experiment.decision ? decisionSummary(experiment.decision.outcome, experiment.metric) : experiment.testShare < 1 ? 'not decided yet' : 'a plain split: no winner is chosen'}`,
      );
    }
    if (result.responses) lines.push(`  opened ${journey.opened}, clicked ${journey.clicked}`);
    lines.push(`  converted ${journey.converted}, revenue ${money(journey.revenue)}`);
    if (journey.lift) lines.push(`  ${formatLift(journey.lift, money)}`);
    if (journey.offersIssued > 0 || journey.offersRedeemed > 0) {
      const rate = journey.offersIssued === 0 ? 0 : (journey.offersRedeemed / journey.offersIssued) * 100;
      lines.push(
        `  offers issued ${journey.offersIssued}, redeemed ${journey.offersRedeemed}, redemption rate ${rate.toFixed(1)}%, offer revenue ${money(journey.offerRevenue)}`,
      );
    }
  }
  if (result.busiestCustomer !== undefined) {
    const emails = result.busiestCustomerEmails ?? 0;
    lines.push(
      '',
      `The customer with the most emails: ${result.busiestCustomer}, ${emails} ${emails === 1 ? 'email' : 'emails'} (see --customer).`,
    );
  }
  lines.push('', 'What each figure means: lifecycle simulate --help.');
  return lines.join('\n');
}

/** One line on a journey's lift: the groups, the difference with its interval, revenue per customer, the verdict. */
function formatLift(lift: LiftFigures, money: (minor: number) => string): string {
  const groups = `treated ${lift.treated.customers}, holdout ${lift.holdout.customers}`;
  const { conversion, revenuePerCustomer: revenue } = lift;
  if (!conversion || !revenue) return `lift: ${groups}: not enough data (${LIFT_MINIMUM_GROUP} needed in each)`;
  const pts = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)}`;
  const rate = (share: number) => `${(share * 100).toFixed(1)}%`;
  const verdicts = {
    higher: 'higher',
    lower: 'lower',
    no_difference_shown: 'no difference shown',
    not_enough_data: '',
  };
  return [
    `lift: ${groups}; conversion ${rate(conversion.treatedRate)} vs ${rate(conversion.holdoutRate)},`,
    `${pts(conversion.difference)} pts (95% ${pts(conversion.interval.low)} to ${pts(conversion.interval.high)});`,
    `revenue per customer ${money(revenue.treated)} vs ${money(revenue.holdout)}; ${verdicts[lift.verdict]}`,
  ].join(' ');
}

/** A step by its id, and its template too when that has another name. */
function stepLabel(step: SimulationResult['journeys'][number]['steps'][number]): string {
  return step.template === undefined || step.template === step.stepId
    ? step.stepId
    : `${step.stepId} (${step.template})`;
}

function formatTimelineEntry(entry: TimelineEntry): string {
  const { at, kind, ...rest } = entry as TimelineEntry & Record<string, unknown>;
  const details = Object.entries(rest)
    .filter(([key, value]) => value !== undefined && key !== 'runId')
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return `  ${String(at).slice(0, 16).replace('T', ' ')}  ${String(kind).padEnd(18)} ${details}`;
}
