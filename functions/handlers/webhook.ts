import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { genericWebhookJsonSchema } from '../adapters/webhooks/generic.js';
import { enabledWebhookSources } from '../adapters/webhooks/index.js';
import type { WebhookSource } from '../adapters/webhooks/source.js';
import type { LifecycleConfig } from '../domain/config.js';
import {
  acceptCanonicalEvent,
  acceptEventTime,
  type CanonicalEvent,
  type SourceName,
  STOREFRONT_EVENT_SOURCE,
} from '../domain/events.js';
import type { BusEvent, EventPublisher } from '../ports/event-publisher.js';
import type { WebhookSecrets } from '../ports/webhook-secrets.js';
import { bodyBytes, json, type LambdaHandler, lowerCaseHeaders, rawBody } from './http.js';
import { HttpApiEventSchema, invocationEvent } from './invocation-event.js';

/** Bodies above this are refused with 413 before any parsing: large Shopify orders fit, abuse does not. */
export const MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024;
/**
 * EventBridge refuses an entry over 256 KB (its Time, Source, DetailType and Detail in UTF-8). A body under
 * the limit above can still convert to a larger event (100 line items of long texts): it is refused with
 * 413 before anything is published, rather than failing PutEvents with a 5xx that the shop retries for days.
 */
export const MAX_BUS_EVENT_BYTES = 256 * 1024;

export interface WebhookDependencies {
  /** The sources this stack accepts, by URL name. */
  readonly sources: ReadonlyMap<string, WebhookSource>;
  readonly secrets: WebhookSecrets;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Wall-clock time, for signature freshness (senders sign with their clocks). */
  readonly wallClock: () => Date;
  /**
   * The product's time, against which an event's own times must be possible (none after it, beyond the
   * clock-skew allowance). The wall clock on AWS; the simulated business clock in the local runtime.
   * @default wallClock
   */
  readonly businessClock?: () => Date;
}

/**
 * The webhook Lambda: verify, validate, publish, answer. No customer logic: that happens behind the bus, so
 * the storefront gets its answer fast and a slow customer update never times it out. Nothing is kept here:
 * a redelivery is published again under the same canonical event id (derived from the delivery, see
 * docs/webhooks.md), and the bus's consumers apply an event id once, as EventBridge's at-least-once
 * delivery already requires of them (the customer function's receipt, docs/architecture.md).
 */
