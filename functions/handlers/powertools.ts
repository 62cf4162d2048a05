import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Metric namespace of every function of the stack. */
export const METRICS_NAMESPACE = 'Lifecycle';

/** One Logger and one Metrics per function, built once at cold start. */
export function powertools(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}
