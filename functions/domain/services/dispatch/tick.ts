import type { DueRun } from '../../../ports/customer-store.js';
import { campaignIdOf } from '../../campaigns/campaign.js';
import { errorLine } from '../../errors.js';
import { startDueCampaigns } from '../campaigns.js';
import { CounterBuffer } from './counters.js';
import type { DispatchDependencies } from './dependencies.js';
import { dispatchRun } from './run-step.js';
import { templateHeld } from './send.js';
import { type DispatchSummary, emptySummary } from './summary.js';
import { dispatchTimer } from './timer.js';

export interface DispatchOptions {
  /** Checked between runs; a tick stops claiming work when it returns false (Lambda deadline). */
  readonly shouldContinue?: () => boolean;
  /** Runs read from the due index per query. @default 100 */
  readonly batchSize?: number;
  /** Customers handled at the same time (a customer's own runs go one after the other). @default 8 */
  readonly concurrency?: number;
}

/**
 * One dispatcher tick: claims everything that is due (journey steps, reassessments, outbox entries),
 * runs journey steps through the guardrails, sends, and saves each outcome. Reads only what is due; stops
 * early when `shouldContinue` says so, leaving the rest for the next tick. A customer's runs are handled
 * one after the other, so the frequency cap sees every send of the tick.
 */
export async function dispatchDueRuns(
  tickDependencies: DispatchDependencies,
  options: DispatchOptions = {},
): Promise<DispatchSummary> {
  const dependencies = { ...tickDependencies, campaignStates: await startDueCampaigns(tickDependencies) };
  const shouldContinue = options.shouldContinue ?? (() => true);
  const batchSize = options.batchSize ?? 100;
  const summary = emptySummary();
  const seen = new Set<string>();
  const tick: DispatchDependencies = {
    ...dependencies,
    // One read of a template's newest version per tick, however many of its sends are due.
    templateHeld: onceEach((template) => templateHeld(dependencies, template)),
  };

  let first = true;
  while (shouldContinue()) {
    const now = dependencies.clock.now();
    const batch = await dependencies.store.dueRuns(now, batchSize);
    if (first) {
      first = false;
      summary.backlogAgeMs = backlogAgeMs(batch, now);
    }
    const due = batch.filter((run) => !seen.has(runKey(run)));
    if (due.length === 0) break;
    for (const run of due) seen.add(runKey(run));
    await dispatchDueItems(tick, due, summary, { shouldContinue, concurrency: options.concurrency ?? 8 });
  }
  return summary;
}

/** Work of one or more customers failed in a tick; the rest was done, as `summary` counts it. */
export class DispatchTickError extends Error {
  override readonly name = 'DispatchTickError';
  constructor(
    readonly summary: DispatchSummary,
    readonly errors: readonly unknown[],
  ) {
    const first = errors[0];
    super(
      `due work of ${errors.length} customer${errors.length > 1 ? 's' : ''} failed; the first: ${errorLine(first)}`,
      { cause: first },
    );
  }
}

/** How late the oldest item of a batch is at `now`, in milliseconds; 0 for an empty batch. */
function backlogAgeMs(batch: readonly DueRun[], now: Date): number {
  if (batch.length === 0) return 0;
  const oldest = Math.min(...batch.map((run) => Date.parse(run.dueAt)));
  return Math.max(0, now.getTime() - oldest);
}

/**
 * Runs a batch of due work, customers side by side and each customer's work in order: a tick's batch read
 * from the due index, or a fan-out worker's message (plan.ts). The batch's journey counters are added
 * together at its end. A customer whose work fails leaves the others to finish theirs: every worker is
 * awaited, the counters flushed, and then the batch fails with the first error (its leases expire, and
 * the work is taken up again).
 */
