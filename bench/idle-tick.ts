import { median } from '../functions/domain/metrics.js';
import type { BenchContext } from './context.js';
import { createWiring } from './harness.js';
import { fmt, type Section } from './report.js';
import { customerTemplate, seedCustomers } from './seed.js';

/** Ticks measured at each size; the first of a Lambda container also reads the SES send rate. */
const TICKS = 5;

/**
 * Figure 4: one scheduled dispatcher tick when nothing is due, as the table grows. Customers are seeded
 * with the store's own items, each with a welcome-series run (half waiting for a later step, in the due
 * index but not due; half completed, out of it) and a reassessment timer in the future. The design says a
 * tick reads `dueShards` small queries whatever the number of customers: this measures it.
 */
export async function idleTick(context: BenchContext): Promise<Section> {
  const sizes = context.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const engines = await context.engines();
  const wiring = await createWiring(engines);
  const template = await customerTemplate(wiring);
  // The template customer's own welcome email goes first: after this, nothing is due.
  await wiring.dispatch();
  await wiring.deliverBusEvents();
  wiring.sesReports.take();
  const waitingUntil = new Date(wiring.clock.now().getTime() + 30 * 86_400_000).toISOString();
  const rows: (string | number)[][] = [];
  const measurements: unknown[] = [];
  let seeded = 0;
  for (const size of sizes) {
    const added = await seedCustomers(engines, wiring, template, {
      from: seeded,
      count: size - seeded,
      run: { kind: 'idle', waitingUntil },
      prefix: 'idle',
    });
    seeded = size;
    context.log(`idle        ${size} customers (${added.items} items in ${fmt(added.seconds, 1)} s)`);
    const ticks: { rru: number; billedRru: number; wru: number; dynamoDb: number; ses: number; ms: number }[] = [];
    for (let i = 0; i < TICKS; i++) {
      const before = wiring.meter.snapshot();
      const started = performance.now();
      const summary = await wiring.dispatch();
      const ms = performance.now() - started;
      const after = wiring.meter.snapshot();
      if (summary.claimed !== 0) throw new Error(`an idle tick claimed ${summary.claimed} runs`);
      ticks.push({
        rru: after.rru - before.rru,
        billedRru: after.billedRru - before.billedRru,
        wru: after.wru - before.wru,
        dynamoDb: (after.calls.DynamoDB ?? 0) - (before.calls.DynamoDB ?? 0),
        ses: (after.calls.SES ?? 0) - (before.calls.SES ?? 0),
        ms,
      });
    }
    const steady = ticks.slice(1);
    const figures = {
      customers: size,
      itemsSeeded: added.items,
      seedSeconds: added.seconds,
      rruPerTick: median(steady.map((t) => t.rru)),
      billedRruPerTick: median(steady.map((t) => t.billedRru)),
      wruPerTick: median(steady.map((t) => t.wru)),
      dynamoDbCallsPerTick: median(steady.map((t) => t.dynamoDb)),
      sesCallsFirstTick: ticks[0]?.ses ?? 0,
      medianMs: median(steady.map((t) => t.ms)),
      ticks,
    };
    measurements.push(figures);
    rows.push([
      size.toLocaleString('en-US'),
      fmt(figures.rruPerTick, 2),
      fmt(figures.billedRruPerTick, 2),
      fmt(figures.wruPerTick, 2),
      figures.dynamoDbCallsPerTick,
      figures.sesCallsFirstTick,
      fmt(figures.medianMs, 1),
    ]);
  }
  const shards = wiring.config.dispatcher.dueShards;
  return {
    id: 'idle',
    title: '4. Dispatcher tick with nothing due, by number of customers',
    columns: ['customers', 'RRU', 'RRU billed', 'WRU', 'DynamoDB calls', 'SES calls (1st tick)', 'tick ms'],
    rows,
    notes: [
      `${shards} due-index queries per tick (dispatcher.dueShards); each customer has a run and a reassessment timer, half of them in the index with a future due time.`,
      'RRU: DynamoDB Local reports 0 for a query that finds nothing; AWS bills at least 0.5 RRU per query ("RRU billed").',
      'The first tick of a Lambda container also calls SES GetAccount for the send rate (cached 5 minutes).',
    ],
    data: { dueShards: shards, measurements },
  };
}
