import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SourceName } from '../functions/domain/events.js';
import { RUNBOOK } from './operational-alarms.js';
import { dueBacklogAgeMetric, productMetric } from './product-metrics.js';

export interface LifecycleDashboardProps {
  /** The enabled storefront sources: one accepted and one rejected line each. */
  readonly sources: readonly SourceName[];
  /** The enabled journeys, by id: one line each for the emails they send. */
  readonly journeys: readonly string[];
  /** The product's functions, by the name shown on the graphs. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** Every dead-letter queue, by the name shown on the graph. */
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The alarms shown at the top. */
  readonly alarms: readonly IAlarm[];
  /** Lines drawn at the alarm thresholds. */
  readonly thresholds: {
    readonly bounceRate: number;
    readonly complaintRate: number;
    readonly backlogAgeSeconds: number;
  };
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * One CloudWatch dashboard for the whole product, top to bottom in the order events flow: alarms, what
 * comes in (webhooks, customer events), what goes out (emails by journey and by outcome), what SES says
 * back (suppressions, bounce and complaint rates), and the machinery (dispatcher lag, dead letters,
 * function errors and durations). Only metrics the product already emits, plus AWS's own.
 */
export class LifecycleDashboard extends Construct {
  public readonly dashboard: Dashboard;
  /** `<stack name>-operations`. */
  public readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: LifecycleDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.dashboardName = `${stack.stackName}-operations`;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.days(1),
    });
    const product = (metricName: string, service: string, extra: Record<string, string> = {}, label?: string) =>
      productMetric(this, { metricName, service, dimensions: extra, period: FIVE_MINUTES, label: label ?? metricName });
    const graph = (title: string, left: IMetric[], width: number, extra: Partial<GraphWidgetOptions> = {}) =>
      new GraphWidget({ title, left, width, height: 6, ...extra });
    const functions = [...props.functions];

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## ${stack.stackName}: customer lifecycle engine\nEvery alarm, and what to do when one fires, is in the runbook: \`${RUNBOOK}\`. Counts are per 5 minutes.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }),
    );

    // In: webhooks and the customer events they become.
    this.dashboard.addWidgets(
      graph(
        'Webhooks accepted and rejected, by source',
        props.sources.flatMap((source) => [
          product('WebhookAccepted', 'webhook', { source }, `${source} accepted`),
          product('WebhookRejected', 'webhook', { source }, `${source} rejected`),
        ]),
        8,
      ),
      graph(
        'Customer events',
        [
          product('CustomerEventRecorded', 'customer'),
          product('CustomerCreated', 'customer'),
          product('JourneyEntered', 'customer'),
          product('CustomerEventDeduplicated', 'customer'),
          product('CustomerEventIgnored', 'customer'),
        ],
        8,
      ),
      graph(
        'Consent changes',
        [
          product('Unsubscribed', 'unsubscribe'),
          product('Resubscribed', 'unsubscribe'),
          product('TopicsChanged', 'unsubscribe'),
          product('SubscriptionConfirmed', 'unsubscribe'),
        ],
        8,
      ),
    );

    // Out: what the dispatcher sent, by journey, and what it did instead.
    this.dashboard.addWidgets(
      graph(
        'Emails sent, by journey',
        props.journeys.map((journey) => product('EmailSent', 'dispatcher', { journey }, journey)),
        12,
        { stacked: true },
      ),
      graph(
        'Send outcomes',
        [
          product('EmailSent', 'dispatcher'),
          product('EmailDeferred', 'dispatcher'),
          product('EmailSuppressed', 'dispatcher'),
          product('EmailSkipped', 'dispatcher'),
          product('EmailDropped', 'dispatcher'),
          product('EmailFailed', 'dispatcher'),
          product('TemplateNotFound', 'dispatcher'),
        ],
        12,
      ),
    );

    // Back: what SES reported, and the account's reputation.
    const reputation = (metricName: string, label: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1), label });
    this.dashboard.addWidgets(
      graph(
        'Suppressions',
        [
          product('EmailSuppressed', 'dispatcher', {}, 'sends suppressed (consent, topic, address)'),
          product('AddressSuppressed', 'email-feedback', {}, 'addresses suppressed (bounce, complaint)'),
          product('EmailBounced', 'email-feedback'),
          product('EmailComplained', 'email-feedback'),
        ],
        6,
      ),
      graph(
        'Delivery and engagement',
        [
          product('EmailDelivered', 'email-feedback'),
          product('EmailOpened', 'email-feedback'),
          product('EmailClicked', 'email-feedback'),
          product('EmailRejected', 'email-feedback'),
          product('TemplateRenderingFailed', 'email-feedback'),
        ],
        6,
      ),
      graph('Bounce rate (SES account)', [reputation('Reputation.BounceRate', 'bounce rate')], 6, {
        leftAnnotations: [{ value: props.thresholds.bounceRate, label: 'alarm' }],
        leftYAxis: { min: 0 },
      }),
      graph('Complaint rate (SES account)', [reputation('Reputation.ComplaintRate', 'complaint rate')], 6, {
        leftAnnotations: [{ value: props.thresholds.complaintRate, label: 'alarm' }],
        leftYAxis: { min: 0 },
      }),
    );

    // The machinery: dispatcher lag, dead letters, functions.
    this.dashboard.addWidgets(
      graph(
        'Dispatcher lag: oldest due item at each tick (seconds)',
        [dueBacklogAgeMetric(this).with({ label: 'oldest due item' })],
        12,
        { leftAnnotations: [{ value: props.thresholds.backlogAgeSeconds, label: 'alarm' }], leftYAxis: { min: 0 } },
      ),
      graph(
        'Dead-letter queues (messages waiting)',
        [...props.deadLetterQueues].map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES, label: name }),
        ),
        12,
        { leftYAxis: { min: 0 } },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        functions.map(([name, fn]) => fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES, label: name })),
        8,
      ),
      graph(
        'Function duration (p99, ms)',
        functions.map(([name, fn]) => fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES, label: name })),
        8,
      ),
      graph(
        'Function throttles',
        functions.map(([name, fn]) => fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES, label: name })),
        8,
      ),
    );
  }

  /** The console address of the dashboard. */
  get url(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboardName}`;
  }
}

type GraphWidgetOptions = ConstructorParameters<typeof GraphWidget>[0];
