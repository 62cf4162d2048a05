import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../functions/handlers/powertools.js';

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
    const action = new SnsAction(props.topic);
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    const product = (metricName: string, service: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const add = (alarmId: string, alarm: ConstructorParameters<typeof Alarm>[2]) => {
      const created = new Alarm(this, alarmId, alarm);
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };

    add('BounceRate', {
      alarmDescription: `SES account bounce rate at or above ${percent(props.bounceRate)}: SES reviews accounts at 5%. Check the list source and the latest imports (docs/deliverability.md).`,
      metric: reputation('Reputation.BounceRate'),
      threshold: props.bounceRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('ComplaintRate', {
      alarmDescription: `SES account complaint rate at or above ${percent(props.complaintRate)}: SES reviews accounts at 0.1% and Gmail filters above 0.3%. Check which journey sends most (docs/deliverability.md).`,
      metric: reputation('Reputation.ComplaintRate'),
      threshold: props.complaintRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('TemplateRenderingFailed', {
      alarmDescription:
        'An email template did not render (it uses a variable the product does not send). The sends are retried: fix the template (lifecycle templates lint / push).',
      metric: product('TemplateRenderingFailed', 'email-feedback'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    add('TemplateMissing', {
      alarmDescription:
        'A send names an email template SES does not have. The sends are retried: restore it (lifecycle templates push).',
      metric: product('TemplateMissing', 'dispatcher'),
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
