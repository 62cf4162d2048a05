import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

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

/**
 * Adds a count to the metrics unless it is zero. CloudWatch bills each metric (a name with its dimensions)
 * for every hour in which it receives a value: a count written as 0 at every run keeps its metric billed
 * all month for nothing that a graph or an alarm needs (the alarms treat missing data as not breaching,
 * and a graph's sum of nothing is no point where a 0 would be).
 */
export function addCount(metrics: Metrics, name: string, value: number): void {
  if (value !== 0) metrics.addMetric(name, MetricUnit.Count, value);
}
