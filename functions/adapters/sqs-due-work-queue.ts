import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EnrollmentPage } from '../domain/campaigns/campaign-state.js';
import { dueWorkMessage, enrollmentMessage } from '../domain/services/dispatch/plan.js';
import type { DueRun } from '../ports/customer-store.js';
import type { DueWorkQueue } from '../ports/due-work-queue.js';

/** SQS takes at most ten messages a SendMessageBatch. */
const ENTRIES_PER_CALL = 10;
/** Entries SQS refused for a passing reason are sent again this many times, then the planner fails. */
const ATTEMPTS = 3;

/** Messages SQS would not take: their items are due again when their mark ends. */
export class DueWorkNotEnqueuedError extends Error {
  override readonly name = 'DueWorkNotEnqueuedError';
}

/** {@link DueWorkQueue} on SQS: one message per batch or page, ten messages a call. */
export class SqsDueWorkQueue implements DueWorkQueue {
  constructor(private readonly options: { readonly client: SQSClient; readonly queueUrl: string }) {}

  async enqueue(batches: readonly (readonly DueRun[])[]): Promise<void> {
    await this.sendAll(batches.map(dueWorkMessage));
  }

  async enqueueEnrollment(pages: readonly EnrollmentPage[]): Promise<void> {
    await this.sendAll(pages.map(enrollmentMessage));
  }

  private async sendAll(bodies: readonly string[]): Promise<void> {
    const calls: Promise<void>[] = [];
    for (let start = 0; start < bodies.length; start += ENTRIES_PER_CALL) {
      calls.push(this.send(bodies.slice(start, start + ENTRIES_PER_CALL)));
    }
    await Promise.all(calls);
  }

  private async send(bodies: readonly string[]): Promise<void> {
    let entries = bodies.map((body, i) => ({ Id: String(i), MessageBody: body }));
    for (let attempt = 1; entries.length > 0; attempt++) {
      const result = await this.options.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
      );
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      entries = entries.filter((entry) => failed.has(entry.Id));
      if (entries.length > 0 && attempt >= ATTEMPTS) {
        throw new DueWorkNotEnqueuedError(`${entries.length} due work messages were not taken by the queue`);
      }
    }
  }
}
