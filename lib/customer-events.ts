import { Duration } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { LifecycleFunction } from './lifecycle-function.js';

export interface CustomerEventsProps {
  readonly customerTable: CustomerTable;
  /** The bus the function publishes follow-up events on (a shop erasure continues in pages). */
  readonly bus: EventBus;
}

/** The customer function: target of the bus rules, keeper of customer state, consent and journey entry. */
export class CustomerEvents extends Construct {
  public readonly function: LifecycleFunction;

  constructor(scope: Construct, id: string, props: CustomerEventsProps) {
    super(scope, id);
    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'customer.lambda',
      serviceName: 'customer',
      description: 'Applies canonical events to customers and their journeys',
      timeout: Duration.seconds(30),
      environment: { [ENV.tableName]: props.customerTable.table.tableName, [ENV.busName]: props.bus.eventBusName },
    });
    props.customerTable.grantCustomerEvents(this.function);
    props.bus.grantPutEventsTo(this.function);
  }
}
