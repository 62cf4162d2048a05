import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { TokenBucket } from '../domain/schedule/token-bucket.js';
import {
  type DispatchDependencies,
  type DispatchSummary,
  dispatchDueRuns,
} from '../domain/services/dispatch-due-runs.js';
import type { Mailer } from '../ports/mailer.js';

export interface DispatcherHandlerDependencies extends Omit<DispatchDependencies, 'owner'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Time kept free before the Lambda deadline; claiming stops then and the rest waits for the next tick. */
  readonly reserveMs?: number;
}

/**
 * The dispatcher Lambda, run every minute: claims due journey steps and sends them through the guardrails.
 * Besides the tick's counts it reports how late the oldest due item was when the tick began
 * (`DueBacklogAgeSeconds`, alarmed on) and the emails sent per journey (`EmailSent` by `journey`).
 */
/** How long before its deadline a dispatcher invocation stops claiming work, unless told otherwise. */
export const DISPATCHER_RESERVE_MS = 15_000;

export function createDispatcherHandler(dependencies: DispatcherHandlerDependencies) {
  const { logger, metrics } = dependencies;
  const reserveMs = dependencies.reserveMs ?? DISPATCHER_RESERVE_MS;

  async function handle(_event: unknown, context: Context): Promise<DispatchSummary> {
    const sentByJourney = new Map<string, number>();
    const mailer: Mailer = {
      send: async (email) => {
        const sent = await dependencies.mailer.send(email);
        const journey = email.tags.journey;
        if (journey) sentByJourney.set(journey, (sentByJourney.get(journey) ?? 0) + 1);
        return sent;
      },
    };
    // The account's send rate, shared by this tick's concurrent sends (one dispatcher runs at a time).
    const rate = dependencies.sendRate === undefined ? await dependencies.mailer.maxSendRate?.() : undefined;
    const sendRate =
      dependencies.sendRate ??
      (rate
        ? new TokenBucket(rate, Math.max(1, Math.floor(rate)), {
            now: Date.now,
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          })
        : undefined);
    const summary = await dispatchDueRuns(
      { ...dependencies, mailer, sendRate, owner: context.awsRequestId },
      { shouldContinue: () => context.getRemainingTimeInMillis() > reserveMs },
    );
    metrics.addMetric('DueBacklogAgeSeconds', MetricUnit.Seconds, Math.round(summary.backlogAgeMs / 1000));
    metrics.addMetric('EmailSent', MetricUnit.Count, summary.sent);
    metrics.addMetric('EmailDeferred', MetricUnit.Count, summary.deferred);
    metrics.addMetric('EmailDropped', MetricUnit.Count, summary.dropped);
    metrics.addMetric('EmailSuppressed', MetricUnit.Count, summary.suppressed);
    metrics.addMetric('EmailSkipped', MetricUnit.Count, summary.skipped);
    metrics.addMetric('EmailFailed', MetricUnit.Count, summary.failed);
    metrics.addMetric('TemplateNotFound', MetricUnit.Count, summary.templateMissing);
    // One metric per journey that sent (a journey that sent nothing costs nothing).
    for (const [journey, sent] of sentByJourney) {
      const single = metrics.singleMetric();
      single.addDimensions({ journey });
      single.addMetric('EmailSent', MetricUnit.Count, sent);
    }
    logger.info('dispatch tick finished', { ...summary });
    return summary;
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
