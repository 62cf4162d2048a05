import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Metric namespace of the functions outside a stack (the local runtime, the bench). */
export const METRICS_NAMESPACE = 'Lifecycle';

/**
 * The metric namespace of a stack's functions: one per stack, so that two stacks in one account (a store's
 * staging and production, two stores) never add to each other's metrics, alarms or dashboard.
 */
export function metricsNamespace(stackName: string): string {
  return `${METRICS_NAMESPACE}/${stackName}`;
}

/**
 * One Logger and one Metrics per function, built once at cold start; the namespace is the stack's
 * (POWERTOOLS_METRICS_NAMESPACE, set by the stack).
 */
export function powertools(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE, serviceName }),
  };
}
