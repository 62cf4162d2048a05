import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import {
  type ModelJobDependencies,
  type ModelJobResult,
  refreshStoreModel,
} from '../domain/services/refresh-store-model.js';

export interface ModelJobHandlerDependencies extends ModelJobDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default 8 */
  readonly scanSegments?: number;
}

/** The daily store model job (RFM quintiles, latency, VIP threshold, CLV fit), run by a schedule. */
export function createModelJobHandler(dependencies: ModelJobHandlerDependencies) {
  const { logger, metrics } = dependencies;

  async function handle(): Promise<Omit<ModelJobResult, 'model'> & { computedAt: string }> {
    const result = await refreshStoreModel(dependencies, { scanSegments: dependencies.scanSegments ?? 8 });
    const { model } = result;
    logger.info('store model refreshed', {
      customers: result.customers,
      customersWithOrders: model.customersWithOrders,
      reassessed: result.reassessed,
      clvMethod: model.clv?.method,
      clvConfidence: model.clv?.confidence,
    });
    metrics.addMetric('StoreModelRefreshed', MetricUnit.Count, 1);
    metrics.addMetric('CustomersReassessed', MetricUnit.Count, result.reassessed);
    return { customers: result.customers, reassessed: result.reassessed, computedAt: model.computedAt };
  }

  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
