import type { Engines } from './engines.js';
import type { Section } from './report.js';

/** What every figure of the bench gets. */
export interface BenchContext {
  /** Smaller sizes, to try the bench in a minute or two. */
  readonly quick: boolean;
  /** SES send rate (emails per second) of the rate-limited dispatcher drain. */
  readonly sesRate: number;
  /** Sends of the rate-limited drain. @default one minute at the rate */
  readonly ratedSends?: number | undefined;
  /**
   * The store of the fan-out figure: DynamoDB Local, or the emulated table in memory (100,000 recipients in
   * minutes; the units per email then come from a quick run on DynamoDB Local). @default 'dynamodb'
   */
  readonly fanoutStore?: 'dynamodb' | 'memory' | undefined;
  /** Recipients of the fan-out figure. @default 100,000 (2,000 with `quick`) */
  readonly fanoutRecipients?: number | undefined;
  /** Customers and days of the simulator figure. @default 10,000 (1,000 with `quick`) over 365 days */
  readonly simCustomers?: number | undefined;
  readonly simDays?: number | undefined;
  /** A function (POWERTOOLS_SERVICE_NAME) whose bundle the bundles figure lists file by file. */
  readonly bundleFiles?: string | undefined;
  /** The local engines, started on first use and stopped when the bench ends. */
  engines(): Promise<Engines>;
  /** The figures already taken in this run, by id (the cost projection reads them). */
  readonly results: Map<string, Section>;
  /** A progress line on stderr. */
  log(line: string): void;
}

/** A wrong option or value on the command line: the bench says so in one line and exits with 2. */
export class UsageError extends Error {}
