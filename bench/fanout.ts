import { type DispatchSummary, emptySummary } from '../functions/domain/services/dispatch/summary.js';
import { addSummary } from '../functions/handlers/dispatch-worker.js';
import { InMemoryDueWorkQueue } from '../functions/local/due-work-queue.js';
import { usageSince } from './aws-meter.js';
import type { BenchContext } from './context.js';
import { CountingMailer, createWiring } from './harness.js';
import { fmt, type Section } from './report.js';
import { customerTemplate, seedCustomers } from './seed.js';

/** Workers of the projection: the stack's default `dispatcher.workers`. */
const WORKERS = 20;
/** Workers drained side by side here: as many as this machine's cores can keep busy against one DynamoDB Local. */
const LOCAL_WORKERS = 4;
/** The SES account of the projection: 1,000 emails a second. */
const PROJECTED_RATE = 1_000;
const PROJECTED_RECIPIENTS = 1_000_000;
/** The worker function's memory (lib/lifecycle-function.ts), GB. */
const WORKER_GB = 0.5;
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

/**
 * Figure 8: a campaign to 100,000 recipients through the fan-out. Every recipient is a due run of one send
 * journey (the welcome's first email) in DynamoDB Local, as a campaign's recipients are due journey runs;
 * the planner (dispatcher.lambda.ts's handler) puts them on an in-memory queue in messages of
 * `dispatcher.messageSize`, and 4 workers (dispatch-worker.lambda.ts's handler) drain it side by side,
 * each claim, guardrail, reservation and outcome written to DynamoDB Local. The mailer only counts: one
 * local SES process would be the bottleneck of this machine, while SES in AWS takes the account's rate;
 * what is measured is the engine's own cost per send, which the projection combines with that rate.
 */
