import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { LifecycleFunction } from './lifecycle-function.js';

export interface StoreModelJobProps {
  readonly customerTable: CustomerTable;
  readonly bus: IEventBus;
  /**
   * When the job runs, as an EventBridge schedule.
   * @default every day at 03:00 UTC
   */
  readonly schedule?: Schedule;
}

/**
 * The daily store model job: one parallel scan recomputes RFM quintiles, the store's latency, the VIP
 * threshold and the CLV models, then reassesses the customers whose RFM segment or VIP standing moved.
 */
export class StoreModelJob extends Construct {
  public readonly function: LifecycleFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: StoreModelJobProps) {
    super(scope, id);
    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'model-job.lambda',
      serviceName: 'model-job',
      description: 'Refreshes the store model (RFM, latency, VIP, CLV) and reassesses customers it moves',
      timeout: Duration.minutes(15),
      memorySize: 1536,
      environment: { [ENV.tableName]: props.customerTable.table.tableName, [ENV.busName]: props.bus.eventBusName },
    });
    props.customerTable.grantStoreModel(this.function);
    props.bus.grantPutEventsTo(this.function);
    this.rule = new Rule(this, 'Daily', {
      description: 'Refreshes the store model once a day',
      schedule: props.schedule ?? Schedule.cron({ minute: '0', hour: '3' }),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
