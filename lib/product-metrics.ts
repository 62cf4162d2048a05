import { Duration, Stack } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { metricsNamespace } from '../functions/handlers/powertools.js';

/** The namespace the stack's functions publish their metrics under (one per stack). */
export function stackMetricsNamespace(scope: IConstruct): string {
  return metricsNamespace(Stack.of(scope).stackName);
}

export interface ProductMetricProps {
  readonly metricName: string;
  /** The function that publishes it, by its service name. */
  readonly service: string;
  readonly dimensions?: Readonly<Record<string, string>>;
  /** @default Sum */
  readonly statistic?: string;
  /** @default 5 minutes */
  readonly period?: Duration;
  readonly label?: string;
}

/** A metric the product's functions publish (Powertools, with the `service` dimension), in this stack's namespace. */
export function productMetric(scope: IConstruct, props: ProductMetricProps): Metric {
  return new Metric({
    namespace: stackMetricsNamespace(scope),
    metricName: props.metricName,
    dimensionsMap: { service: props.service, ...props.dimensions },
    statistic: props.statistic ?? 'Sum',
    period: props.period ?? Duration.minutes(5),
    ...(props.label ? { label: props.label } : {}),
  });
}

/** How late the oldest due item was at each dispatcher tick, in seconds: the dispatcher's lag. */
export function dueBacklogAgeMetric(scope: IConstruct): Metric {
  return productMetric(scope, {
    metricName: 'DueBacklogAgeSeconds',
    service: 'dispatcher',
    statistic: 'Maximum',
    period: Duration.minutes(1),
  });
}
