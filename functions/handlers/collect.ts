import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { firstIssue, jsonBody } from '../adapters/webhooks/source.js';
import {
  type AnonymousView,
  type CollectBody,
  CollectBodySchema,
  collectedProductView,
  MAX_COLLECT_BODY_BYTES,
  originAllowed,
  RATE_WINDOW_SECONDS,
  rateWindow,
  VISITOR_DAYS,
  withAnonymousView,
} from '../domain/collect.js';
import type { CollectKey, LifecycleConfig } from '../domain/config.js';
import { type Product, timeProblem } from '../domain/events.js';
import type { CollectStore } from '../ports/collect-store.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import { bodyBytes, json, type LambdaHandler, lowerCaseHeaders, rawBody } from './http.js';
import { publishEvent } from './webhook.js';

/** How long a browser may keep the answer to a preflight request. */
export const COLLECT_PREFLIGHT_MAX_AGE_SECONDS = 7200;

export interface CollectDependencies {
  readonly settings: LifecycleConfig['collect'];
  readonly store: CollectStore;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Wall-clock time, for the rate windows. */
  readonly wallClock: () => Date;
  /** The product's time, for the times of signals (the simulated clock locally). @default wallClock */
  readonly businessClock?: () => Date;
}

type Answer = APIGatewayProxyStructuredResultV2;

/**
 * `POST /collect`: signals from a storefront's pages (docs/collect.md). The origin, the write key and the
 * rate limits first, then the body; nothing is kept about a visitor who has not consented. Identified
 * visitors' product views go on the bus as canonical `product.viewed` events whose id is made from the
 * signal's `messageId`: a signal sent again is published again, and the customer function applies it once,
 * as it does a redelivered webhook's event.
 */
