import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dueBacklogAgeMetric, productMetric } from './product-metrics.js';

/** Where every alarm description sends the reader: the runbook. */
export const RUNBOOK = 'docs/operations.md';

/** What an alarm is made of, but its name: `<stack name>-<id>`, the same in the console and the runbook. */
export type AlarmSpec = Omit<ConstructorParameters<typeof Alarm>[2], 'alarmName'>;

/**
 * A function that adds alarms to `scope`, each named `<stack name>-<id>`, notifying `topic` when it fires
 * and when it clears, and listed in `into`.
 */
export function alarmsNotifying(
  scope: Construct,
  topic: ITopic,
  into: Alarm[],
): (id: string, spec: AlarmSpec) => Alarm {
  const action = new SnsAction(topic);
  const stackName = Stack.of(scope).stackName;
  return (id, spec) => {
    const created = new Alarm(scope, id, { alarmName: `${stackName}-${id}`, ...spec });
    created.addAlarmAction(action);
    created.addOkAction(action);
    into.push(created);
    return created;
  };
}

export interface OperationalAlarmsProps {
  /** Where alarms notify. */
  readonly topic: ITopic;
  /**
   * Every dead-letter queue of the stack, by the name the alarm carries (`Customer` → alarm
   * `CustomerDeadLetters`).
   */
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The functions whose errors are alarmed on, by the name the alarm carries (`Dispatcher` → `DispatcherErrors`). */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** The dispatcher, whose schedule must keep running. */
  readonly dispatcher: IFunction;
  /** The fan-out's queue, whose oldest message must not wait long for a worker. */
  readonly dueWorkQueue?: IQueue;
  /**
   * The dispatcher's lag that alarms: the oldest due item late by more than this, two minutes in a row.
   * @default Duration.minutes(5)
   */
  readonly maxBacklogAge?: Duration;
  /** Some enabled send step gives a single-use offer: its pool (or provider) running dry is alarmed on. */
  readonly offers?: boolean;
}

/**
 * The alarms that say the product itself is in trouble (the deliverability ones are in
 * DeliverabilityAlarms): an event nobody could process, a dispatcher that falls behind or stopped, a
 * function that fails. Each notifies the alarm topic when it fires and when it clears, and its
 * description says what to do and which runbook section to read.
 */
export class OperationalAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const add = alarmsNotifying(this, props.topic, this.alarms);

    for (const [name, queue] of props.deadLetterQueues) {
      add(`${name}DeadLetters`, {
        alarmDescription: `An event for the ${name} function failed every retry and waits in its dead-letter queue (kept 14 days). Read the error in the message and the function's logs, fix the cause, then redrive the messages. Runbook: ${RUNBOOK}, "Dead letters: redrive".`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    const maxBacklogAge = props.maxBacklogAge ?? Duration.minutes(5);
    add('DueBacklogAge', {
      alarmDescription: `The oldest due journey step or timer has waited more than ${maxBacklogAge.toHumanString()} for the dispatcher, two minutes in a row: emails go out late. Check the dispatcher's errors, duration and throttles, and SES sending. Runbook: ${RUNBOOK}, "Alarms: DueBacklogAge".`,
      metric: dueBacklogAgeMetric(this),
      threshold: maxBacklogAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Without ticks there is no lag figure at all: the schedule's own heartbeat is watched too.
    add('DispatcherStopped', {
      alarmDescription: `The dispatcher has not run for 10 minutes: no email goes out and nothing falls due. Check its schedule rule is enabled and the function can start. Runbook: ${RUNBOOK}, "Alarms: DispatcherStopped".`,
      metric: props.dispatcher.metricInvocations({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: TreatMissingData.BREACHING,
    });

    add('TemplateEditBroken', {
      alarmDescription: `An edit of an email template in SES fails lint (a removed unsubscribe link or postal address, a variable its data does not have): its sends are held until a version passes. See what changed with lifecycle templates history NAME, then fix it in SES or lifecycle templates rollback NAME. Runbook: ${RUNBOOK}, "Alarms: TemplateEditBroken".`,
      metric: productMetric(this, { metricName: 'TemplateEditBroken', service: 'template-history' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.dueWorkQueue) {
      add('DueWorkQueueAge', {
        alarmDescription: `A batch of due work has waited more than 5 minutes on the queue for a worker, two minutes in a row: the workers cannot keep up (throttled, failing, or the account's send rate reached). Check the DispatchWorker function's errors and throttles and SES sending. Runbook: ${RUNBOOK}, "Alarms: DueWorkQueueAge".`,
        metric: props.dueWorkQueue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: 300,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.offers) {
      add('OfferCodesExhausted', {
        alarmDescription: `A send of a single-use offer found no code left in the last hour and went with the static code (a send without one is retried until it is stale). Import more codes with lifecycle offers import. Runbook: ${RUNBOOK}, "Alarms: OfferCodesExhausted".`,
        metric: productMetric(this, {
          metricName: 'OfferCodesExhausted',
          service: 'dispatcher',
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    for (const [name, fn] of props.functions) {
      add(`${name}Errors`, {
        alarmDescription: `The ${name} function failed (an error or a timeout) in the last 5 minutes. Read its logs for the error; events are retried and land in a dead-letter queue if they keep failing. Runbook: ${RUNBOOK}, "Alarms: <function>Errors".`,
        metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
