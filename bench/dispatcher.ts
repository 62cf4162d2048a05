import { type DispatchSummary, emptySummary } from '../functions/domain/services/dispatch/summary.js';
import { DISPATCHER_RESERVE_MS } from '../functions/handlers/dispatcher.js';
import type { Mailer } from '../functions/ports/mailer.js';
import { type Usage, usageSince } from './aws-meter.js';
import type { BenchContext } from './context.js';
import { CountingMailer, createWiring } from './harness.js';
import { fmt, type Section } from './report.js';
import { customerTemplate, seedCustomers } from './seed.js';

/** The dispatcher Lambda's timeout (lib/dispatcher.ts) and the time it keeps free before it. */
const TICK_TIMEOUT_MS = 60_000;
const TICK_RESERVE_MS = DISPATCHER_RESERVE_MS;

interface DrainRun {
  readonly name: string;
  readonly mailer: string;
  readonly rate: number | undefined;
  readonly sends: number;
  readonly seconds: number;
  readonly sendsPerSecond: number;
  /** Dispatcher invocations (each stops claiming 15 s before its 60 s timeout). */
  readonly ticks: number;
  /** Duration of each invocation, seconds. */
  readonly tickSeconds: readonly number[];
  /** In AWS the ticks are a minute apart: (ticks − 1) minutes plus the last tick. */
  readonly awsDrainSeconds: number;
  /** Not measured: computed from the rate the bucket held in a shorter rated run. */
  readonly projected?: boolean;
  /** Time SendEmail calls took in total (local SES or the counting mailer). */
  readonly mailerSeconds: number;
  readonly seedSeconds: number;
  readonly usage: Usage;
  readonly summary: DispatchSummary;
}

/**
 * Figure 3: how long the dispatcher takes to drain a backlog of due sends (10,000 customers whose first
 * welcome email is due), invoked as the schedule invokes it: one tick after the other, each a 60 s Lambda
 * that stops claiming 15 s before its deadline. Without a rate limit and with a token bucket at a given
 * SES rate; against the local SES, and with a mailer that only counts, so that the dispatcher's own cost
 * shows apart from the local SES's.
 */
