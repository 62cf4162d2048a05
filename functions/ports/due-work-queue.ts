import type { DueRun } from './customer-store.js';

/**
 * Where the fan-out's planner puts batches of due work for the workers: an SQS queue in AWS, an in-memory
 * queue in the local runtime. A batch may be delivered more than once; the claims make that harmless.
 */
export interface DueWorkQueue {
  /** Puts each batch on the queue as one message. */
  enqueue(batches: readonly (readonly DueRun[])[]): Promise<void>;
}