export async function fanOutCampaign(context: BenchContext): Promise<Section> {
  const recipients = context.quick ? 2_000 : 100_000;
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
  context.log(`fanout      ${recipients} due runs seeded in ${fmt(seeded.seconds, 1)} s`);

  const mailer = new CountingMailer();
  const queue = new InMemoryDueWorkQueue();
  const total: DispatchSummary = emptySummary();
  const worker = wiring.worker({ mailer, onFinished: (summary) => addSummary(total, summary) });
  const before = wiring.meter.snapshot();
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
    context.log(`fanout      pass ${passes}: ${total.sent} sent`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (total.sent !== recipients) throw new Error(`sent ${total.sent} of ${recipients} (${JSON.stringify(total)})`);
  const usage = usageSince(before, wiring.meter.snapshot());
  const lambdas = wiring.lambdas.snapshot();
  const workerMs = (lambdas['dispatch-worker']?.ms ?? 0) - (lambdasBefore['dispatch-worker']?.ms ?? 0);
  const plannerMs = (lambdas.dispatcher?.ms ?? 0) - (lambdasBefore.dispatcher?.ms ?? 0);

  const emailsPerSecond = total.sent / seconds;
  const perWorker = emailsPerSecond / LOCAL_WORKERS;
  const accountRate = PROJECTED_RATE / SPACING_MARGIN;
  const workersRate = perWorker * WORKERS;
  const projectedRate = Math.min(accountRate, workersRate);
  const bottleneck = accountRate <= workersRate ? 'the SES rate' : 'the workers';
  const projectedMinutes = PROJECTED_RECIPIENTS / projectedRate / 60;

  // The projection from what one email costs, not from this machine's pace: the engine's own CPU time
  // (DynamoDB Local runs in a process of its own, and is not in it) and its DynamoDB round trips, each at
  // the stated DynamoDB latency, one SES call; a worker handles CONCURRENCY customers side by side.
  const cpuMsPerEmail = (cpu.user + cpu.system) / 1000 / total.sent;
  const dynamoDbCalls = Object.entries(usage.calls)
    .filter(([name]) => name.toLowerCase().includes('dynamodb'))
    .reduce((sum, [, count]) => sum + count, 0);
  const callsPerEmail = dynamoDbCalls / total.sent;
  const emailMs = cpuMsPerEmail + callsPerEmail * DYNAMODB_MS + SES_MS;
  const workerRate = Math.min(1000 / cpuMsPerEmail, (CONCURRENCY * 1000) / emailMs);
  const workersNeeded = Math.ceil(accountRate / workerRate);
  const calculatedRate = Math.min(accountRate, workerRate * WORKERS);
  const calculatedMinutes = PROJECTED_RECIPIENTS / calculatedRate / 60;

  // Cost per 1,000 emails.
  const perThousand = 1000 / total.sent;
  const ses = 0.1;
  const dynamodb = ((usage.billedWru * 0.625 + usage.billedRru * 0.125) / 1e6) * perThousand;
  const gbSeconds = ((workerMs + plannerMs) / 1000) * WORKER_GB * perThousand;
  const lambda = gbSeconds * 0.0000133334 + ((messages + passes) * perThousand * 0.2) / 1e6;
  // A message: a tenth of a SendMessageBatch, one receive and one delete by the event source mapping.
  const sqs = ((messages * (0.1 + 1 + 1)) / 1e6) * SQS_PER_MILLION * perThousand;
  const cost = ses + dynamodb + lambda + sqs;

  return {
    id: 'fanout',
    title: `8. Fan-out: a campaign to ${recipients.toLocaleString('en-US')} recipients, ${LOCAL_WORKERS} parallel workers (DynamoDB Local, counting mailer)`,
    columns: ['measure', 'value'],
    rows: [
      ['emails sent', total.sent.toLocaleString('en-US')],
      ['drain, s', fmt(seconds, 1)],
      ['emails/s on this machine', fmt(emailsPerSecond, 0)],
      ['emails/s per worker', fmt(perWorker, 1)],
      ['planner passes / messages', `${passes} / ${messages}`],
      ['WRU per email (billed)', fmt(usage.billedWru / total.sent, 2)],
      ['RRU per email (billed)', fmt(usage.billedRru / total.sent, 2)],
      ['Lambda GB-s per 1,000 emails', fmt(gbSeconds, 2)],
      [
        `1,000,000 recipients at ${PROJECTED_RATE}/s, minutes (this machine's pace per worker)`,
        `${fmt(projectedMinutes, 1)} (bottleneck: ${bottleneck})`,
      ],
      ['measured: engine CPU ms per email', fmt(cpuMsPerEmail, 2)],
      ['measured: DynamoDB calls per email (planner included)', fmt(callsPerEmail, 2)],
      [`calculated: ms per email in a worker (CPU + calls × ${DYNAMODB_MS} ms + SES ${SES_MS} ms)`, fmt(emailMs, 1)],
      [`calculated: emails/s per worker (${CONCURRENCY} customers side by side)`, fmt(workerRate, 0)],
      [`calculated: workers for ${PROJECTED_RATE}/s`, `${workersNeeded} (dispatcher.workers: ${WORKERS})`],
      [`calculated: 1,000,000 recipients with ${WORKERS} workers, minutes`, fmt(calculatedMinutes, 1)],
      [
        'cost per 1,000 emails, $',
        `${fmt(cost, 4)} (SES ${fmt(ses, 2)}, DynamoDB ${fmt(dynamodb, 4)}, Lambda ${fmt(lambda, 4)}, SQS ${fmt(sqs, 5)})`,
      ],
      ['cost ratio to SES alone', fmt(cost / ses, 3)],
    ],
    notes: [
      "The mailer only counts: SES in AWS accepts the account's rate from any number of workers, while one local SES process would measure itself. The engine's own work per email (claim, guardrails, limits, reservation, outcome in DynamoDB Local) is all there.",
      `The projection: ${WORKERS} workers at the per-worker rate measured here, or the account's ${PROJECTED_RATE}/s less the limiter's 2% spacing, whichever is lower. Lambda on its own cores runs a worker faster than this shared machine does, so the workers' figure is a floor.`,
      `The calculated rows: the engine's CPU time per email measured here (DynamoDB Local's own CPU is not in it), and each DynamoDB call at ${DYNAMODB_MS} ms (AWS: single-digit milliseconds) plus one SES call at an assumed ${SES_MS} ms, every call counted as sequential (an upper bound: the planner's marks run side by side).`,
      "Lambda GB-s: the workers' and planner's busy time here at 512 MB, an overestimate of AWS for the same reason; SQS: per message a tenth of a SendMessageBatch, a receive and a delete, at $0.40 per million requests.",
    ],
    data: {
      recipients,
      seconds,
      total,
      usage,
      messages,
      passes,
      workerMs,
      plannerMs,
      projectedMinutes,
      cpuMsPerEmail,
      callsPerEmail,
      workersNeeded,
      calculatedMinutes,
      cost,
    },
  };
}
