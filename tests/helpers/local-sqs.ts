import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AwsStandIn, json } from './aws-stand-in.js';

/**
 * A stand-in for SQS's SendMessageBatch (AWS JSON 1.0, `AmazonSQS.SendMessageBatch`), so that the planner's
 * SqsDueWorkQueue runs unchanged through a real SDK client, which checks each message's MD5 as SQS answers
 * it. `deliver` hands the messages, one an invocation as the stack's event source mapping does, to a worker.
 */
export class LocalSqs {
  readonly messages: { readonly id: string; readonly body: string }[] = [];

  private constructor(private readonly standIn: AwsStandIn) {}

  static async start(): Promise<LocalSqs> {
    let sqs: LocalSqs | undefined;
    const standIn = await AwsStandIn.start([
      {
        name: 'SendMessageBatch',
        matches: (request) => request.target === 'AmazonSQS.SendMessageBatch',
        answer: (request) => {
          const { Entries } = JSON.parse(request.body) as { Entries: { Id: string; MessageBody: string }[] };
          const successful = Entries.map((entry) => {
            const id = `msg-${(sqs?.messages.length ?? 0) + 1}`;
            sqs?.messages.push({ id, body: entry.MessageBody });
            return { Id: entry.Id, MessageId: id, MD5OfMessageBody: md5(entry.MessageBody) };
          });
          return json({ Successful: successful, Failed: [] }, 200, 'application/x-amz-json-1.0');
        },
      },
    ]);
    sqs = new LocalSqs(standIn);
    return sqs;
  }

  get endpoint(): string {
    return this.standIn.endpoint;
  }

  /** Delivers every message waiting, one an invocation; returns the ids the worker reported as failed. */
  async deliver(worker: (event: SQSEvent) => Promise<SQSBatchResponse>): Promise<string[]> {
    const failed: string[] = [];
    for (let message = this.messages.shift(); message; message = this.messages.shift()) {
      const answer = await worker({
        Records: [
          {
            messageId: message.id,
            receiptHandle: message.id,
            body: message.body,
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: '0',
              SenderId: 'stand-in',
              ApproximateFirstReceiveTimestamp: '0',
            },
            messageAttributes: {},
            md5OfBody: md5(message.body),
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:local:000000000000:due-work',
            awsRegion: 'local',
          },
        ],
      });
      failed.push(...answer.batchItemFailures.map((failure) => failure.itemIdentifier));
    }
    return failed;
  }

  stop(): Promise<void> {
    return this.standIn.stop();
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
