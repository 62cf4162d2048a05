import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { checkTemplates, type TemplateHistoryDependencies } from '../domain/services/template-history.js';

export interface TemplateHistoryHandlerDependencies extends TemplateHistoryDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The template check, run by a schedule: every edit of a stored template is kept as a version and linted;
 * a broken one is counted (`TemplateEditBroken`, alarmed) and holds the template's sends.
 */
export function createTemplateHistoryHandler(dependencies: TemplateHistoryHandlerDependencies) {
  const { logger, metrics } = dependencies;

  async function handle() {
    const result = await checkTemplates(dependencies);
    for (const version of result.kept) {
      // Never who: an ARN may carry a person's name.
      const fields = { template: version.template, version: version.number, hash: version.hash };
      if (version.verdict === 'broken') {
        logger.warn('template edit fails lint: its sends are held', { ...fields, problems: version.problems });
      } else {
        logger.info('template version kept', fields);
      }
    }
    for (const version of result.named) {
      // Found later: CloudTrail lags. Never who, as above.
      logger.info('template version editor found', { template: version.template, version: version.number });
    }
    const broken = result.kept.filter((version) => version.verdict === 'broken');
    metrics.addMetric('TemplateVersionKept', MetricUnit.Count, result.kept.length);
    metrics.addMetric('TemplateEditBroken', MetricUnit.Count, broken.length);
    return {
      checked: result.checked,
      kept: result.kept.map(({ template, number, verdict }) => ({ template, number, verdict })),
      named: result.named.map(({ template, number }) => ({ template, number })),
    };
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
