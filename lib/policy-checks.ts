import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The prefix of a Guard rule's id in an acknowledgment: `cdk-validator-cfnguard::<rule name>`. */
export const GUARD_RULE_PREFIX = 'cdk-validator-cfnguard::';

/**
 * AWS's Guard rules (the Control Tower proactive controls, run by cfn-guard from the plugin's own binary,
 * offline). The plugin reports its violations without a severity; the CDK then counts them as passing as
 * soon as one violation is acknowledged. Every violation it reports is an error here.
 */
class GuardRules implements IPolicyValidationPlugin {
  private readonly guard = new CfnGuardValidator();
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}

/**
 * The checks every synthesis of the stack passes (bin/app.ts registers them; `npx cdk synth` and
 * `npx cdk deploy` stop on a finding nobody acknowledged): cdk-nag's AwsSolutions rules and AWS's Guard
 * rules. A finding is acknowledged on the construct it concerns, with its reason
 * (`Validations.of(construct).acknowledge`), and listed in docs/operations.md.
 */
export function policyChecks(app: IConstruct): IPolicyValidationPlugin[] {
  return [new AwsSolutionsChecks(app), new GuardRules()];
}

function acknowledgeGuard(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${GUARD_RULE_PREFIX}${rule}`, reason });
}

/**
 * A log group of the stack: kept a month, encrypted by CloudWatch Logs' own keys. Guard's controls want a
 * year and a customer managed KMS key.
 */
export function acknowledgeLogGroupChecks(logGroup: IConstruct): void {
  acknowledgeGuard(
    logGroup,
    'cloudwatch_log_group_retention_period_check',
    "Function and API access logs serve operating the product and hold ids, never personal data (tests/security/log-privacy.test.ts); a month covers an incident's investigation, and a customer's history is their timeline in DynamoDB, kept with point-in-time recovery. A year of logs would cost a store more than its sending.",
  );
  acknowledgeGuard(
    logGroup,
    'cloudwatch_log_group_encrypted_check',
    'CloudWatch Logs encrypts every log group at rest with keys it manages; a customer managed key would add a key policy to maintain and a monthly cost per stack, for logs that hold no personal data.',
  );
}

/** A function outside any VPC; Guard's controls want every function in a customer managed VPC. */
export function acknowledgeNoVpc(fn: IConstruct): void {
  acknowledgeGuard(
    fn,
    'lambda_inside_vpc_check',
    'The functions reach only AWS service endpoints (DynamoDB, SES, EventBridge, Secrets Manager) and nothing private: a VPC would add NAT gateways or interface endpoints, tens of dollars a month per stack, and no protection, since IAM already limits each role to its own resources.',
  );
}

/**
 * A public route of the API (storefront webhooks, links in emails) and the permission that lets API Gateway
 * invoke its function.
 */
export function acknowledgePublicRoute(route: IConstruct, reason: string): void {
  acknowledgeGuard(route, 'api_gw_v2_authorization_type_configured_check', reason);
  acknowledgeGuard(
    route,
    'lambda_function_public_access_prohibited_check',
    "The permission is limited by SourceArn to this API's route (an Fn::Join of the API id, which the rule cannot read as a string); tests/aws/service-deliveries.test.ts evaluates it for API Gateway with the route's source and with others.",
  );
}

/** A queue that is itself a dead-letter queue: cdk-nag and Guard both want one behind it. */
export function acknowledgeDeadLetterQueueChecks(queue: IConstruct): void {
  const reason =
    'This queue is itself the dead-letter queue of an EventBridge target and of a Lambda on-failure destination (the checks recognise only DLQs of other queues). Nothing consumes it, so a DLQ of it would never receive anything; a message here raises an alarm and is redriven by hand (docs/operations.md).';
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  acknowledgeGuard(queue, 'sqs_dlq_check', reason);
}
