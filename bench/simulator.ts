import { jsonFromChild } from './child.js';
import type { BenchContext } from './context.js';
import { fmt, type Section } from './report.js';

interface ChildResult {
  readonly customers: number;
  readonly days: number;
  readonly events: number;
  readonly customersInStore: number;
  readonly emails: number;
  readonly modelRuns: number;
  readonly generateSeconds: number;
  readonly simulateSeconds: number;
  readonly wallSeconds: number;
  readonly sampledPeakRssBytes: number;
  readonly maxRssBytes: number;
  /** The child's time on the CPU (user and system), whatever else the machine ran meanwhile. */
  readonly cpuSeconds: number;
  readonly processSeconds: number;
}

/**
 * Figure 5: the simulator, 10,000 synthetic customers over 365 days (or `--sim-customers` over
 * `--sim-days`), in a Node process of its own
 * (bench/simulate-child.ts): wall time, and peak memory as the kernel counts it (max RSS) and as sampled
 * every 200 ms.
 */
export async function simulatorRun(context: BenchContext): Promise<Section> {
  const customers = context.simCustomers ?? (context.quick ? 1_000 : 10_000);
  const days = context.simDays ?? 365;
  const result = await runChild(customers, days);
  context.log(`simulator   ${customers} customers × ${days} days: ${fmt(result.wallSeconds, 1)} s`);
  return {
    id: 'simulator',
    title: `5. Simulator: ${customers.toLocaleString('en-US')} customers over ${days} days (in-memory store, own process)`,
    columns: [
      'events',
      'emails',
      'model runs',
      'generate s',
      'simulate s',
      'wall s',
      'CPU s',
      'peak RSS MB',
      'events/s',
    ],
    rows: [
      [
        result.events.toLocaleString('en-US'),
        result.emails.toLocaleString('en-US'),
        result.modelRuns,
        fmt(result.generateSeconds, 1),
        fmt(result.simulateSeconds, 1),
        fmt(result.wallSeconds, 1),
        fmt(result.cpuSeconds, 1),
        fmt(result.maxRssBytes / 2 ** 20, 0),
        fmt(result.events / result.simulateSeconds, 0),
      ],
    ],
    notes: [
      `generateStorefront (seed 1) then simulate() with lifecycle.config.ts, as \`lifecycle simulate --customers ${customers} --days ${days}\` runs it; the daily model job runs once a simulated day.`,
      `Peak RSS: process.resourceUsage().maxRSS of the child; sampled every 200 ms: ${fmt(result.sampledPeakRssBytes / 2 ** 20, 0)} MB. Whole child process: ${fmt(result.processSeconds, 1)} s.`,
    ],
    data: result,
  };
}

async function runChild(customers: number, days: number): Promise<ChildResult> {
  const started = performance.now();
  const figures = await jsonFromChild<Omit<ChildResult, 'processSeconds'>>(
    ['--import', 'tsx', 'bench/simulate-child.ts', '--customers', String(customers), '--days', String(days)],
    { marker: '{"customers"', what: 'the simulation process', showErrors: true },
  );
  return { ...figures, processSeconds: (performance.now() - started) / 1000 };
}
