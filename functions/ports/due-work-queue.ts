import type { EnrollmentPage } from '../domain/campaigns/campaign-state.js';
import type { DueRun } from './customer-store.js';

/**
 * Where the fan-out's planner puts batches of due work, and pages of campaigns' enrollment, for the workers: an SQS queue in AWS, an in-memory
 * queue in the local runtime. A batch may be delivered more than once; the claims make that harmless.
 */
export interface DueWorkQueue {
  /** Puts each batch on the queue as one message. */
  enqueue(batches: readonly (readonly DueRun[])[]): Promise<void>;
  /** Puts each page of a campaign's enrollment on the queue as one message. */
  enqueueEnrollment(pages: readonly EnrollmentPage[]): Promise<void>;
}