export function createWebhookHandler(dependencies: WebhookDependencies) {
  const { logger, metrics } = dependencies;

  async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const sourceName = event.pathParameters?.source ?? '';
    const source = dependencies.sources.get(sourceName);
    if (!source) return json(404, { error: 'UnknownSource', message: 'no webhook source is enabled at this path' });
    if (event.requestContext.http.method === 'GET') {
      // GET /webhooks/generic/schema: the JSON Schema of the generic format, for custom shops' tooling.
      return source.name === 'generic' && event.rawPath.endsWith('/schema')
        ? json(200, genericWebhookJsonSchema())
        : json(404, { error: 'NotFound', message: 'no such resource' });
    }
    metrics.addDimension('source', source.name);

    if (bodyBytes(event) > MAX_WEBHOOK_BODY_BYTES) {
      return reject(source.name, 413, 'PayloadTooLarge', `the body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    }
    const request = { headers: lowerCaseHeaders(event.headers), rawBody: rawBody(event) };
    const secret = await dependencies.secrets.secretFor(source.name);
    const signature = source.verify(request, secret, dependencies.wallClock());
    if (!signature.ok) {
      return reject(source.name, 401, 'InvalidSignature', signatureMessage(signature.reason));
    }

    const now = (dependencies.businessClock ?? dependencies.wallClock)();
    const parsed = source.parse(request, now);
    if (parsed.kind === 'invalid') return invalidPayload(source.name, parsed.field, parsed.message);
    if (parsed.kind === 'ignored') {
      logger.info('webhook ignored', { source: source.name, reason: parsed.reason });
      metrics.addMetric('WebhookIgnored', MetricUnit.Count, 1);
      return json(200, { status: 'ignored', reason: parsed.reason });
    }

    // Every source's events are checked as the bus will check them, and against the clock: what the
    // dialect's own checks let through (a time far ahead, a line of 10^9 units) is refused here, by name.
    // A body that is the canonical event was parsed by the canonical schemas already: only the clock is left.
    const events: CanonicalEvent[] = [];
    for (const made of parsed.events) {
      const accepted = source.canonicalBody ? acceptEventTime(made, now) : acceptCanonicalEvent(made, now);
      if ('problem' in accepted) {
        const { field, message } = accepted.problem;
        return invalidPayload(source.name, source.canonicalBody ? field : `(event).${field}`, message);
      }
      events.push(accepted.event);
    }

    // Each event is serialised once: the size checked is that of the text the publisher sends.
    const entries = events.map(busEntry);
    if (entries.some((entry) => busEntryBytes(entry) > MAX_BUS_EVENT_BYTES)) {
      return reject(
        source.name,
        413,
        'PayloadTooLarge',
        `the event made from this body exceeds the ${MAX_BUS_EVENT_BYTES} bytes of an EventBridge entry`,
      );
    }

    for (const entry of entries) {
      await dependencies.publisher.publish([entry]);
      logger.info('webhook event accepted', {
        source: source.name,
        eventType: entry.detail.type,
        eventId: entry.detail.id,
      });
    }
    metrics.addMetric('WebhookAccepted', MetricUnit.Count, events.length);
    return json(200, { status: 'accepted', events: events.map((canonical) => canonical.id) });
  }

  function reject(source: SourceName, status: number, error: string, message: string) {
    logger.warn('webhook rejected', { source, error });
    metrics.addMetric('WebhookRejected', MetricUnit.Count, 1);
    return json(status, { error, message });
  }

  /** The 400 of a signed body that cannot be real, naming the field (and only the field, in the log). */
  function invalidPayload(source: SourceName, field: string, message: string) {
    logger.warn('webhook rejected: invalid payload', { source, field });
    metrics.addMetric('WebhookRejected', MetricUnit.Count, 1);
    return json(400, { error: 'InvalidPayload', message: `${field}: ${message}`, field });
  }

  return middy(handle)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(invocationEvent(HttpApiEventSchema, (event) => event)) as unknown as LambdaHandler<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >;
}

/** A canonical event's bus entry, at its business time, its detail serialised once. */
export function busEntry(
  event: CanonicalEvent,
): BusEvent & { readonly detail: CanonicalEvent; readonly detailJson: string } {
  return {
    source: STOREFRONT_EVENT_SOURCE,
    detailType: event.type,
    detail: event,
    detailJson: JSON.stringify(event),
    time: new Date(event.occurredAt),
  };
}

/** Puts a canonical event on the bus, at its business time; resolves once the bus has it. */
export function publishEvent(publisher: EventPublisher, event: CanonicalEvent): Promise<void> {
  return publisher.publish([busEntry(event)]);
}

/**
 * The size EventBridge counts for an entry: Time (14 bytes), Source, DetailType and Detail in UTF-8
 * (Resources too, which these entries have none of).
 */
export function busEntryBytes(
  entry: Pick<BusEvent, 'source' | 'detailType'> & { readonly detailJson: string },
): number {
  return (
    14 + Buffer.byteLength(entry.source) + Buffer.byteLength(entry.detailType) + Buffer.byteLength(entry.detailJson)
  );
}

function signatureMessage(reason: 'missing' | 'malformed' | 'stale' | 'mismatch'): string {
  switch (reason) {
    case 'missing':
      return 'the signature header is missing';
    case 'malformed':
      return 'the signature header is malformed';
    case 'stale':
      return 'the signature timestamp is outside the 5-minute tolerance';
    case 'mismatch':
      return 'the signature does not match the body';
  }
}

/**
 * What the webhook function needs: the sources the config enables, their secrets and the bus. Signature
 * freshness is judged by the wall clock, as the senders sign.
 */
export function webhookDependencies(parts: {
  readonly config: LifecycleConfig;
  readonly secrets: WebhookSecrets;
  readonly publisher: EventPublisher;
}): Omit<WebhookDependencies, 'logger' | 'metrics'> {
  return {
    sources: enabledWebhookSources(parts.config),
    secrets: parts.secrets,
    publisher: parts.publisher,
    wallClock: () => new Date(),
  };
}
