import { CfnResource } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The role metadata key under which grants without a recorded call keep their reasons. */
export const UNEXERCISED_GRANTS_METADATA = 'lifecycle:UnexercisedGrants';

/** A grant no test exercises, and why the role keeps it. */
export interface UnexercisedGrant {
  readonly actions: readonly string[];
  readonly reason: string;
}

/**
 * Says why a role keeps actions that no call of the test suite makes (an error path, an operation only a
 * deployed account performs). The reason is written into the role's template metadata, where the IAM check
 * of the suite (tests/aws/permissions.test.ts) reads it: every other grant must be used by a recorded call.
 */
export function acknowledgeUnexercisedGrant(grantee: IGrantable, actions: readonly string[], reason: string): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) return;
  const role = principal.node.defaultChild ?? principal;
  if (!(role instanceof CfnResource)) {
    throw new Error(`${principal.node.path} is not a role of this stack: its grants cannot be acknowledged`);
  }
  const existing = (role.getMetadata(UNEXERCISED_GRANTS_METADATA) ?? []) as UnexercisedGrant[];
  role.addMetadata(UNEXERCISED_GRANTS_METADATA, [...existing, { actions: [...actions], reason }]);
}

/**
 * Reads a secret's value, and nothing else about it (Secret.grantRead also allows DescribeSecret, which no
 * function calls). The secrets are encrypted with the account's AWS managed key: no KMS grant is needed.
 */
export function grantSecretValue(secret: ISecret, grantee: IGrantable): void {
  Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
}
