import { errorName } from '../errors.js';
import { type CanonicalEvent, eventTimeProblem } from '../events.js';
import { type RecordCustomerEventDependencies, recordCustomerEvent } from './record-customer-event.js';
import type { RecordOutcome } from './record-outcome.js';

export type BackfillItem =
  /** `line`: where the event starts in the file, to name it if it is refused. */
  | { readonly kind: 'event'; readonly event: CanonicalEvent; readonly line?: number }
  | { readonly kind: 'rejected'; readonly line: number; readonly reason: string };

export interface BackfillSummary {
  read: number;
  applied: number;
  /** Already imported (a re-run), or already received by webhook. */
  duplicates: number;
  /** Orders without anyone to contact, kept for the store's figures. */
  storeOrders: number;
  /** Catalogue products written. */
  products: number;
  /** Catalogue products kept already in the same or a newer state (a re-run, or newer from a webhook). */
  superseded: number;
  ignored: number;
  failed: number;
  /** Name of the last unexpected error, for the summary (never its message: it may hold data). */
  lastError?: string;
  readonly rejected: { readonly line: number; readonly reason: string }[];
  readonly customers: Set<string>;
}

/**
 * Imports history: every event goes through the same code as a live one, but silently: no journey is
 * entered, no stage change is published, so nobody receives an email for something that happened months
 * ago. Idempotent: a second run finds every event already applied.
 */
export async function backfill(
  dependencies: RecordCustomerEventDependencies,
  items: AsyncIterable<BackfillItem>,
  options: { readonly concurrency?: number; readonly onProgress?: (summary: BackfillSummary) => void } = {},
): Promise<BackfillSummary> {
  const silent: RecordCustomerEventDependencies = { ...dependencies, journeys: new Map(), silent: true };
  const summary: BackfillSummary = {
    read: 0,
    applied: 0,
    duplicates: 0,
    storeOrders: 0,
    products: 0,
    superseded: 0,
    ignored: 0,
    failed: 0,
    rejected: [],
    customers: new Set(),
  };
  const concurrency = options.concurrency ?? 8;
  const running = new Set<Promise<void>>();
  const count = (outcome: RecordOutcome) => {
    switch (outcome.outcome) {
      case 'recorded':
        summary.applied++;
        summary.customers.add(outcome.customerId);
        break;
      case 'duplicate':
        summary.duplicates++;
        break;
      case 'store_order':
        summary.storeOrders++;
        break;
      case 'catalogued':
        if (outcome.write === 'written') summary.products++;
        else if (outcome.write === 'stale') summary.superseded++;
        else summary.ignored++;
        break;
      default:
        summary.ignored++;
    }
  };
  for await (const item of items) {
    summary.read++;
    if (item.kind === 'rejected') {
      summary.rejected.push({ line: item.line, reason: item.reason });
      continue;
    }
    // History is checked against the clock as live events are: nothing after now, nothing before 1995.
    const timeProblem = eventTimeProblem(item.event, dependencies.clock.now());
    if (timeProblem) {
      summary.rejected.push({
        line: item.line ?? summary.read,
        reason: `${timeProblem.field}: ${timeProblem.message}`,
      });
      continue;
    }
    // Privacy requests and shop erasure are never replayed from history.
    if (
      item.event.type === 'customer.erased' ||
      item.event.type === 'shop.erased' ||
      item.event.type === 'customer.data_requested'
    ) {
      summary.ignored++;
      continue;
    }
    const task = recordCustomerEvent(silent, item.event)
      .then(count, (error: unknown) => {
        summary.failed++;
        summary.lastError = errorName(error);
      })
      .finally(() => {
        running.delete(task);
        options.onProgress?.(summary);
      });
    running.add(task);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return summary;
}
