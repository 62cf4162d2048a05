/**
 * Runs the daily model job on a synthetic store in a process of its own, so that its time and peak memory
 * are its own: the first run (no model yet: every buyer moves) a day before, then the day's run, warm-started
 * from it, on customers who carry the segments the first run gave them. The job's own code
 * (computeStoreModel: scan, summary, fit, model), against the pages of bench/modeljob-store.ts; the
 * reassessments of the customers it moves are counted, not made (the store holds no customers to write).
 * Prints one line of JSON.
 */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../functions/adapters/config-file.js';
import { isVip } from '../functions/domain/intelligence/assess.js';
import { rfmScore } from '../functions/domain/intelligence/rfm.js';
import type { StoreModel } from '../functions/domain/intelligence/store-model.js';
import { computeStoreModel } from '../functions/domain/services/refresh-store-model.js';
import { SyntheticStore, syntheticCustomer } from './modeljob-store.js';

const { values } = parseArgs({ options: { customers: { type: 'string' }, segments: { type: 'string' } } });
const customers = Number(values.customers ?? '100000');
const scanSegments = Number(values.segments ?? '8');
const DAY = 86_400_000;
const today = new Date('2026-06-02T03:00:00Z');
const yesterday = new Date(today.getTime() - DAY);
const seed = 1;
const config = await loadConfigFile();

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);
const baselineRss = process.memoryUsage.rss();

let random = 1;
// A seeded uniform stream for the CLV sample, as the simulator gives it.
const uniform = () => {
  random = (random * 16_807) % 2_147_483_647;
  return random / 2_147_483_647;
};

async function run(now: Date, store: SyntheticStore, previous: StoreModel | undefined) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await computeStoreModel(
    { store, clock: { now: () => now }, config, loadModel: async () => previous, random: uniform },
    { scanSegments },
  );
  const used = process.cpuUsage(cpu);
  return {
    result,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

const first = new SyntheticStore({ customers, now: yesterday, seed });
const day1 = await run(yesterday, first, undefined);
const model1 = day1.result.model;
const stored = (n: number) => {
  const { customer } = syntheticCustomer(n, { customers, now: yesterday, seed });
  const { metrics } = customer;
  if (model1.rfm === undefined || metrics.lastOrderAt === undefined) return undefined;
  const buyer = {
    recencyDays: (yesterday.getTime() - Date.parse(metrics.lastOrderAt)) / DAY,
    frequency: metrics.orderCount,
    monetary: metrics.revenue.amount,
  };
  const { segment } = rfmScore(buyer, model1.rfm);
  return { segment, vip: isVip(segment, buyer.monetary, model1) };
};
const second = new SyntheticStore({ customers, now: today, seed, stored });
const day2 = await run(today, second, model1);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());

const clv = day2.result.model.clv;
console.log(
  JSON.stringify({
    customers,
    scanSegments,
    buyers: day2.result.model.customersWithOrders,
    firstRun: {
      seconds: day1.seconds,
      cpuSeconds: day1.cpuSeconds,
      moved: day1.result.moved.length,
      makingPagesSeconds: first.makingSeconds,
      makingPagesCpuSeconds: first.makingCpuSeconds,
    },
    dailyRun: {
      seconds: day2.seconds,
      cpuSeconds: day2.cpuSeconds,
      moved: day2.result.moved.length,
      makingPagesSeconds: second.makingSeconds,
      makingPagesCpuSeconds: second.makingCpuSeconds,
    },
    scan: second.meter,
    modelBytes: second.savedModelBytes,
    clv: { method: clv?.method, confidence: clv?.confidence, customers: clv?.customers },
    products: Object.keys(day2.result.model.products ?? {}).length,
    baselineRssBytes: baselineRss,
    sampledPeakRssBytes: peakRss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
