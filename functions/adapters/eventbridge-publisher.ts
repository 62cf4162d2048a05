import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusEvent, EventPublisher } from '../ports/event-publisher.js';

/** Some entries could not be put on the bus after retries. Nothing is acknowledged to the sender. */
export class PublishFailedError extends Error {
  constructor(failed: number, code: string | undefined) {
    super(`${failed} event(s) could not be put on the bus (${code ?? 'unknown error'})`);
    this.name = 'PublishFailedError';
  }
}

const BATCH = 10;
const ATTEMPTS = 3;

/** {@link EventPublisher} on an EventBridge bus. Retries entries EventBridge reports as failed. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor(options: { readonly client: EventBridgeClient; readonly busName: string }) {
    this.client = options.client;
    this.busName = options.busName;
  }

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH) {
      let pending: PutEventsRequestEntry[] = events.slice(start, start + BATCH).map((event) => ({
        EventBusName: this.busName,
        Source: event.source,
        DetailType: event.detailType,
        Detail: event.detailJson ?? JSON.stringify(event.detail),
        Time: event.time,
      }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const result = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!result.FailedEntryCount) break;
        const failed = pending.filter((_, index) => result.Entries?.[index]?.ErrorCode);
        if (attempt >= ATTEMPTS) {
          const code = result.Entries?.find((entry) => entry.ErrorCode)?.ErrorCode;
          throw new PublishFailedError(failed.length, code);
        }
        pending = failed;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}
