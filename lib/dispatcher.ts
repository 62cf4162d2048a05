import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { acknowledgeUnexercisedGrant, grantSecretValue } from './grants.js';
import { LifecycleFunction } from './lifecycle-function.js';
import { acknowledgeDeadLetterQueueChecks } from './policy-checks.js';
import type { SesSending } from './ses-sending.js';

export interface DispatcherProps {
  readonly customerTable: CustomerTable;
  readonly sesSending: SesSending;
  /** Base URL of the public API, for unsubscribe links. */
  readonly publicApiUrl: string;
  /** The secret unsubscribe links are signed with. */
  readonly unsubscribeSecret: ISecret;
  /** The secret holding the Admin API token that makes offer codes, when a shop makes them. */
  readonly offerCodesSecret?: ISecret;
  /** Where stage changes and other outbox events are published. */
  readonly bus: IEventBus;
  /** How long a claimed timer stays reserved; must exceed the function timeout. */
  readonly leaseMs: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Workers running at once: the event source mapping's maximum concurrency (`dispatcher.workers`). @default 20 */
  readonly workers?: number;
}

/** Deliveries of a due work message before it goes to the dead-letter queue. */
export const DUE_WORK_MAX_RECEIVES = 3;

/** Invalid wiring of the dispatcher, found at synth time. */
export class DispatcherConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DispatcherConfigurationError';
  }
}

/**
 * The dispatcher, as a fan-out (docs/campaigns.md, "Sending at scale"): an EventBridge schedule runs the
 * planner every minute, which reads the due index (a sparse, sharded index, never a scan), marks the due
 * items and puts them in batches on an SQS queue; a worker function, fed one message at a time by an event
 * source mapping with a maximum concurrency, claims each item and sends through the guardrails, all
 * workers within the account's shared send rate and quota.
 */
export class Dispatcher extends Construct {
  /** The planner, run every minute (the construct id of the first deployments' single dispatcher). */
  public readonly function: LifecycleFunction;
  public readonly worker: LifecycleFunction;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: DispatcherProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    if (props.leaseMs <= timeout.toMilliseconds()) {
      // A lease shorter than a run would let a second worker take a step the first is still sending.
      throw new DispatcherConfigurationError(
        `dispatcher.lease (${props.leaseMs} ms) must be longer than the dispatcher timeout (${timeout.toMilliseconds()} ms)`,
      );
    }
    const workers = props.workers ?? 20;
    if (!Number.isInteger(workers) || workers < 2 || workers > 1000) {
      throw new DispatcherConfigurationError(`dispatcher.workers (${workers}) must be a whole number from 2 to 1000`);
    }

    this.deadLetterQueue = new Queue(this, 'DueWorkDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledgeDeadLetterQueueChecks(this.deadLetterQueue);
    this.queue = new Queue(this, 'DueWork', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than a worker's run, six times over as Lambda advises for event source mappings: a message
      // a worker still holds is not delivered to another.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DUE_WORK_MAX_RECEIVES },
    });

    const planner = new LifecycleFunction(this, 'Function', {
      handler: 'dispatcher.lambda',
      serviceName: 'dispatcher',
      description: 'Plans the due work every minute and puts it in batches on the due work queue',
      timeout,
      environment: {
        [ENV.tableName]: props.customerTable.table.tableName,
        [ENV.dueWorkQueueUrl]: this.queue.queueUrl,
      },
    });
    this.function = planner;
    props.customerTable.grantPlan(planner);
    props.sesSending.grantReadAccount(planner);
    Grant.addToPrincipal({ grantee: planner, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });

    this.worker = new LifecycleFunction(this, 'Worker', {
      handler: 'dispatch-worker.lambda',
      serviceName: 'dispatch-worker',
      description: 'Claims due journey steps from the due work queue and sends them through the guardrails',
      timeout,
      environment: {
        [ENV.tableName]: props.customerTable.table.tableName,
        [ENV.configurationSetName]: props.sesSending.configurationSet.configurationSetName,
        [ENV.publicApiUrl]: props.publicApiUrl,
        [ENV.unsubscribeSecretArn]: props.unsubscribeSecret.secretArn,
        [ENV.busName]: props.bus.eventBusName,
        [ENV.dueWorkQueueUrl]: this.queue.queueUrl,
        ...(props.offerCodesSecret ? { [ENV.offerCodesSecretArn]: props.offerCodesSecret.secretArn } : {}),
      },
    });
    const worker = this.worker;
    props.bus.grantPutEventsTo(worker);
    acknowledgeUnexercisedGrant(
      worker,
      ['events:PutEvents'],
      'Publishes the outbox entries a writer left behind when it stopped between its commit and its publish (docs/architecture.md, "Stage changes and the outbox"): only a crash at that point leaves one, which the reliability suite makes and npm test does not.',
    );
    // The planner starts the campaigns whose time has come and puts their enrollment's pages on the queue;
    // the workers enroll them, page by page, and put each segment's next page on the queue. Granted with or
    // without campaigns in the configuration: one role to review, and the suite's campaign tests exercise
    // every action of it (tests/aws/permissions.test.ts).
    props.customerTable.grantCampaignStates(planner);
    props.customerTable.grantCampaignEnrollment(worker);
    acknowledgeUnexercisedGrant(
      worker,
      ['dynamodb:Scan'],
      "Reads a campaign's audience with the scan of the whole table while some profiles lack their audience index key (docs/campaigns.md, \"What an audience costs\"): only a table deployed before the index has such profiles; a local stack's model job opens the index at its start, so the suite's workers read through the index, and tests/integration/campaign-audience-index.test.ts reads with the scan through the store.",
    );
    Grant.addToPrincipal({ grantee: worker, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    acknowledgeUnexercisedGrant(
      worker,
      ['sqs:SendMessage'],
      "Puts the next page of a campaign's enrollment on the due work queue: only an audience segment bigger than one page (100 keys of the audience index, or 1 MB of DynamoDB's scan) has one, which the suite's tables never are.",
    );
    props.customerTable.grantDispatch(worker);
    props.sesSending.grantSend(worker);
    grantSecretValue(props.unsubscribeSecret, worker);
    if (props.offerCodesSecret) grantSecretValue(props.offerCodesSecret, worker);
    worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: workers, reportBatchItemFailures: true }),
    );
    acknowledgeUnexercisedGrant(
      worker,
      [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      "The event source mapping polls the due work queue with the worker function's role (Lambda itself receives, deletes and hides the messages): the function never calls SQS.",
    );

    this.schedule = new Rule(this, 'EveryMinute', {
      description: "Runs the dispatcher's planner every minute",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(planner, { retryAttempts: 0 })],
    });
  }
}
