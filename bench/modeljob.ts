import { readFileSync } from 'node:fs';
import { jsonFromChild } from './child.js';
import type { BenchContext } from './context.js';
import type { ScanMeter } from './modeljob-store.js';
import { fmt, money, type Section } from './report.js';

interface RunFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly moved: number;
  readonly makingPagesSeconds: number;
  readonly makingPagesCpuSeconds: number;
}

interface ChildResult {
  readonly customers: number;
  readonly scanSegments: number;
  readonly buyers: number;
  readonly firstRun: RunFigures;
  readonly dailyRun: RunFigures;
  readonly scan: ScanMeter;
  readonly modelBytes: number;
  readonly clv: { readonly method?: string; readonly confidence?: string; readonly customers?: number };
  readonly products: number;
  readonly baselineRssBytes: number;
  readonly sampledPeakRssBytes: number;
  readonly maxRssBytes: number;
}

/**
 * DynamoDB's documented limits that bound a parallel scan: a partition serves at most 3,000 read units a
 * second (4 KB each strongly consistent, two at eventual consistency), a Scan call reads at most 1 MB, and
 * a new on-demand table serves up to 12,000 read request units a second at once (more after a higher peak).
 */
const PARTITION_READ_UNITS_PER_SECOND = 3_000;
const NEW_ON_DEMAND_TABLE_READ_UNITS_PER_SECOND = 12_000;
/** Read and write units of one reassessment: a consistent query of the customer's items, a transaction writing the profile. */
const REASSESSMENT = { readUnits: 2, writeUnits: 4 };
/** Reassessments the job runs at once (refresh-store-model.ts), and a round trip of each (query, then transaction). */
const REASSESSMENT_CONCURRENCY = 16;
const REASSESSMENT_SECONDS = 0.03;
const LAMBDA_MEMORY_MB = 1_536;

/**
 * Figure 10: the daily model job at 100,000 and 1,000,000 customers (10,000 and 100,000 with --quick), each
 * size in a Node process of its own (bench/modeljob-child.ts): the job's own time and CPU, peak memory,
 * what its scan reads, and the projection of the scan's time on DynamoDB.
 */
export async function modelJobRun(context: BenchContext): Promise<Section> {
  const sizes = context.quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const results: ChildResult[] = [];
  for (const customers of sizes) {
    const result = await jsonFromChild<ChildResult>(
      ['--max-old-space-size=4096', '--import', 'tsx', 'bench/modeljob-child.ts', '--customers', String(customers)],
      { marker: '{"customers"', what: 'the model job process', showErrors: true },
    );
    context.log(
      `modeljob    ${customers} customers: ${fmt(result.dailyRun.seconds - result.dailyRun.makingPagesSeconds, 1)} s`,
    );
    results.push(result);
  }
  const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as {
    readonly dynamodb: { readonly perMillionReadRequestUnits: number; readonly perMillionWriteRequestUnits: number };
  };
  const rows = results.map((r) => {
    const scanSeconds = projectedScanSeconds(r.scan.readUnits, r.scanSegments);
    const reassessSeconds = (r.dailyRun.moved / REASSESSMENT_CONCURRENCY) * REASSESSMENT_SECONDS;
    const jobCpu = r.dailyRun.cpuSeconds - r.dailyRun.makingPagesCpuSeconds;
    const writeUnits = Math.ceil(r.modelBytes / 1_024) + r.dailyRun.moved * REASSESSMENT.writeUnits;
    const readUnits = r.scan.readUnits + r.dailyRun.moved * REASSESSMENT.readUnits;
    return [
      r.customers.toLocaleString('en-US'),
      fmt(r.dailyRun.seconds - r.dailyRun.makingPagesSeconds, 1),
      fmt(jobCpu, 1),
      fmt(r.firstRun.cpuSeconds - r.firstRun.makingPagesCpuSeconds, 1),
      fmt(r.maxRssBytes / 2 ** 20, 0),
      fmt(r.scan.bytesRead / 2 ** 30, 2),
      fmt(r.scan.readUnits, 0),
      r.dailyRun.moved.toLocaleString('en-US'),
      fmt(writeUnits, 0),
      fmt(scanSeconds, 0),
      fmt(scanSeconds + jobCpu + reassessSeconds, 0),
      money(
        (readUnits / 1e6) * prices.dynamodb.perMillionReadRequestUnits +
          (writeUnits / 1e6) * prices.dynamodb.perMillionWriteRequestUnits,
        3,
      ),
    ];
  });
  return {
    id: 'modeljob',
    title: `10. The daily model job on a synthetic store (${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} customers)`,
    columns: [
      'customers',
      'job s',
      'job CPU s',
      'first run CPU s',
      'peak RSS MB',
      'GB scanned',
      'RRU (scan)',
      'moved',
      'WRU',
      'scan s on DynamoDB',
      'scan + job CPU + reassessments s',
      'DynamoDB $ a day',
    ],
    rows,
    notes: [
      "computeStoreModel (refresh-store-model.ts), the job's own code, on scan pages made on the fly (bench/modeljob-store.ts: a million customers do not fit the in-memory store); making the pages is timed and taken off.",
      'job s: the day after the first run, warm-started from its model; "first run": no model yet, cold fits. moved: customers the day\'s model reassesses (counted, not written).',
      `Scan RRU: every item read, profiles and orders sized as the adapter writes them plus the other items (timeline, runs, look-ups) estimated per event; 4 KB each, half a unit at eventual consistency.`,
      `scan s on DynamoDB: ${results[0]?.scanSegments ?? 8} segments at most ${PARTITION_READ_UNITS_PER_SECOND.toLocaleString('en-US')} RCU/s each (a partition's limit), the table at most ${NEW_ON_DEMAND_TABLE_READ_UNITS_PER_SECOND.toLocaleString('en-US')} RRU/s (a new on-demand table). Then that + the job's CPU + the reassessments (${REASSESSMENT_CONCURRENCY} at once, ${REASSESSMENT_SECONDS * 1000} ms each), at ${LAMBDA_MEMORY_MB} MB.`,
      `WRU: the model item and ${REASSESSMENT.writeUnits} per reassessment; $ a day at on-demand prices (bench/prices.json), reassessments' reads (${REASSESSMENT.readUnits} RRU each) included.`,
    ],
    data: results,
  };
}

/** Seconds a parallel scan of `segments` takes to read `readUnits` (eventually consistent) at DynamoDB's limits. */
export function projectedScanSeconds(readUnits: number, segments: number): number {
  return readUnits / Math.min(segments * PARTITION_READ_UNITS_PER_SECOND, NEW_ON_DEMAND_TABLE_READ_UNITS_PER_SECOND);
}
