import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { isWeeklyRunDue } from '../domain/reporting/weekly-email.js';
import {
  sendWeeklyReport,
  type WeeklyReportDependencies,
  type WeeklyReportOutcome,
} from '../domain/services/weekly-report.js';
import type { SendingAccount } from '../ports/mailer.js';
import type { SendingLimiter } from '../ports/sending-limiter.js';

export interface WeeklyReportHandlerDependencies extends Omit<WeeklyReportDependencies, 'limiter'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The account's limits shared with the dispatchers (adapters/dynamodb/sending-limiter.ts in AWS). */
  readonly sendingLimiter?: ((account: SendingAccount) => Promise<SendingLimiter>) | undefined;
}

/**
 * The weekly report job, run every hour by its schedule (lib/weekly-report.ts): at the configured weekday
 * and local hour it builds and keeps the report, and mails the team the week's figures with a link to it;
 * at every other hour it does nothing. `{"sendNow": true}` (an invocation by hand) runs it at once. Logs the
 * report id and how many were sent, never an address. A failure (the quota spent included) fails the
 * invocation, which the schedule retries.
 */
export function createWeeklyReportHandler(dependencies: WeeklyReportHandlerDependencies) {
  const { logger, metrics } = dependencies;

  async function handle(event: unknown): Promise<WeeklyReportOutcome | { readonly due: false }> {
    const report = dependencies.config.report;
    const sendNow = typeof event === 'object' && event !== null && (event as { sendNow?: unknown }).sendNow === true;
    const schedule = report && { ...report, timeZone: report.timeZone ?? dependencies.config.timezone };
    if (!sendNow && !(schedule && isWeeklyRunDue(dependencies.clock.now(), schedule))) return { due: false };
    const account = await dependencies.mailer.account?.();
    const limiter = account && dependencies.sendingLimiter ? await dependencies.sendingLimiter(account) : undefined;
    const outcome = await sendWeeklyReport({ ...dependencies, limiter });
    logger.info('weekly report sent', { ...outcome });
    metrics.addMetric('WeeklyReportSent', MetricUnit.Count, outcome.sent);
    return outcome;
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
