import { type DispatchSummary, emptySummary } from '../functions/domain/services/dispatch/summary.js';
import { addSummary } from '../functions/handlers/dispatch-worker.js';
import { InMemoryDueWorkQueue } from '../functions/local/due-work-queue.js';
import { usageSince } from './aws-meter.js';
import type { BenchContext } from './context.js';
import { CountingMailer, createMemoryFanOutWiring, createWiring, type FanOutWiring } from './harness.js';
import { fmt, type Section } from './report.js';
import { customerTemplate, memoryCustomerTemplate, seedCustomers, seedMemoryCustomers } from './seed.js';

/** Workers of the projection: the stack's default `dispatcher.workers`. */
const WORKERS = 20;
/** Workers drained side by side here: as many as this machine's cores can keep busy against one DynamoDB Local. */
const LOCAL_WORKERS = 4;
/** The SES account of the projection: 1,000 emails a second. */
const PROJECTED_RATE = 1_000;
const PROJECTED_RECIPIENTS = 1_000_000;
/** The worker function's memory (lib/lifecycle-function.ts), GB. */
const WORKER_GB = 0.5;
/** Lambda compute on Arm (lib/lifecycle-function.ts: ARM_64), per GB-second, first tier, US East. */
const LAMBDA_PER_GB_SECOND = 0.0000133334;
/** SQS standard queue, per million requests (first tier, US East), as of June 2025. */
const SQS_PER_MILLION = 0.4;
/** The limiter's spacing: slots 2% further apart than the rate (sending-limiter.ts). */
const SPACING_MARGIN = 1.02;
/**
 * The DynamoDB round trip of the projection, ms: AWS states "single-digit millisecond performance at any
 * scale" (https://aws.amazon.com/dynamodb/); the upper end is taken.
 */
const DYNAMODB_MS = 10;
/** An SES SendEmail round trip of the projection, ms: an assumption, not measured here (the mailer only counts). */
const SES_MS = 30;
/** Customers a worker handles side by side within a message (dispatch-worker.ts, WORKER_CONCURRENCY). */
const CONCURRENCY = 8;

/** Recipients of the DynamoDB Local run beside the in-memory one (`--fanout-store memory`): `--quick`'s. */
const UNITS_RECIPIENTS = 2_000;

/** What one drain of the campaign's due runs took. */
interface Drain {
  readonly recipients: number;
  readonly seconds: number;
  /** The engine's CPU time (user + system), ms. */
  readonly cpuMs: number;
  readonly total: DispatchSummary;
  readonly passes: number;
  readonly messages: number;
  readonly workerMs: number;
  readonly plannerMs: number;
}

/** What one email asks of DynamoDB: measured on DynamoDB Local. */
interface PerEmail {
  readonly dynamoDbCalls: number;
  readonly billedWru: number;
  readonly billedRru: number;
}

/**
 * The planner puts the due runs on an in-memory queue in messages of `dispatcher.messageSize`, and
 * {@link LOCAL_WORKERS} workers drain it side by side, pass after pass, until every recipient is sent.
 */
