import { beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { FUNCTION_NAMES, type FunctionName } from '../../functions/local/lambda-context.js';
import { UNEXERCISED_GRANTS_METADATA, type UnexercisedGrant } from '../../lib/grants.js';
import { DeployedTemplate, type Statement } from './support/deployed-template.js';
import { type AccessDecision, type AccessRequest, evaluate } from './support/evaluate.js';
import { place, roleRequest } from './support/place-request.js';
import type { RecordedRequest } from './support/recorded-call.js';
import { recordedRequests } from './support/recordings.js';
import { stackVariants } from './support/stacks.js';

/*
 * Every AWS call the functions made while the rest of `npm test` ran (recorded by
 * tests/aws/support/record-aws-calls.ts), checked against the role of the function that made it in the
 * synthesized template, by an IAM policy evaluator that follows AWS's documented evaluation logic. The
 * local engines enforce no IAM at all: without this, a missing permission shows only in AWS, as a stack
 * that rolls back or a function that fails. And the other way round: a grant no call needs is either
 * removed or kept with its reason written next to it in lib/.
 */

interface Evaluated {
  readonly fn: FunctionName;
  readonly what: string;
  readonly request: AccessRequest;
  readonly decision: AccessDecision;
}

const recorded = recordedRequests();

/** Functions a stack has only with some configuration: their calls are checked against the stacks that have them. */
const OPTIONAL_FUNCTIONS: Partial<Record<FunctionName, (config: LifecycleConfig) => boolean>> = {
  'weekly-report': (config) => config.report !== undefined,
};
const stacks = stackVariants();

describe.each(stacks)('the functions of the stack built from $name', ({ config, template }) => {
  const evaluated: Evaluated[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const functions = template.functions();
    const checks: { fn: FunctionName; what: string; request: AccessRequest }[] = [];
    for (const call of recorded) {
      const fn = functions.get(call.function);
      if (!fn && OPTIONAL_FUNCTIONS[call.function]?.(config) === false) continue;
      if (!fn) {
        problems.push(`${call.function} made ${call.operation}, but the stack has no such function`);
        continue;
      }
      const placed = place(call, fn, template, config);
      if (placed.kind === 'unplaceable') problems.push(`${call.function}: ${placed.why}`);
      if (placed.kind !== 'requests') continue;
      for (const request of placed.requests) checks.push({ fn: call.function, what: describeCall(call), request });
    }
    checks.push(...platformRequests(template));
    for (const check of checks) evaluated.push({ ...check, decision: await evaluate(check.request) });
  }, 120_000);

  it('were recorded making calls while the suite ran, every one of them', () => {
    expect(
      recorded.length,
      'no AWS calls were recorded: run this check with the whole suite (npm test), which records them',
    ).toBeGreaterThan(0);
    const silent = FUNCTION_NAMES.filter((name) => !recorded.some((call) => call.function === name));
    expect(silent, 'functions no test invoked (tests/integration/lambda-entries.test.ts invokes each)').toEqual([]);
    expect(problems).toEqual([]);
  });

  it('are allowed every call they make, by their own role', () => {
    const denied = evaluated
      .filter((e) => e.decision.result !== 'Allowed')
      .map(
        (e) =>
          `${e.fn}: ${e.request.action} on ${e.request.resource} (${e.what}) — ${e.decision.result}: ${e.decision.detail}`,
      );
    expect(denied).toEqual([]);
  });

  it('hold no grant that no call uses, unless its reason is written next to it', () => {
    const unused: string[] = [];
    for (const fn of template.functions().values()) {
      const acknowledged = acknowledgedGrants(template, fn.roleLogicalId);
      for (const { name, policy } of template.identityPolicies(fn.roleLogicalId)) {
        policy.Statement.forEach((statement, index) => {
          if (statement.Effect !== 'Allow') return;
          const used = evaluated.filter(
            (e) => e.fn === fn.name && e.decision.grantedBy.includes(`${name}#${index + 1}`),
          );
          for (const action of list(statement.Action)) {
            if (used.some((e) => actionMatches(action, e.request.action))) continue;
            if (acknowledged.some((grant) => grant.actions.includes(action))) continue;
            unused.push(`${fn.name}: ${action} on ${list(statement.Resource).join(', ')}`);
          }
        });
      }
    }
    expect(unused, 'remove these grants, or call acknowledgeUnexercisedGrant (lib/grants.ts) with the reason').toEqual(
      [],
    );
  });

  it('keep a reason only for grants that are really not exercised', () => {
    // An acknowledgement whose grant a call now uses (or that no longer exists) is stale: remove it.
    const stale: string[] = [];
    for (const fn of template.functions().values()) {
      const granted = template
        .identityPolicies(fn.roleLogicalId)
        .flatMap(({ policy }) => policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));
      for (const grant of acknowledgedGrants(template, fn.roleLogicalId)) {
        for (const action of grant.actions) {
          if (!granted.includes(action)) stale.push(`${fn.name}: ${action} is acknowledged but not granted`);
          const used = evaluated.some(
            (e) => e.fn === fn.name && e.decision.result === 'Allowed' && actionMatches(action, e.request.action),
          );
          if (used) stale.push(`${fn.name}: ${action} is acknowledged as unused, but a call uses it`);
        }
      }
    }
    expect(stale).toEqual([]);
  });
});