export async function dispatchDueItems(
  dependencies: DispatchDependencies,
  due: readonly DueRun[],
  summary: DispatchSummary,
  options: { readonly shouldContinue: () => boolean; readonly concurrency: number },
): Promise<void> {
  const batch = await batchDependencies(dependencies, due);
  const counters = new CounterBuffer(dependencies.store);
  const errors: unknown[] = [];
  try {
    await forEachConcurrently(groupByCustomer(due), options.concurrency, async (runs) => {
      try {
        for (const run of [...runs].sort(dueOrder)) {
          if (!options.shouldContinue()) return;
          await dispatchDueItem(batch, run, summary, counters);
        }
      } catch (error) {
        errors.push(error);
      }
    });
  } finally {
    await counters.flush();
  }
  if (errors.length > 0) throw new DispatchTickError(summary, errors);
}

/** Claims one due item and runs it: a journey run's steps, a reassessment or an outbox entry. */
export async function dispatchDueItem(
  dependencies: DispatchDependencies,
  run: DueRun,
  summary: DispatchSummary,
  counters: CounterBuffer,
): Promise<void> {
  if (run.kind === 'journey') await dispatchRun(dependencies, run, summary, counters);
  else await dispatchTimer(dependencies, run, summary);
}

/**
 * What a batch reads once, whoever runs it (a tick, or a fan-out worker with its message): the states of
 * the campaigns its runs belong to (a run of a cancelled campaign ends unsent), and each template's
 * status (a held template's sends wait), unless the tick read them already.
 */
async function batchDependencies(
  dependencies: DispatchDependencies,
  due: readonly DueRun[],
): Promise<DispatchDependencies> {
  const campaignIds = campaignIdsOf(due);
  const campaignStates =
    dependencies.campaignStates ??
    (campaignIds.length > 0 && dependencies.campaignStore
      ? await dependencies.campaignStore.campaignStatuses(campaignIds)
      : undefined);
  return {
    ...dependencies,
    campaignStates,
    templateHeld: dependencies.templateHeld ?? onceEach((template) => templateHeld(dependencies, template)),
  };
}

/** The campaigns the journey runs of a batch belong to, each once. */
export function campaignIdsOf(due: readonly DueRun[]): string[] {
  return [...new Set(due.flatMap((run) => (run.kind === 'journey' ? [campaignIdOf(run.journeyId)] : [])))].filter(
    (id): id is string => id !== undefined,
  );
}

/** `read` once per key while its answer stands; a failed read is not kept, so the next use reads again. */
function onceEach(read: (key: string) => Promise<boolean>): (key: string) => Promise<boolean> {
  const answers = new Map<string, Promise<boolean>>();
  return (key) => {
    let answer = answers.get(key);
    if (!answer) {
      answer = read(key);
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
    }
    return answer;
  };
}

function groupByCustomer(due: readonly DueRun[]): DueRun[][] {
  const byCustomer = new Map<string, DueRun[]>();
  for (const run of due) byCustomer.set(run.customerId, [...(byCustomer.get(run.customerId) ?? []), run]);
  return [...byCustomer.values()];
}

/**
 * A customer's due work in a fixed order: oldest first, then by item key (journey runs by journey id,
 * then outbox entries, then the reassessment), as the in-memory store's index orders them. DynamoDB
 * returns index entries with the same due time in no set order, and which of two sends due at once goes
 * first decides which one the frequency cap holds back: the same events must make the same emails.
 */
function dueOrder(a: DueRun, b: DueRun): number {
  const key = (run: DueRun) =>
    run.kind === 'journey' ? `JOURNEY#${run.journeyId}` : run.kind === 'outbox' ? `OUTBOX#${run.outboxId}` : 'TIMER#';
  return a.dueAt.localeCompare(b.dueAt) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** One key per due item, whatever its due time: the same run read twice is the same item. */
export function runKey(run: DueRun): string {
  switch (run.kind) {
    case 'journey':
      return `${run.customerId}/journey/${run.journeyId}`;
    case 'outbox':
      return `${run.customerId}/outbox/${run.outboxId}`;
    case 'reassess':
      return `${run.customerId}/reassess`;
  }
}

async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}
