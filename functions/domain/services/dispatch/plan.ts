import type { Clock } from '../../../ports/clock.js';
import type { DueRun, DueWork } from '../../../ports/customer-store.js';
import type { DueWorkQueue } from '../../../ports/due-work-queue.js';
import type { EnrollmentPage } from '../../campaigns/campaign-state.js';
import * as z from '../../zod.js';
import { runKey } from './tick.js';

export interface PlanDependencies {
  readonly store: Pick<DueWork, 'dueRuns' | 'markEnqueued'>;
  readonly clock: Clock;
  readonly queue: DueWorkQueue;
  /**
   * Starts the campaigns whose time has come, enrolling their recipients as due runs, before the pass
   * reads the due index (services/campaigns.ts, `startDueCampaigns`); absent without campaigns.
   */
  readonly startCampaigns?: (() => Promise<unknown>) | undefined;
}

export interface PlanOptions {
  /** How long an enqueued item stays out of the due index: due again then, should its message be lost. */
  readonly markMs: number;
  /** Due items per message. @default 50 */
  readonly messageSize?: number;
  /** The most items one planning pass enqueues (the workers' minute, at the account's rate). @default 60,000 */
  readonly limit?: number;
  /** Items read from the due index per query. @default 500 */
  readonly readSize?: number;
  /** Checked between reads; planning stops when it returns false (Lambda deadline). */
  readonly shouldContinue?: () => boolean;
}

/** What one planning pass did. */
export interface PlanSummary {
  /** Due items put on the queue. */
  enqueued: number;
  /** Messages they went in. */
  messages: number;
  /** Due items a worker held, or that changed or were enqueued by another planner meanwhile. */
  busy: number;
  /** How late the oldest due item was when the pass began, in milliseconds (0 when nothing was due). */
  backlogAgeMs: number;
}

/**
 * The fan-out's planner, run every minute: reads the due index as the tick does, marks each due item as
 * enqueued (it leaves the index until the mark ends, so the next pass does not enqueue it again while it
 * waits on the queue or a worker holds it) and puts the marked items on the queue in batches, which the
 * workers claim and run (`dispatchDueItems`, the tick's own code). Sends nothing itself.
 */
export async function planDueWork(dependencies: PlanDependencies, options: PlanOptions): Promise<PlanSummary> {
  const shouldContinue = options.shouldContinue ?? (() => true);
  const messageSize = options.messageSize ?? 50;
  const limit = options.limit ?? 60_000;
  const readSize = options.readSize ?? 500;
  const summary: PlanSummary = { enqueued: 0, messages: 0, busy: 0, backlogAgeMs: 0 };
  await dependencies.startCampaigns?.();
  const seen = new Set<string>();
  let pending: DueRun[] = [];
  const flush = async (all: boolean) => {
    const batches: DueRun[][] = [];
    while (pending.length >= messageSize || (all && pending.length > 0)) batches.push(pending.splice(0, messageSize));
    if (batches.length === 0) return;
    await dependencies.queue.enqueue(batches);
    summary.messages += batches.length;
  };

  let first = true;
  while (summary.enqueued < limit && shouldContinue()) {
    const now = dependencies.clock.now();
    const batch = await dependencies.store.dueRuns(now, Math.min(readSize, limit - summary.enqueued));
    if (first) {
      first = false;
      summary.backlogAgeMs = batch.length === 0 ? 0 : Math.max(0, now.getTime() - Date.parse(oldest(batch)));
    }
    const due = batch.filter((run) => !seen.has(runKey(run)));
    if (due.length === 0) break;
    for (const run of due) seen.add(runKey(run));
    const until = new Date(now.getTime() + options.markMs);
    const marked = await Promise.all(due.map((run) => dependencies.store.markEnqueued(run, { now, until })));
    for (const run of marked) {
      if (run) pending.push(run);
      else summary.busy++;
    }
    summary.enqueued += marked.filter(Boolean).length;
    await flush(false);
  }
  await flush(true);
  pending = [];
  return summary;
}

function oldest(batch: readonly DueRun[]): string {
  return batch.reduce((earliest, run) => (run.dueAt < earliest ? run.dueAt : earliest), batch[0]?.dueAt ?? '');
}

/** The most due items one message holds: the workers' batch, bounded. */
export const MAX_MESSAGE_ITEMS = 100;

const Text = z.string().check(z.minLength(1), z.maxLength(200));
const Moment = z.iso.datetime();
const Mark = { dueAt: Moment, enqueuedUntil: z.optional(Moment) };
const DueItemSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('journey'), customerId: Text, journeyId: Text, ...Mark }),
  z.strictObject({ kind: z.literal('reassess'), customerId: Text, ...Mark }),
  z.strictObject({ kind: z.literal('outbox'), customerId: Text, outboxId: Text, ...Mark }),
]);
/** The most segments a scan is read in: DynamoDB's own limit is higher, the campaign state's is this. */
const MAX_SEGMENTS = 1_000;
const EnrollmentPageSchema = z
  .strictObject({
    campaignId: Text,
    segment: z.int().check(z.gte(0), z.lte(MAX_SEGMENTS - 1)),
    totalSegments: z.int().check(z.gte(1), z.lte(MAX_SEGMENTS)),
    // A scan's resume key, as the store wrote it (DynamoDB's LastEvaluatedKey, in JSON): bounded.
    resumeAfter: z.optional(z.string().check(z.minLength(1), z.maxLength(2_048))),
  })
  .check(z.refine((page) => page.segment < page.totalSegments, { path: ['segment'] }));
const DueWorkMessageSchema = z.union([
  z.strictObject({ items: z.array(DueItemSchema).check(z.minLength(1), z.maxLength(MAX_MESSAGE_ITEMS)) }),
  z.strictObject({ enroll: EnrollmentPageSchema }),
]);

/** A queue message's body: one batch of due items. */
export function dueWorkMessage(batch: readonly DueRun[]): string {
  return JSON.stringify({ items: batch });
}

/** A queue message's body: one page of a campaign's enrollment. */
export function enrollmentMessage(page: EnrollmentPage): string {
  return JSON.stringify({ enroll: page });
}

/** What a queue message asks of a worker: a batch of due items, or a page of a campaign's enrollment. */
export type DueWorkMessage =
  | { readonly kind: 'items'; readonly items: DueRun[] }
  | { readonly kind: 'enroll'; readonly page: EnrollmentPage };

/** A message malformed or from elsewhere: named by the field, never echoing what it held. */
export class InvalidDueWorkMessageError extends Error {
  override readonly name = 'InvalidDueWorkMessageError';
}

/** The work in a queue message's body, checked. */
export function parseDueWorkMessage(body: string): DueWorkMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidDueWorkMessageError('the message is not JSON');
  }
  const parsed = DueWorkMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.code === 'invalid_union' ? issue.errors.flat()[0]?.path : issue?.path;
    const field = path?.join('.') || 'message';
    throw new InvalidDueWorkMessageError(`invalid due work message: ${field}`);
  }
  return 'items' in parsed.data
    ? { kind: 'items', items: parsed.data.items }
    : { kind: 'enroll', page: parsed.data.enroll };
}
