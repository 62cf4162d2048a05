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

export interface DispatcherHandlerDependencies extends Omit<DispatchDependencies, 'owner'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Time kept free before the Lambda deadline; claiming stops then and the rest waits for the next tick. */
  readonly reserveMs?: number;
}

/** The dispatcher Lambda, run every minute: claims due journey steps and sends them through the guardrails. */
export function createDispatcherHandler(dependencies: DispatcherHandlerDependencies) {
  const { logger, metrics } = dependencies;
  const reserveMs = dependencies.reserveMs ?? 15_000;

  async function handle(_event: unknown, context: Context): Promise<DispatchSummary> {
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
      { ...dependencies, sendRate, owner: context.awsRequestId },
      { shouldContinue: () => context.getRemainingTimeInMillis() > reserveMs },
    );
    metrics.addMetric('EmailSent', MetricUnit.Count, summary.sent);
    metrics.addMetric('EmailDeferred', MetricUnit.Count, summary.deferred);
    metrics.addMetric('EmailDropped', MetricUnit.Count, summary.dropped);
    metrics.addMetric('EmailSuppressed', MetricUnit.Count, summary.suppressed);
    metrics.addMetric('EmailSkipped', MetricUnit.Count, summary.skipped);
    metrics.addMetric('EmailFailed', MetricUnit.Count, summary.failed);
    metrics.addMetric('TemplateMissing', MetricUnit.Count, summary.templateMissing);
    logger.info('dispatch tick finished', { ...summary });
    return summary;
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
