import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { acknowledgeUnexercisedGrant, grantSecretValue } from './grants.js';
import { LifecycleFunction } from './lifecycle-function.js';
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
  /** Whether the configuration has campaigns: the dispatcher then reads their audience in a scan. */
  readonly campaigns?: boolean;
}

/** Invalid wiring of the dispatcher, found at synth time. */
export class DispatcherConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DispatcherConfigurationError';
  }
}

/**
 * The dispatcher: an EventBridge schedule every minute runs a function that claims the due journey steps
 * (through the sparse due index, never a scan) and sends them through the guardrails.
 */
export class Dispatcher extends Construct {
  public readonly function: LifecycleFunction;
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: DispatcherProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    if (props.leaseMs <= timeout.toMilliseconds()) {
      // A lease shorter than a run would let a second dispatcher take a step the first is still sending.
      throw new DispatcherConfigurationError(
        `dispatcher.lease (${props.leaseMs} ms) must be longer than the dispatcher timeout (${timeout.toMilliseconds()} ms)`,
      );
    }
    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'dispatcher.lambda',
      serviceName: 'dispatcher',
      description: 'Claims due journey steps and sends them through the guardrails',
      timeout,
      environment: {
        [ENV.tableName]: props.customerTable.table.tableName,
        [ENV.configurationSetName]: props.sesSending.configurationSet.configurationSetName,
        [ENV.publicApiUrl]: props.publicApiUrl,
        [ENV.unsubscribeSecretArn]: props.unsubscribeSecret.secretArn,
        [ENV.busName]: props.bus.eventBusName,
        ...(props.offerCodesSecret ? { [ENV.offerCodesSecretArn]: props.offerCodesSecret.secretArn } : {}),
      },
    });
    props.bus.grantPutEventsTo(this.function);
    acknowledgeUnexercisedGrant(
      this.function,
      ['events:PutEvents'],
      'Publishes the outbox entries a writer left behind when it stopped between its commit and its publish (docs/architecture.md, "Stage changes and the outbox"): only a crash at that point leaves one, which the reliability suite makes and npm test does not.',
    );
    props.customerTable.grantDispatch(this.function);
    if (props.campaigns) {
      // A campaign's audience is read in a parallel scan of the table when its time comes.
      props.customerTable.grantCampaignAudience(this.function);
      acknowledgeUnexercisedGrant(
        this.function,
        ['dynamodb:Scan'],
        "Reads a campaign's audience (docs/campaigns.md) when one is due; the configuration the Lambda entries are tested with has no campaign, and tests/integration/campaigns.test.ts runs the same code through the local runtime.",
      );
    }
    props.sesSending.grantSend(this.function);
    grantSecretValue(props.unsubscribeSecret, this.function);
    if (props.offerCodesSecret) grantSecretValue(props.offerCodesSecret, this.function);
    this.schedule = new Rule(this, 'EveryMinute', {
      description: 'Runs the dispatcher every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}
