import { Duration } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmsNotifying, RUNBOOK } from './operational-alarms.js';
import { productMetric } from './product-metrics.js';

export interface DeliverabilityAlarmsProps {
  /** Where alarms notify. */
  readonly topic: ITopic;
  /** Alarm when the account's bounce rate reaches this fraction (SES reviews at 0.05, may pause at 0.10). */
  readonly bounceRate: number;
  /** Alarm when the account's complaint rate reaches this fraction (SES reviews at 0.001; Gmail's ceiling is 0.003). */
  readonly complaintRate: number;
}

/**
 * The alarms that protect the sending reputation: SES's own reputation metrics for the account, well
 * below the rates at which SES reviews or pauses it, and the template problems that stop emails (a
 * template that does not render, or that is missing; the sends are retried meanwhile).
 */
export class DeliverabilityAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: DeliverabilityAlarmsProps) {
    super(scope, id);
    const add = alarmsNotifying(this, props.topic, this.alarms);
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    const product = (metricName: string, service: string) => productMetric(this, { metricName, service });

    add('BounceRate', {
      alarmDescription: `SES account bounce rate at or above ${percent(props.bounceRate)}: SES reviews accounts at 5%. Find what was imported or connected last (a backfill, a new storefront) and stop it; suppression already stops repeats. Runbook: ${RUNBOOK}, "Alarms: BounceRate".`,
      metric: reputation('Reputation.BounceRate'),
      threshold: props.bounceRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('ComplaintRate', {
      alarmDescription: `SES account complaint rate at or above ${percent(props.complaintRate)}: SES reviews accounts at 0.1% and Gmail filters above 0.3%. Find the journey with the most complaints (lifecycle report) and pause it in lifecycle.config.ts. Runbook: ${RUNBOOK}, "Alarms: ComplaintRate".`,
      metric: reputation('Reputation.ComplaintRate'),
      threshold: props.complaintRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('TemplateRenderingFailed', {
      alarmDescription: `An email template did not render (it uses a variable the send does not provide); the sends are retried meanwhile. Fix the template: lifecycle templates pull, lint, then push --force. Runbook: ${RUNBOOK}, "Alarms: TemplateRenderingFailed".`,
      metric: product('TemplateRenderingFailed', 'email-feedback'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('TemplateNotFound', {
      alarmDescription: `A send names an email template SES does not have (deleted or renamed); the sends are retried meanwhile. Restore it: lifecycle templates push. Runbook: ${RUNBOOK}, "Alarms: TemplateNotFound".`,
      metric: product('TemplateNotFound', 'dispatcher'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
