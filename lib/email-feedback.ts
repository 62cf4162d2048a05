import { Duration } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { acknowledgeUnexercisedGrant } from './grants.js';
import { LifecycleFunction } from './lifecycle-function.js';

export interface EmailFeedbackProps {
  readonly customerTable: CustomerTable;
  /** The lifecycle bus, for the stage changes a report can cause. */
  readonly bus: EventBus;
}

/**
 * The engagement function: SES's sending events (bounces, complaints, deliveries, opens, clicks,
 * rejections, rendering failures) applied to customers. Its rule is on the default bus, where SES
 * publishes, narrowed to this stack's configuration set (see LifecycleBus.addRoutes).
 */
export class EmailFeedback extends Construct {
  public readonly function: LifecycleFunction;

  constructor(scope: Construct, id: string, props: EmailFeedbackProps) {
    super(scope, id);
    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'email-feedback.lambda',
      serviceName: 'email-feedback',
      description: 'Applies SES bounces, complaints and engagement to customers',
      timeout: Duration.seconds(30),
      environment: { [ENV.tableName]: props.customerTable.table.tableName, [ENV.busName]: props.bus.eventBusName },
    });
    props.customerTable.grantCustomerChanges(this.function);
    props.bus.grantPutEventsTo(this.function);
    acknowledgeUnexercisedGrant(
      this.function,
      ['events:PutEvents'],
      "Publishes the stage change a report can cause (a bounce or complaint that moves a customer's stage); the suite's reports reach customers whose stage they do not move.",
    );
  }
}