export function createCollectHandler(dependencies: CollectDependencies) {
  const { logger, metrics, settings } = dependencies;

  async function handle(event: APIGatewayProxyEventV2): Promise<Answer> {
    const headers = lowerCaseHeaders(event.headers);
    const origin = headers.origin;
    // A page of another origin gets no CORS headers: its browser keeps the answer from it.
    if (!originAllowed(settings.keys, origin)) {
      return refuse(403, 'OriginNotAllowed', 'this origin may not send signals here', undefined);
    }
    const allowed = origin as string;
    if (event.requestContext.http.method === 'OPTIONS') {
      return {
        statusCode: 204,
        headers: {
          ...corsHeaders(allowed),
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': String(COLLECT_PREFLIGHT_MAX_AGE_SECONDS),
        },
      };
    }

    if (bodyBytes(event) > MAX_COLLECT_BODY_BYTES) {
      return refuse(413, 'PayloadTooLarge', `the body exceeds ${MAX_COLLECT_BODY_BYTES} bytes`, allowed);
    }
    const parsed = jsonBody(rawBody(event));
    if (!('json' in parsed)) return invalid(parsed.field, parsed.message, allowed);
    const writeKey = (parsed.json as { writeKey?: unknown } | null)?.writeKey;
    const key = settings.keys.find((candidate) => candidate.writeKey === writeKey);
    if (!key) return refuse(401, 'UnknownWriteKey', 'the write key is missing or not one of this store', allowed);
    if (!key.origins.includes(allowed)) {
      return refuse(403, 'OriginNotAllowed', 'this origin may not send signals with this write key', undefined);
    }
    metrics.addDimension('key', key.name);

    const now = dependencies.wallClock();
    const window = rateWindow(now);
    const counterExpiry = new Date(window.endsAt.getTime() + RATE_WINDOW_SECONDS * 1000);
    const ip = createHash('sha256').update(event.requestContext.http.sourceIp).digest('hex').slice(0, 32);
    const underLimits =
      (await dependencies.store.countRequest(`ip#${ip}#${window.index}`, settings.perIpPerMinute, counterExpiry)) &&
      (await dependencies.store.countRequest(
        `key#${key.name}#${window.index}`,
        settings.perKeyPerMinute,
        counterExpiry,
      ));
    if (!underLimits) {
      logger.warn('collect rejected', { key: key.name, error: 'TooManyRequests' });
      metrics.addMetric('CollectThrottled', MetricUnit.Count, 1);
      const answer = json(429, { error: 'TooManyRequests', message: 'too many signals; retry after the pause' });
      return withHeaders(answer, { ...corsHeaders(allowed), 'retry-after': String(window.retryAfter) });
    }

    const result = CollectBodySchema.safeParse(parsed.json);
    if (!result.success) {
      const { field, message } = firstIssue(result.error);
      return invalid(field, message, allowed);
    }
    const body = result.data;
    const businessNow = (dependencies.businessClock ?? dependencies.wallClock)();
    const at = body.timestamp === undefined ? businessNow.toISOString() : new Date(body.timestamp).toISOString();
    const late = timeProblem(at, businessNow);
    if (late) return invalid('timestamp', late, allowed);

    // Analytics consent gates everything: without it nothing about the visitor is kept or passed on.
    if (body.consent?.analytics !== true) {
      metrics.addMetric('CollectDropped', MetricUnit.Count, 1);
      return withHeaders(json(202, { status: 'dropped', reason: 'no analytics consent' }), corsHeaders(allowed));
    }

    const status = await apply(key, body, at, now);
    metrics.addMetric('CollectAccepted', MetricUnit.Count, 1);
    logger.info('collect accepted', { key: key.name, type: body.type, status });
    return withHeaders(json(202, { status }), corsHeaders(allowed));
  }

  /** What a consented signal does; the status of the answer. */
  async function apply(
    key: CollectKey,
    body: CollectBody,
    at: string,
    now: Date,
  ): Promise<'accepted' | 'kept' | 'counted'> {
    const visitorKey = `${key.name}#${body.anonymousId}`;
    const expiresAt = new Date(now.getTime() + VISITOR_DAYS * 86_400_000);
    if (body.type === 'identify') {
      const email = body.email as string;
      const visitor = await dependencies.store.visitor(visitorKey);
      // The anonymous views join the customer's, through the same path as any product view, and are
      // then forgotten: the profile is replaced by the link to the person.
      const views = visitor?.kind === 'anonymous' ? visitor.views : [];
      for (const anonymous of views) {
        await publishEvent(dependencies.publisher, collectedProductView(key, email, anonymous));
      }
      await dependencies.store.keepVisitor(visitorKey, { kind: 'identified', email }, expiresAt);
      if (views.length > 0) metrics.addMetric('CollectViewsMerged', MetricUnit.Count, views.length);
      return 'accepted';
    }
    if (body.type !== 'product.viewed') return 'counted';
    const visitor = await dependencies.store.visitor(visitorKey);
    if (visitor?.kind === 'identified') {
      await publishEvent(dependencies.publisher, collectedProductView(key, visitor.email, view(body, at)));
      await dependencies.store.keepVisitor(visitorKey, visitor, expiresAt);
      return 'accepted';
    }
    await dependencies.store.keepVisitor(visitorKey, withAnonymousView(visitor, view(body, at)), expiresAt);
    return 'kept';
  }

  function refuse(status: number, error: string, message: string, origin: string | undefined): Answer {
    logger.warn('collect rejected', { error });
    metrics.addMetric('CollectRejected', MetricUnit.Count, 1);
    const answer = json(status, { error, message });
    return origin === undefined ? answer : withHeaders(answer, corsHeaders(origin));
  }

  /** The 400 naming the field, never its value. */
  function invalid(field: string, message: string, origin: string): Answer {
    logger.warn('collect rejected: invalid body', { field });
    metrics.addMetric('CollectRejected', MetricUnit.Count, 1);
    return withHeaders(
      json(400, { error: 'InvalidPayload', message: `${field}: ${message}`, field }),
      corsHeaders(origin),
    );
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics)) as unknown as LambdaHandler<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >;
}

/** The product view a `product.viewed` body describes, at `at`. */
function view(body: CollectBody, at: string): AnonymousView {
  const product = body.product as Product;
  return { messageId: body.messageId, productId: product.id, at, product };
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

function withHeaders(answer: Answer, headers: Record<string, string>): Answer {
  return { ...answer, headers: { ...answer.headers, ...headers } };
}

/** What the collect function needs: its settings, the table (counters, visitors), the bus. */
export function collectDependencies(parts: {
  readonly config: LifecycleConfig;
  readonly store: CollectStore;
  readonly publisher: EventPublisher;
}): Omit<CollectDependencies, 'logger' | 'metrics'> {
  return {
    settings: parts.config.collect,
    store: parts.store,
    publisher: parts.publisher,
    wallClock: () => new Date(),
  };
}
