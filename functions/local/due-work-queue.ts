import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EnrollmentPage } from '../domain/campaigns/campaign-state.js';
import { dueWorkMessage, enrollmentMessage } from '../domain/services/dispatch/plan.js';
import type { DueRun } from '../ports/customer-store.js';
import type { DueWorkQueue } from '../ports/due-work-queue.js';

/** Deliveries of one message before it goes to the dead-letter list, as the stack's queue redrives it. */
export const MAX_RECEIVES = 3;

/**
 * The local runtime's stand-in for the fan-out's SQS queue: the planner's messages are held in memory and
 * `drain` hands them, one message an invocation as the event source mapping does, to parallel worker loops.
 * A message a worker reports as failed comes back, up to {@link MAX_RECEIVES} deliveries; then it is kept
 * in `deadLetters`, as the dead-letter queue keeps it in AWS.
 */
export class InMemoryDueWorkQueue implements DueWorkQueue {
  readonly deadLetters: string[] = [];
  private readonly messages: { readonly id: string; readonly body: string; receives: number }[] = [];
  private sent = 0;

  async enqueue(batches: readonly (readonly DueRun[])[]): Promise<void> {
    for (const batch of batches)
      this.messages.push({ id: `local-${++this.sent}`, body: dueWorkMessage(batch), receives: 0 });
  }

  /** Pages of campaigns' enrollment put on the queue so far. */
  enrollmentPages = 0;

  async enqueueEnrollment(pages: readonly EnrollmentPage[]): Promise<void> {
    this.enrollmentPages += pages.length;
    for (const page of pages)
      this.messages.push({ id: `local-${++this.sent}`, body: enrollmentMessage(page), receives: 0 });
  }

  get depth(): number {
    return this.messages.length;
  }

  /** Runs `workers` loops side by side until the queue is empty (also of the messages the workers put on it). */
  async drain(workers: number, invoke: (event: SQSEvent) => Promise<SQSBatchResponse>): Promise<void> {
    const loop = async () => {
      for (let message = this.messages.shift(); message; message = this.messages.shift()) {
        message.receives++;
        const answer = await invoke(sqsEvent(message));
        if (answer.batchItemFailures.length === 0) continue;
        if (message.receives < MAX_RECEIVES) this.messages.push(message);
        else this.deadLetters.push(message.body);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  }
}

function sqsEvent(message: { readonly id: string; readonly body: string; readonly receives: number }): SQSEvent {
  return {
    Records: [
      {
        messageId: message.id,
        receiptHandle: message.id,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receives),
          SentTimestamp: '0',
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:due-work',
        awsRegion: 'local',
      },
    ],
  };
}
