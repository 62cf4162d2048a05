import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { CustomerTable } from './customer-table.js';
import { LifecycleFunction } from './lifecycle-function.js';
import { acknowledgeWildcardResource } from './nag.js';
import type { SesSending } from './ses-sending.js';

export interface TemplateHistoryProps {
  readonly customerTable: CustomerTable;
  readonly sesSending: SesSending;
  /**
   * How often the stored templates are compared with their kept versions: the longest a broken edit can
   * reach customers before its sends are held.
   * @default every 5 minutes
   */
  readonly schedule?: Schedule;
}

/**
 * The template check: every few minutes it reads the stack's templates in SES, keeps each new content as a
 * version in the table, lints it, and counts a broken one (`TemplateEditBroken`, alarmed); the dispatcher
 * holds the sends of a template whose newest version is broken (docs/templates.md, "Template history").
 */
export class TemplateHistory extends Construct {
  public readonly function: LifecycleFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TemplateHistoryProps) {
    super(scope, id);
    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'template-history.lambda',
      serviceName: 'template-history',
      description: 'Keeps every version of the email templates in SES, lints each, and holds a broken one',
      // SES answers template reads at about one a second: a few dozen templates take under a minute.
      timeout: Duration.minutes(3),
      environment: { [ENV.tableName]: props.customerTable.table.tableName },
    });
    props.customerTable.grantTemplateHistory(this.function);
    props.sesSending.grantReadTemplates(this.function);
    // Who made an edit: CloudTrail's event history. LookupEvents has no resource-level permissions (IAM
    // knows no resource type for it), so it can only be granted on *.
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['cloudtrail:LookupEvents'], resources: ['*'] }));
    acknowledgeWildcardResource(
      this.function.role as Role,
      '*',
      'cloudtrail:LookupEvents has no resource type in IAM: the template check reads who edited a template from the event history of the account, and must be granted on *.',
    );
    this.rule = new Rule(this, 'EveryFiveMinutes', {
      description: 'Compares the email templates in SES with their kept versions',
      schedule: props.schedule ?? Schedule.rate(Duration.minutes(5)),
      // The next run comes five minutes later and sees the same edits: no retry.
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}