/**
 * What AWS does with a function's role besides the calls of its code: Lambda writes its logs, sends a
 * failed asynchronous event to its on-failure destination, and the custom-resource provider invokes the
 * template seed.
 */
function platformRequests(template: DeployedTemplate): { fn: FunctionName; what: string; request: AccessRequest }[] {
  const checks: { fn: FunctionName; what: string; request: AccessRequest }[] = [];
  const functions = [...template.functions().values()];
  for (const fn of functions) {
    if (!fn.logGroupArn) continue;
    const stream = fn.logGroupArn.replace(/:\*$/, ':log-stream:2026/12/06/[$LATEST]0123456789abcdef');
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
      checks.push({ fn: fn.name, what: 'Lambda writes its logs', request: roleRequest(fn, template, action, stream) });
  }
  for (const [, config] of template.resources('AWS::Lambda::EventInvokeConfig')) {
    const name = template.string(config.Properties?.FunctionName);
    const fn = functions.find((f) => f.arn.endsWith(`:function:${name}`));
    const destination = (config.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
      ?.OnFailure?.Destination;
    if (!fn || destination === undefined) continue;
    checks.push({
      fn: fn.name,
      what: "Lambda sends an event that failed every retry to the function's on-failure destination",
      request: roleRequest(fn, template, 'sqs:SendMessage', template.string(destination)),
    });
  }
  return checks;
}

function acknowledgedGrants(template: DeployedTemplate, roleLogicalId: string): UnexercisedGrant[] {
  return (template.resource(roleLogicalId).Metadata?.[UNEXERCISED_GRANTS_METADATA] ??
    []) as unknown as UnexercisedGrant[];
}

function describeCall(call: RecordedRequest): string {
  return `${call.operation}${Object.keys(call.context).length > 0 ? ` ${JSON.stringify(call.context)}` : ''}`;
}

function list(value: Statement['Action'] | Statement['Resource']): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

describe('a call the role does not allow', () => {
  const { config, template } = stacks[0] as (typeof stacks)[number];
  const sendEmail: RecordedRequest = {
    // The fan-out's workers send; the planner never does.
    function: 'dispatch-worker',
    operation: 'SESv2.SendEmail',
    action: 'ses:SendEmail',
    resource: { type: 'ses-template', name: 'welcome-1' },
    context: { 'ses:ApiVersion': '2', 'ses:FromAddress': 'hello@example.com' },
  };

  /** The decision for `call` in a copy of the template whose roles lost the statements `strip` selects. */
  async function decide(call: RecordedRequest, strip: (statement: Statement) => boolean) {
    const copy = structuredClone(template.template);
    for (const resource of Object.values(copy.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties?.PolicyDocument as unknown as { Statement: Statement[] };
      document.Statement = document.Statement.filter((statement) => !strip(statement));
    }
    const stripped = new DeployedTemplate(copy);
    const fn = stripped.functions().get(call.function);
    const placed = place(call, fn as NonNullable<typeof fn>, stripped, config);
    if (placed.kind !== 'requests') throw new Error(placed.kind === 'unplaceable' ? placed.why : 'not deployed');
    return Promise.all(placed.requests.map(async (request) => ({ request, decision: await evaluate(request) })));
  }

  it('is denied, naming the function, the action and the resource, when its grant is deleted', async () => {
    const [intact] = await decide(sendEmail, () => false);
    expect(intact?.decision.result).toBe('Allowed');
    const [denied] = await decide(sendEmail, (statement) => list(statement.Action).includes('ses:SendEmail'));
    expect(denied?.decision.result).toBe('ImplicitlyDenied');
    expect(denied?.request.action).toBe('ses:SendEmail');
    expect(denied?.request.resource).toBe('arn:aws:ses:eu-west-1:111122223333:template/lifecycle-welcome-1');
    expect(denied?.request.principal).toMatch(/assumed-role\/.*\/dispatch-worker$/);
  });

  it('is denied when the webhook function touches the table at all, its former idempotency records included', async () => {
    const write = (partition: string): RecordedRequest => ({
      function: 'webhook',
      operation: 'DynamoDB.PutItem',
      action: 'dynamodb:PutItem',
      resource: { type: 'table' },
      context: { 'dynamodb:LeadingKeys': [partition] },
    });
    for (const partition of ['IDEMPOTENCY#webhook', 'CUSTOMER#x']) {
      const [decided] = await decide(write(partition), () => false);
      expect(decided?.decision.result, partition).toBe('ImplicitlyDenied');
    }
  });
});
