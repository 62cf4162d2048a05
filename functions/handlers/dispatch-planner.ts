import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LifecycleConfig } from '../domain/config.js';
import { durationMs } from '../domain/duration.js';
import { type PlanDependencies, type PlanSummary, planDueWork } from '../domain/services/dispatch/plan.js';
import type { Mailer } from '../ports/mailer.js';
import { DISPATCHER_RESERVE_MS } from './dispatcher.js';
import { addCount } from './powertools.js';

export interface PlannerHandlerDependencies extends PlanDependencies {
  readonly config: LifecycleConfig;
  /** The account's send rate bounds what one pass enqueues; without it, the configured limit alone. */
  readonly mailer: Pick<Mailer, 'account'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly reserveMs?: number;
}

/** Seconds of sending at the account's rate one planning pass enqueues: the minute until the next pass. */
const PASS_SECONDS = 60;

/**
 * The fan-out's planner, run every minute: puts the due work on the queue in batches for the workers
 * (domain/services/dispatch/plan.ts), at most a minute of sending at the account's rate. Reports how late
 * the oldest due item was (`DueBacklogAgeSeconds`, alarmed on) and what it enqueued (`DueWorkEnqueued`).
 */
export function createPlannerHandler(dependencies: PlannerHandlerDependencies) {
  const { logger, metrics, config } = dependencies;
  const reserveMs = dependencies.reserveMs ?? DISPATCHER_RESERVE_MS;
  async function handle(_event: unknown, context: Context): Promise<PlanSummary> {
    const account = await dependencies.mailer.account?.();
    const atRate = account ? Math.ceil(account.maxSendRate * PASS_SECONDS) : Number.POSITIVE_INFINITY;
    const summary = await planDueWork(dependencies, {
      markMs: durationMs(config.dispatcher.lease),
      messageSize: config.dispatcher.messageSize,
      limit: Math.min(config.dispatcher.planLimit, atRate),
      shouldContinue: () => context.getRemainingTimeInMillis() > reserveMs,
    });
    metrics.addMetric('DueBacklogAgeSeconds', MetricUnit.Seconds, Math.round(summary.backlogAgeMs / 1000));
    addCount(metrics, 'DueWorkEnqueued', summary.enqueued);
    logger.info('due work planned', { ...summary });
    return summary;
  }
  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
