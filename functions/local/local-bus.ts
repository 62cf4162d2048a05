import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { errorLine } from '../domain/errors.js';
import { ROUTES, type Route, type RouteTarget } from '../domain/routing.js';
import type { BusEvent, EventPublisher } from '../ports/event-publisher.js';

/** An event as a bus target receives it from EventBridge, with the id given. */
export function busEnvelope(event: BusEvent, id: string): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': event.detailType,
    source: event.source,
    account: '000000000000',
    time: (event.time ?? new Date()).toISOString(),
    region: 'local',
    resources: [],
    // A JSON round trip, as on the real bus: targets never share objects with the publisher.
    detail: JSON.parse(event.detailJson ?? JSON.stringify(event.detail)),
  };
}

export type LocalTarget = (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;

/** A delivery that failed every attempt, kept as EventBridge would keep it in the target's dead-letter queue. */
export interface DeadLetter {
  readonly route: string;
  readonly detailType: string;
  readonly error: string;
}

/**
 * The local stand-in for the EventBridge bus: routes each published event with the same routing table
 * the CDK rules are made from, and invokes the targets asynchronously, as EventBridge does, with retries.
 */
export class LocalEventBus implements EventPublisher {
  readonly deadLetters: DeadLetter[] = [];
  /** The most recent events put on the bus, routed or not, newest last: what an archive would show. */
  readonly recent: EventBridgeEvent<string, unknown>[] = [];
  private readonly targets: Readonly<Record<RouteTarget, LocalTarget>>;
  private readonly routes: readonly Route[];
  private readonly onDelivered: () => void;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(options: {
    readonly targets: Readonly<Record<RouteTarget, LocalTarget>>;
    readonly routes?: readonly Route[];
    /** Called after each delivery, e.g. to run the dispatcher at once. */
    readonly onDelivered?: () => void;
  }) {
    this.targets = options.targets;
    this.routes = options.routes ?? ROUTES;
    this.onDelivered = options.onDelivered ?? (() => undefined);
  }

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (const event of events) {
      const entry = busEnvelope(event, randomUUID());
      this.recent.push(entry);
      if (this.recent.length > 500) this.recent.shift();
      for (const route of this.routes) {
        if (!route.pattern.source.includes(entry.source) || !route.pattern.detailType.includes(entry['detail-type'])) {
          continue;
        }
        this.pending++;
        // Deliveries run one at a time, in publication order: easy to follow in a local log.
        this.queue = this.queue
          .then(() => this.deliver(route, entry))
          .finally(() => {
            this.pending--;
            this.onDelivered();
          });
      }
    }
  }

  /** Resolves when every event published so far has been delivered (or dead-lettered). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private async deliver(route: Route, entry: EventBridgeEvent<string, unknown>): Promise<void> {
    const target = this.targets[route.target];
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await target(entry);
        return;
      } catch (error) {
        if (attempt === 3) {
          this.deadLetters.push({
            route: route.id,
            detailType: entry['detail-type'],
            error: errorLine(error),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }
}
