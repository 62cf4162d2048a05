import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeEvent } from 'aws-lambda';
import { ROUTES, type RouteTarget } from '../../functions/domain/routing.js';

/** An event EventBridge accepted, as a rule target will get it (the same envelope on every redelivery). */
export interface AcceptedEvent {
  readonly envelope: EventBridgeEvent<string, unknown>;
  readonly busName: string | undefined;
}

export type Target = (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;

/** What delivering the pending events did. */
export interface Delivery {
  readonly delivered: number;
  /** Invocations that failed (each is retried on the next delivery, as EventBridge retries). */
  readonly failed: number;
  /** Events still waiting for a successful invocation. */
  readonly pending: number;
}

/**
 * A stand-in for the EventBridge API (PutEvents over HTTP, AWS JSON 1.1), so that the product's
 * EventBridgePublisher runs unchanged through a real SDK client, with its retries and the faults a test
 * injects into that client. Accepted events wait here until the test delivers them to the rule targets
 * (the routing table the CDK rules are made from); a target that fails keeps the event pending and it is
 * delivered again, the same envelope (same id), as EventBridge retries a failed invocation.
 */
export class LocalEventBridge {
  readonly accepted: AcceptedEvent[] = [];
  private readonly pending: { event: AcceptedEvent; target: RouteTarget; failures: number }[] = [];
  private entryFailures = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<LocalEventBridge> {
    let bus: LocalEventBridge | undefined;
    const server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const answer = bus?.putEvents(request.headers['x-amz-target'], body);
        response.writeHead(answer?.status ?? 500, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(answer?.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    bus = new LocalEventBridge(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return bus;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** The next `count` entries put are reported failed in a 200 answer (`FailedEntryCount`), as EventBridge does. */
  failNextEntries(count: number): void {
    this.entryFailures = count;
  }

  /** Accepted events of a detail type (every copy: a redelivered webhook may put the same event twice). */
  ofType(detailType: string): AcceptedEvent[] {
    return this.accepted.filter((event) => event.envelope['detail-type'] === detailType);
  }

  /** Events waiting for delivery to `target`. */
  pendingFor(target: RouteTarget): number {
    return this.pending.filter((p) => p.target === target).length;
  }

  /**
   * Delivers every pending event to its rule's target, `concurrency` at a time, each once; failures stay
   * pending. Events the product publishes for others (stage changes) match no rule and are only kept.
   */
  async deliver(targets: Partial<Record<RouteTarget, Target>>, concurrency = 1): Promise<Delivery> {
    const batch = this.pending.splice(0, this.pending.length);
    const waiting = batch.filter((p) => targets[p.target] === undefined);
    const due = batch.filter((p) => targets[p.target] !== undefined);
    let delivered = 0;
    let failed = 0;
    let next = 0;
    const retry: typeof batch = [];
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(concurrency, due.length)) }, async () => {
        while (next < due.length) {
          const item = due[next++] as (typeof due)[number];
          try {
            await (targets[item.target] as Target)(item.event.envelope);
            delivered++;
          } catch {
            failed++;
            item.failures++;
            retry.push(item);
          }
        }
      }),
    );
    this.pending.push(...waiting, ...retry);
    return { delivered, failed, pending: this.pending.length };
  }

  /** Delivers until nothing is pending, at most `rounds` times; throws if events are still pending then. */
  async drain(targets: Partial<Record<RouteTarget, Target>>, options: { rounds?: number; concurrency?: number } = {}) {
    let failed = 0;
    for (let round = 0; round < (options.rounds ?? 8); round++) {
      const delivery = await this.deliver(targets, options.concurrency);
      failed += delivery.failed;
      if (delivery.pending === 0) return { failed };
    }
    throw new Error(`${this.pending.length} bus event(s) still failing after ${options.rounds ?? 8} deliveries`);
  }

  private putEvents(target: string | string[] | undefined, body: string): { status: number; body: unknown } {
    if (target !== 'AWSEvents.PutEvents') {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `not supported: ${target}` } };
    }
    const request = JSON.parse(body) as {
      Entries: { Source: string; DetailType: string; Detail: string; EventBusName?: string; Time?: number }[];
    };
    const entries = request.Entries.map((entry) => {
      if (this.entryFailures > 0) {
        this.entryFailures--;
        return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded (injected entry failure)' };
      }
      const envelope: EventBridgeEvent<string, unknown> = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: new Date(entry.Time === undefined ? Date.now() : entry.Time * 1000).toISOString(),
        region: 'local',
        resources: [],
        detail: JSON.parse(entry.Detail),
      };
      const event = { envelope, busName: entry.EventBusName };
      this.accepted.push(event);
      for (const route of ROUTES) {
        if (route.pattern.source.includes(entry.Source) && route.pattern.detailType.includes(entry.DetailType)) {
          this.pending.push({ event, target: route.target, failures: 0 });
        }
      }
      return { EventId: envelope.id };
    });
    return {
      status: 200,
      body: { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries },
    };
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
