import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { DispatchDependencies } from '../domain/services/dispatch/dependencies.js';
import type { DispatchSummary } from '../domain/services/dispatch/summary.js';
import { DispatchTickError, dispatchDueRuns } from '../domain/services/dispatch/tick.js';
import type { Mailer, SendingAccount } from '../ports/mailer.js';
import type { SendingLimiter } from '../ports/sending-limiter.js';
import { addCount } from './powertools.js';
import { DISPATCH_COUNTS, type PublishedMetric, publishedMetric } from './published-metrics.js';

export interface DispatcherHandlerDependencies extends Omit<DispatchDependencies, 'owner' | 'limiter'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * The limits shared by every dispatcher sending at the same time, for the account as the mailer reports
   * it (adapters/dynamodb/sending-limiter.ts in AWS). Without it, or without an account, nothing paces the
   * sends (the local runtime's SES has no quotas).
   */
  readonly sendingLimiter?: ((account: SendingAccount) => Promise<SendingLimiter>) | undefined;
  /** Time kept free before the Lambda deadline; claiming stops then and the rest waits for the next tick. */
  readonly reserveMs?: number;
}

const BACKLOG_AGE = publishedMetric('dispatcher', 'DueBacklogAgeSeconds');
const SENT_BY_JOURNEY = publishedMetric('dispatcher', 'EmailSent', 'journey');
const SES_SANDBOX = publishedMetric('dispatcher', 'SesSandbox');
const SES_SENDING_PAUSED = publishedMetric('dispatcher', 'SesSendingPaused');

/** How long before its deadline a dispatcher invocation stops claiming work, unless told otherwise. */
export const DISPATCHER_RESERVE_MS = 15_000;

/**
 * The whole tick as a Lambda handler: claims due journey steps and sends them through the guardrails. No
 * deployed function uses it (the stack runs the planner and the workers); the benches, the
 * reliability rig and tests do (docs/architecture.md, "The tick"). Besides the tick's counts it reports how
 * late the oldest due item was when the tick began (`DueBacklogAgeSeconds`) and the emails sent per journey
 * (`EmailSent` by `journey`).
 */
export function createDispatcherHandler(dependencies: DispatcherHandlerDependencies) {
  const dispatch = dispatching(dependencies);
  async function handle(_event: unknown, context: Context): Promise<DispatchSummary> {
    const summary = await dispatch(context, (work, shouldContinue) => dispatchDueRuns(work, { shouldContinue }));
    dependencies.logger.info('dispatch tick finished', { ...summary });
    return summary;
  }
  return middy(handle).use(injectLambdaContext(dependencies.logger)).use(logMetrics(dependencies.metrics));
}

/**
 * What the dispatcher and the fan-out's workers share around their work: the account's standing, its
 * limiter, the emails counted per journey, and the metrics of what the work did (reported also when it
 * failed part-way, from the `DispatchTickError`'s summary).
 */
export function dispatching(dependencies: DispatcherHandlerDependencies) {
  const { logger, metrics } = dependencies;
  const reserveMs = dependencies.reserveMs ?? DISPATCHER_RESERVE_MS;

  // Said once per container, not at every tick: the account is in SES's sandbox, or its sending is paused.
  const reported = new Set<string>();
  const reportStanding = (account: SendingAccount) => {
    const once = (metric: PublishedMetric, message: string) => {
      if (reported.has(metric.name)) return;
      reported.add(metric.name);
      logger.warn(message, { maxSendRate: account.maxSendRate, max24HourSend: account.max24HourSend });
      const single = metrics.singleMetric();
      single.addMetric(metric.name, metric.unit, 1);
    };
    if (!account.productionAccess)
      once(
        SES_SANDBOX,
        'the SES account is in the sandbox: only verified addresses receive email (docs/deploy.md, "Leave the SES sandbox")',
      );
    if (!account.sendingEnabled) once(SES_SENDING_PAUSED, 'SES has paused sending for this account: no email goes out');
  };

  const report = (summary: DispatchSummary, sentByJourney: ReadonlyMap<string, number>) => {
    metrics.addMetric(BACKLOG_AGE.name, BACKLOG_AGE.unit, Math.round(summary.backlogAgeMs / 1000));
    for (const { name, count } of DISPATCH_COUNTS) addCount(metrics, name, summary[count]);
    if (summary.offerFallbacks > 0) {
      // Alarmed on (OfferCodesExhausted): every send of the offer now goes with the static code until codes are imported.
      logger.warn('offer codes exhausted: sends went with the static code; import more codes', {
        fallbacks: summary.offerFallbacks,
      });
    }
    // One metric per journey that sent (a journey that sent nothing costs nothing).
    for (const [journey, sent] of sentByJourney) {
      const single = metrics.singleMetric();
      single.addDimensions({ journey });
      single.addMetric(SENT_BY_JOURNEY.name, SENT_BY_JOURNEY.unit, sent);
    }
  };

  return async (
    context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
    work: (dependencies: DispatchDependencies, shouldContinue: () => boolean) => Promise<DispatchSummary>,
  ): Promise<DispatchSummary> => {
    const sentByJourney = new Map<string, number>();
    const mailer: Mailer = {
      send: async (email) => {
        const sent = await dependencies.mailer.send(email);
        const journey = email.tags.journey;
        if (journey) sentByJourney.set(journey, (sentByJourney.get(journey) ?? 0) + 1);
        return sent;
      },
    };
    const account = await dependencies.mailer.account?.();
    if (account) reportStanding(account);
    const limiter = account && dependencies.sendingLimiter ? await dependencies.sendingLimiter(account) : undefined;
    let summary: DispatchSummary;
    try {
      summary = await work(
        { ...dependencies, mailer, limiter, owner: context.awsRequestId },
        () => context.getRemainingTimeInMillis() > reserveMs,
      );
    } catch (error) {
      // What the work did before it failed still counts; the invocation fails (its errors are alarmed on).
      if (error instanceof DispatchTickError) report(error.summary, sentByJourney);
      throw error;
    }
    report(summary, sentByJourney);
    return summary;
  };
}
