/**
 * Runs one simulation in a process of its own, so that its wall time and peak memory are its own: the
 * synthetic storefront (10,000 customers over 365 days by default) played through the simulator with the
 * configuration of lifecycle.config.ts, as `lifecycle simulate` does. Prints one line of JSON.
 */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../functions/adapters/config-file.js';
import { simulate } from '../functions/simulation/simulator.js';
import { generateStorefront } from '../functions/simulation/storefront-generator.js';

const { values } = parseArgs({ options: { customers: { type: 'string' }, days: { type: 'string' } } });
const customers = Number(values.customers ?? '10000');
const days = Number(values.days ?? '365');
const start = new Date('2026-01-01T00:00:00Z');

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 200);

const began = performance.now();
const events = generateStorefront({ customers, days, start, seed: 1 });
const generated = performance.now();
const simulation = await simulate({
  config: await loadConfigFile(),
  events,
  seed: 1,
  start,
  end: new Date(start.getTime() + days * 86_400_000),
  // As `lifecycle simulate` without --customer: no timeline is read.
  timelinesOf: [],
});
const finished = performance.now();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());

const { result } = simulation;
console.log(
  JSON.stringify({
    customers,
    days,
    events: events.length,
    customersInStore: result.customers,
    emails: result.emails.sent,
    modelRuns: result.modelRuns,
    generateSeconds: (generated - began) / 1000,
    simulateSeconds: (finished - generated) / 1000,
    wallSeconds: (finished - began) / 1000,
    sampledPeakRssBytes: peakRss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    // Time on the CPU, user and system: on a machine shared with other work, steadier than the wall time.
    cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6,
    heapUsedBytes: process.memoryUsage().heapUsed,
  }),
);
