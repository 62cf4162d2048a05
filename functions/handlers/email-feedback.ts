import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseSesEvent } from '../adapters/ses-events.js';
import {
  type EmailFeedbackDependencies,
  type FeedbackOutcome,
  recordEmailFeedback,
} from '../domain/services/record-email-feedback.js';

export interface EmailFeedbackHandlerDependencies extends EmailFeedbackDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Metric names of the reports that matter to deliverability, by kind. */
const REPORT_METRICS: Readonly<Record<string, string>> = {
  delivery: 'EmailDelivered',
  bounce: 'EmailBounced',
  complaint: 'EmailComplained',
  open: 'EmailOpened',
  click: 'EmailClicked',
  reject: 'EmailRejected',
  rendering_failure: 'TemplateRenderingFailed',
};

/**
 * The engagement Lambda: SES's sending events (through the configuration set's EventBridge destination)
 * applied to customers: suppression on bounces and complaints, engagement on deliveries, opens and
 * clicks, a retry of an email that did not render. A report it cannot read is counted and dropped (SES
 * would send it again the same way); a failure to apply one fails the invocation, so EventBridge retries.
 * Logs carry ids only, never addresses.
 */
export function createEmailFeedbackHandler(dependencies: EmailFeedbackHandlerDependencies) {
  const { logger, metrics } = dependencies;

  async function handle(
    event: EventBridgeEvent<string, unknown>,
  ): Promise<FeedbackOutcome | { outcome: 'unreadable' }> {
    const parsed = parseSesEvent(event.detail);
    if (!parsed.ok) {
      logger.warn('SES event not readable', { detailType: event['detail-type'], reason: parsed.reason });
      metrics.addMetric('EmailEventDiscarded', MetricUnit.Count, 1);
      return { outcome: 'unreadable' };
    }
    const { feedback } = parsed;
    const outcome = await recordEmailFeedback(dependencies, feedback);
    const metric = REPORT_METRICS[feedback.kind];
    if (metric && outcome.outcome === 'recorded') metrics.addMetric(metric, MetricUnit.Count, 1);
    if (outcome.outcome === 'recorded' && outcome.suppressed)
      metrics.addMetric('AddressSuppressed', MetricUnit.Count, 1);
    if (feedback.kind === 'rendering_failure') {
      // Loud on purpose: an alarm watches this; the template named here needs fixing.
      logger.error('email template did not render', {
        template: feedback.failure?.template,
        journeyId: feedback.tags.journey,
        stepId: feedback.tags.step,
        retried: outcome.outcome === 'recorded' && outcome.retried,
      });
    }
    logger.info('email report recorded', {
      kind: feedback.kind,
      messageId: feedback.messageId,
      customerId: 'customerId' in outcome ? outcome.customerId : feedback.tags.customer,
      outcome: outcome.outcome,
    });
    return outcome;
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