export async function dispatcherDrain(context: BenchContext): Promise<Section> {
  const backlog = context.quick ? 1_000 : 10_000;
  const engines = await context.engines();
  const runs: DrainRun[] = [];
  const drain = async (name: string, options: { counting: boolean; rate?: number; sends?: number }) => {
    const size = options.sends ?? backlog;
    const wiring = await createWiring(engines);
    const template = await customerTemplate(wiring);
    await wiring.dispatch();
    const seeded = await seedCustomers(engines, wiring, template, {
      from: 0,
      count: size,
      run: { kind: 'due', dueAt: new Date(wiring.clock.now().getTime() - 60_000).toISOString() },
      prefix: `drain${runs.length}`,
    });
    context.log(`dispatcher  ${name}: ${size} due sends seeded in ${fmt(seeded.seconds, 1)} s`);
    const counting = new CountingMailer();
    let mailerMs = 0;
    const inner: Mailer = options.counting ? counting : wiring.sesMailer;
    // With a rate, the mailer reports it as SES's GetAccount does, and the handler paces itself through the
    // limits shared in the table, as in Lambda; without, there is nothing to pace.
    const rate = options.rate;
    const mailer: Mailer = {
      send: async (email) => {
        const started = performance.now();
        try {
          return await inner.send(email);
        } finally {
          mailerMs += performance.now() - started;
        }
      },
      ...(rate === undefined
        ? {}
        : {
            account: async () => ({
              productionAccess: true,
              sendingEnabled: true,
              maxSendRate: rate,
              max24HourSend: undefined,
              sentLast24Hours: 0,
              readAt: Date.now(),
            }),
          }),
    };
    const total: DispatchSummary = emptySummary();
    const before = wiring.meter.snapshot();
    const started = performance.now();
    let ticks = 0;
    const tickSeconds: number[] = [];
    for (;;) {
      const tickStarted = performance.now();
      const summary = await wiring.dispatch({ mailer, timeoutMs: TICK_TIMEOUT_MS });
      tickSeconds.push((performance.now() - tickStarted) / 1000);
      ticks++;
      wiring.sesReports.take();
      for (const key of Object.keys(total) as (keyof DispatchSummary)[]) {
        if (typeof summary[key] === 'number' && key !== 'backlogAgeMs') total[key] += summary[key];
      }
      if (summary.claimed === 0 || total.sent >= size) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const usage = wiring.meter.snapshot();
    if (total.sent !== size) throw new Error(`${name}: sent ${total.sent} of ${size} (${JSON.stringify(total)})`);
    const run: DrainRun = {
      name,
      mailer: options.counting ? 'counting' : 'local SES',
      rate: options.rate,
      sends: total.sent,
      seconds,
      sendsPerSecond: total.sent / seconds,
      ticks,
      tickSeconds,
      awsDrainSeconds: (ticks - 1) * 60 + (tickSeconds.at(-1) ?? 0),
      mailerSeconds: mailerMs / 1000,
      seedSeconds: seeded.seconds,
      usage: usageSince(before, usage),
      summary: total,
    };
    runs.push(run);
    context.log(`dispatcher  ${name}: ${fmt(run.sendsPerSecond, 0)} sends/s, ${fmt(seconds, 1)} s`);
  };

  await drain('no rate limit, local SES', { counting: false });
  await drain('no rate limit, counting mailer', { counting: true });
  // At a rate the dispatcher can outrun, the bucket sets the pace: N / rate by construction. Measured on
  // one minute of sending (or --rated-sends), then the full backlog projected from the rate it held.
  const rate = context.sesRate;
  const ratedSends = Math.min(backlog, context.ratedSends ?? Math.round(rate * 60));
  await drain(`SES rate ${rate}/s, local SES`, { counting: false, rate, sends: ratedSends });
  const rated = runs.at(-1);
  if (rated && rated.sends < backlog) {
    const seconds = backlog / rated.sendsPerSecond;
    const perTick = rated.sendsPerSecond * ((TICK_TIMEOUT_MS - TICK_RESERVE_MS) / 1000);
    const ticks = Math.ceil(backlog / perTick);
    runs.push({
      ...rated,
      name: `SES rate ${rate}/s, projected`,
      sends: backlog,
      seconds,
      ticks,
      tickSeconds: [],
      awsDrainSeconds: (ticks - 1) * 60 + (backlog - (ticks - 1) * perTick) / rated.sendsPerSecond,
      mailerSeconds: Number.NaN,
      seedSeconds: 0,
      projected: true,
    });
  }

  return {
    id: 'dispatcher',
    title: `3. Dispatcher: draining ${backlog.toLocaleString('en-US')} due sends (DynamoDB Local)`,
    columns: ['run', 'mailer', 'sends', 'drain s', 'sends/s', 'mailer s', 'ticks', 'in AWS, min', 'WRU/send'],
    rows: runs.map((run) => [
      run.name,
      run.mailer,
      run.sends.toLocaleString('en-US'),
      fmt(run.seconds, 1),
      fmt(run.sendsPerSecond, 1),
      run.projected ? '–' : fmt(run.mailerSeconds, 1),
      run.ticks,
      fmt(run.awsDrainSeconds / 60, 1),
      // The projection keeps the measured run's usage: per send, it is the rated run's.
      fmt(run.usage.wru / (run.projected ? (rated?.sends ?? run.sends) : run.sends), 1),
    ]),
    notes: [
      `Each tick is the dispatcher handler with a ${TICK_TIMEOUT_MS / 1000} s Lambda context; it stops claiming ${TICK_RESERVE_MS / 1000} s before the deadline, so a tick sends for at most 45 s; in AWS the next tick starts on the next minute.`,
      '"mailer s": time spent inside SendEmail calls, summed over the 8 customers handled at once (can exceed the drain time).',
      'The rated run takes its place in the account rate from the limits shared in the table (functions/adapters/dynamodb/sending-limiter.ts) before each SendEmail, as the Lambda does; "projected" is the full backlog at the rate it held (N / rate), not a measurement.',
      '"in AWS, min": ticks are a minute apart there: (ticks − 1) minutes plus the last tick, at this machine\'s speed.',
    ],
    data: { backlog, runs },
  };
}