async function drainCampaign(
  wiring: Pick<FanOutWiring, 'plan' | 'worker' | 'lambdas'>,
  recipients: number,
  log: (line: string) => void,
): Promise<Drain> {
  const mailer = new CountingMailer();
  const queue = new InMemoryDueWorkQueue();
  const total: DispatchSummary = emptySummary();
  const worker = wiring.worker({ mailer, onFinished: (summary) => addSummary(total, summary) });
  const lambdasBefore = wiring.lambdas.snapshot();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let passes = 0;
  let messages = 0;
  while (total.sent < recipients) {
    const planned = await wiring.plan(queue);
    passes++;
    messages += planned.messages;
    if (planned.enqueued === 0) break;
    await queue.drain(LOCAL_WORKERS, worker);
    log(`fanout      pass ${passes}: ${total.sent} sent`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (total.sent !== recipients) throw new Error(`sent ${total.sent} of ${recipients} (${JSON.stringify(total)})`);
  const lambdas = wiring.lambdas.snapshot();
  const busy = (name: string) => (lambdas[name]?.ms ?? 0) - (lambdasBefore[name]?.ms ?? 0);
  return {
    recipients,
    seconds,
    cpuMs: (cpu.user + cpu.system) / 1000,
    total,
    passes,
    messages,
    workerMs: busy('dispatch-worker'),
    plannerMs: busy('dispatcher'),
  };
}

/** The campaign on DynamoDB Local: due runs seeded with BatchWriteItem, every call metered. */
async function onDynamoDbLocal(context: BenchContext, recipients: number) {
  const engines = await context.engines();
  const wiring = await createWiring(engines);
  const template = await customerTemplate(wiring);
  // The template customer's own welcome, due at once: sent before the campaign is measured.
  await wiring.dispatch();
  const seeded = await seedCustomers(engines, wiring, template, {
    from: 0,
    count: recipients,
    run: { kind: 'due', dueAt: new Date(wiring.clock.now().getTime() - 60_000).toISOString() },
    prefix: 'campaign',
  });
  context.log(`fanout      ${recipients} due runs seeded in DynamoDB Local in ${fmt(seeded.seconds, 1)} s`);
  const before = wiring.meter.snapshot();
  const drain = await drainCampaign(wiring, recipients, context.log);
  const usage = usageSince(before, wiring.meter.snapshot());
  const dynamoDbCalls = Object.entries(usage.calls)
    .filter(([name]) => name.toLowerCase().includes('dynamodb'))
    .reduce((sum, [, count]) => sum + count, 0);
  const perEmail: PerEmail = {
    dynamoDbCalls: dynamoDbCalls / recipients,
    billedWru: usage.billedWru / recipients,
    billedRru: usage.billedRru / recipients,
  };
  return { drain, usage, perEmail };
}

/**
 * The campaign on the emulated table in memory: the same items, committed one customer at a time; what
 * the drain asked of the store, by method.
 */
export async function drainInMemory(recipients: number, log: (line: string) => void = () => undefined) {
  const wiring = createMemoryFanOutWiring();
  const template = await memoryCustomerTemplate(wiring);
  // The template customer's own welcome, due at once: sent before the campaign is measured.
  const warmUp = new InMemoryDueWorkQueue();
  await wiring.plan(warmUp);
  await warmUp.drain(1, wiring.worker({ onFinished: () => undefined }));
  const seeded = await seedMemoryCustomers(wiring, template, {
    count: recipients,
    dueAt: new Date(wiring.clock.now().getTime() - 60_000).toISOString(),
    prefix: 'campaign',
  });
  log(`fanout      ${recipients} due runs seeded in memory in ${fmt(seeded.seconds, 1)} s`);
  const before = { ...wiring.calls };
  const drain = await drainCampaign(wiring, recipients, log);
  const calls = Object.fromEntries(
    Object.entries(wiring.calls)
      .map(([name, count]) => [name, count - (before[name] ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return { drain, calls };
}

/** The rows of one drain, its DynamoDB figures per email measured with it or taken from DynamoDB Local. */
function figures(drain: Drain, perEmail: PerEmail) {
  const { recipients } = drain;
  const emailsPerSecond = recipients / drain.seconds;
  const perWorker = emailsPerSecond / LOCAL_WORKERS;
  const accountRate = PROJECTED_RATE / SPACING_MARGIN;
  const workersRate = perWorker * WORKERS;
  const projectedRate = Math.min(accountRate, workersRate);
  const bottleneck = accountRate <= workersRate ? 'the SES rate' : 'the workers';
  const projectedMinutes = PROJECTED_RECIPIENTS / projectedRate / 60;

  // The projection from what one email costs, not from this machine's pace: the engine's own CPU time
  // (DynamoDB Local runs in a process of its own, and is not in it) and its DynamoDB round trips, each at
  // the stated DynamoDB latency, one SES call; a worker handles CONCURRENCY customers side by side.
  const cpuMsPerEmail = drain.cpuMs / recipients;
  const emailMs = cpuMsPerEmail + perEmail.dynamoDbCalls * DYNAMODB_MS + SES_MS;
  const workerRate = Math.min(1000 / cpuMsPerEmail, (CONCURRENCY * 1000) / emailMs);
  const workersNeeded = Math.ceil(accountRate / workerRate);
  const calculatedRate = Math.min(accountRate, workerRate * WORKERS);
  const calculatedMinutes = PROJECTED_RECIPIENTS / calculatedRate / 60;
  // A worker's busy time per 1,000 emails at the calculated rate, at the worker's memory.
  const calculatedGbSeconds = (1000 / workerRate) * WORKER_GB;

  // Cost per 1,000 emails.
  const perThousand = 1000 / recipients;
  const ses = 0.1;
  const dynamodb = ((perEmail.billedWru * 0.625 + perEmail.billedRru * 0.125) / 1e6) * 1000;
  const gbSeconds = ((drain.workerMs + drain.plannerMs) / 1000) * WORKER_GB * perThousand;
  const lambda = gbSeconds * LAMBDA_PER_GB_SECOND + ((drain.messages + drain.passes) * perThousand * 0.2) / 1e6;
  // A message: a tenth of a SendMessageBatch, one receive and one delete by the event source mapping.
  const sqs = ((drain.messages * (0.1 + 1 + 1)) / 1e6) * SQS_PER_MILLION * perThousand;
  const cost = ses + dynamodb + lambda + sqs;
  return {
    emailsPerSecond,
    perWorker,
    gbSeconds,
    projectedMinutes,
    bottleneck,
    cpuMsPerEmail,
    emailMs,
    workerRate,
    workersNeeded,
    calculatedMinutes,
    calculatedGbSeconds,
    ses,
    dynamodb,
    lambda,
    sqs,
    cost,
  };
}

type Figures = ReturnType<typeof figures>;

/** One column of figure 8: a drain, its DynamoDB figures per email, and whether it measured them. */
interface Column {
  readonly drain: Drain;
  readonly perEmail: PerEmail;
  readonly figures: Figures;
  readonly measuredUnits: boolean;
}

function column(drain: Drain, perEmail: PerEmail, measuredUnits: boolean): Column {
  return { drain, perEmail, figures: figures(drain, perEmail), measuredUnits };
}

/** Figure 8's rows, a value per column. */
function rows(columns: readonly Column[]): string[][] {
  const each = (value: (c: Column) => string) => columns.map(value);
  const units = (value: (c: Column) => string) =>
    each((c) => (c.measuredUnits ? value(c) : `${value(c)} (calculated: DynamoDB Local's)`));
  return [
    ['emails sent', ...each((c) => c.drain.total.sent.toLocaleString('en-US'))],
    ['drain, s', ...each((c) => fmt(c.drain.seconds, 1))],
    ['emails/s on this machine', ...each((c) => fmt(c.figures.emailsPerSecond, 0))],
    ['emails/s per worker', ...each((c) => fmt(c.figures.perWorker, 1))],
    ['planner passes / messages', ...each((c) => `${c.drain.passes} / ${c.drain.messages}`)],
    ['WRU per email (billed)', ...units((c) => fmt(c.perEmail.billedWru, 2))],
    ['RRU per email (billed)', ...units((c) => fmt(c.perEmail.billedRru, 2))],
    ["Lambda GB-s per 1,000 emails (this machine's busy time × 0.5 GB)", ...each((c) => fmt(c.figures.gbSeconds, 2))],
    [
      `1,000,000 recipients at ${PROJECTED_RATE}/s, minutes (this machine's pace per worker)`,
      ...each((c) => `${fmt(c.figures.projectedMinutes, 1)} (bottleneck: ${c.figures.bottleneck})`),
    ],
    ['measured: engine CPU ms per email', ...each((c) => fmt(c.figures.cpuMsPerEmail, 2))],
    ['measured: DynamoDB calls per email (planner included)', ...units((c) => fmt(c.perEmail.dynamoDbCalls, 2))],
    [
      `calculated: ms per email in a worker (CPU + calls × ${DYNAMODB_MS} ms + SES ${SES_MS} ms)`,
      ...each((c) => fmt(c.figures.emailMs, 1)),
    ],
    [
      `calculated: emails/s per worker (${CONCURRENCY} customers side by side)`,
      ...each((c) => fmt(c.figures.workerRate, 0)),
    ],
    [
      `calculated: workers for ${PROJECTED_RATE}/s`,
      ...each((c) => `${c.figures.workersNeeded} (dispatcher.workers: ${WORKERS})`),
    ],
    [
      `calculated: 1,000,000 recipients with ${WORKERS} workers, minutes`,
      ...each((c) => fmt(c.figures.calculatedMinutes, 1)),
    ],
    [
      'calculated: Lambda GB-s per 1,000 emails (1,000 / emails/s per worker × 0.5 GB)',
      ...each((c) => fmt(c.figures.calculatedGbSeconds, 2)),
    ],
    [
      'cost per 1,000 emails, $',
      ...each(({ figures: f }) => {
        const parts = `SES ${fmt(f.ses, 2)}, DynamoDB ${fmt(f.dynamodb, 4)}, Lambda ${fmt(f.lambda, 4)}, SQS ${fmt(f.sqs, 5)}`;
        return `${fmt(f.cost, 4)} (${parts})`;
      }),
    ],
    ['cost ratio to SES alone', ...each((c) => fmt(c.figures.cost / c.figures.ses, 3))],
  ];
}

const NOTES = [
  "The mailer only counts: SES in AWS accepts the account's rate from any number of workers, while one local SES process would measure itself. The engine's own work per email (claim, guardrails, limits, reservation, outcome) is all there.",
  `The projection: ${WORKERS} workers at the per-worker rate measured here, or the account's ${PROJECTED_RATE}/s less the limiter's 2% spacing, whichever is lower. Lambda on its own cores runs a worker faster than this shared machine does, so the workers' figure is a floor.`,
  `The calculated rows: the engine's CPU time per email measured here (DynamoDB Local's own CPU is not in it; the emulated table's is, as it runs in the engine's process), and each DynamoDB call at ${DYNAMODB_MS} ms (AWS: single-digit milliseconds) plus one SES call at an assumed ${SES_MS} ms, every call counted as sequential (an upper bound: the planner's marks run side by side).`,
  `Lambda GB-s: the workers' and planner's busy time here at 512 MB (${fmt(WORKER_GB * 1000, 0)} GB-s per 1,000 s of busy time), an overestimate of AWS for the same reason (four invocations share two cores, with DynamoDB Local), and the Lambda cost is that figure at $${LAMBDA_PER_GB_SECOND} per GB-s (Arm) plus the requests: a ceiling; the calculated GB-s is a worker's time at the calculated rate; SQS: per message a tenth of a SendMessageBatch, a receive and a delete, at $0.40 per million requests.`,
];

/**
 * Figure 8: a campaign to 100,000 recipients through the fan-out. Every recipient is a due run of one send
 * journey (the welcome's first email), as a campaign's recipients are due journey runs; the planner
 * (dispatcher.lambda.ts's handler) puts them on an in-memory queue in messages of `dispatcher.messageSize`,
 * and 4 workers (dispatch-worker.lambda.ts's handler) drain it side by side, each claim, guardrail,
 * reservation and outcome written to the store. The mailer only counts: one local SES process would be
 * the bottleneck of this machine, while SES in AWS takes the account's rate; what is measured is the
 * engine's own cost per send, which the projection combines with that rate.
 *
 * The store is DynamoDB Local, or with `--fanout-store memory` the emulated table: DynamoDB Local takes
 * about 50 minutes for 100,000 here, the emulated table minutes. It reports no consumed capacity, so its
 * store calls are counted by kind and the units and DynamoDB calls per email come from a 2,000-recipient
 * run on DynamoDB Local taken beside it.
 */
export async function fanOutCampaign(context: BenchContext): Promise<Section> {
  const recipients = context.fanoutRecipients ?? (context.quick ? 2_000 : 100_000);
  if (context.fanoutStore === 'memory') return fanOutInMemory(context, recipients);
  const { drain, usage, perEmail } = await onDynamoDbLocal(context, recipients);
  const measured = column(drain, perEmail, true);
  return {
    id: 'fanout',
    title: `8. Fan-out: a campaign to ${recipients.toLocaleString('en-US')} recipients, ${LOCAL_WORKERS} parallel workers (DynamoDB Local, counting mailer)`,
    columns: ['measure', 'value'],
    rows: rows([measured]),
    notes: NOTES,
    data: { store: 'dynamodb', ...drain, usage, perEmail, ...measured.figures },
  };
}

async function fanOutInMemory(context: BenchContext, recipients: number): Promise<Section> {
  const local = await onDynamoDbLocal(context, UNITS_RECIPIENTS);
  const memory = await drainInMemory(recipients, context.log);
  const columns = [column(memory.drain, local.perEmail, false), column(local.drain, local.perEmail, true)];
  const storeCalls = Object.entries(memory.calls)
    .map(([name, count]) => `${name} ${count.toLocaleString('en-US')}`)
    .join(', ');
  return {
    id: 'fanout',
    title: `8. Fan-out: a campaign to ${recipients.toLocaleString('en-US')} recipients in memory and ${UNITS_RECIPIENTS.toLocaleString('en-US')} on DynamoDB Local, ${LOCAL_WORKERS} parallel workers (counting mailer)`,
    columns: [
      'measure',
      `emulated table, ${recipients.toLocaleString('en-US')}`,
      `DynamoDB Local, ${UNITS_RECIPIENTS.toLocaleString('en-US')}`,
    ],
    rows: [...rows(columns), ['measured: store calls in all, by kind (emulated table)', storeCalls, '—']],
    notes: [
      ...NOTES,
      `The emulated table (the simulator's store: the DynamoDB adapter's items, keys and conditions in memory) reports no consumed capacity: its store calls are counted by kind, and the units and DynamoDB calls per email, and so the DynamoDB cost and the calculated rows' round trips, are the ${UNITS_RECIPIENTS.toLocaleString('en-US')}-recipient DynamoDB Local run's.`,
    ],
    data: {
      store: 'memory',
      memory: { ...memory.drain, calls: memory.calls, ...columns[0]?.figures },
      dynamoDbLocal: { ...local.drain, usage: local.usage, perEmail: local.perEmail, ...columns[1]?.figures },
    },
  };
}
