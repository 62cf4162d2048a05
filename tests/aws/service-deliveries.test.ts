import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, DeployedTemplate } from './support/deployed-template.js';
import { type AccessRequest, evaluate } from './support/evaluate.js';
import { stackVariants } from './support/stacks.js';

/*
 * Where an AWS service delivers to a resource of the stack, the resource's own policy decides: an
 * EventBridge rule invoking its function and writing to its dead-letter queue, CloudWatch alarms
 * publishing to the alarm topic, API Gateway invoking the functions behind its routes. Each delivery is
 * evaluated as AWS evaluates it, for the service principal with the `aws:SourceArn` and
 * `aws:SourceAccount` the service sends. A delivery AWS would refuse is an alarm nobody hears, or an event
 * lost.
 */

interface Delivery {
  readonly what: string;
  readonly request: AccessRequest;
}

/** Every delivery of an AWS service to a resource of the stack, as the template wires them. */
function serviceDeliveries(template: DeployedTemplate): Delivery[] {
  const { account } = template.deployment;
  const deliveries: Delivery[] = [];
  const deliver = (what: string, service: string, action: string, resource: string, sourceArn: string) =>
    deliveries.push({
      what,
      request: {
        principal: service,
        action,
        resource,
        resourceAccount: account,
        context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account, 'aws:SecureTransport': 'true' },
        identityPolicies: [],
        resourcePolicy: template.resourcePolicy(resource),
      },
    });

  for (const [logicalId, rule] of template.resources('AWS::Events::Rule')) {
    const ruleArn = template.attribute(logicalId, 'Arn');
    const targets = (rule.Properties?.Targets ?? []) as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
    for (const target of targets) {
      const targetArn = template.string(target.Arn);
      if (targetArn.includes(':lambda:'))
        deliver(
          `rule ${logicalId} invokes its function`,
          'events.amazonaws.com',
          'lambda:InvokeFunction',
          targetArn,
          ruleArn,
        );
      if (target.DeadLetterConfig)
        deliver(
          `rule ${logicalId} parks an undeliverable event in its dead-letter queue`,
          'events.amazonaws.com',
          'sqs:SendMessage',
          template.string(target.DeadLetterConfig.Arn),
          ruleArn,
        );
    }
  }

  for (const [logicalId, alarm] of template.resources('AWS::CloudWatch::Alarm')) {
    const alarmArn = template.attribute(logicalId, 'Arn');
    const actions = [
      ...((alarm.Properties?.AlarmActions ?? []) as unknown[]),
      ...((alarm.Properties?.OKActions ?? []) as unknown[]),
    ];
    for (const topicArn of new Set(actions.map((action) => template.string(action))))
      deliver(`alarm ${logicalId} notifies its topic`, 'cloudwatch.amazonaws.com', 'sns:Publish', topicArn, alarmArn);
  }

  // A route names its integration by the integration's id (its Ref).
  const integrations = new Map(
    template
      .resources('AWS::ApiGatewayV2::Integration')
      .map(([logicalId, integration]) => [template.string({ Ref: logicalId }), integration] as const),
  );
  for (const [logicalId, route] of template.resources('AWS::ApiGatewayV2::Route')) {
    const [method, path] = template.string(route.Properties?.RouteKey).split(' ') as [string, string];
    const integrationId = template.string(route.Properties?.Target).replace(/^integrations\//, '');
    const integration = integrations.get(integrationId);
    if (!integration) throw new Error(`route ${logicalId} targets an integration the template does not have`);
    const apiId = template.string(route.Properties?.ApiId);
    const { region } = template.deployment;
    // What an HTTP API sends as the source of an invocation: the stage, method and route of the request.
    const sourceArn = `arn:aws:execute-api:${region}:${account}:${apiId}/$default/${method}${path}`;
    deliver(
      `the API's route ${method} ${path} invokes its function`,
      'apigateway.amazonaws.com',
      'lambda:InvokeFunction',
      template.string(integration.Properties?.IntegrationUri),
      sourceArn,
    );
  }
  return deliveries;
}

const variants = stackVariants();

describe.each(variants)('AWS services delivering to the stack built from $name', ({ template }) => {
  const deliveries = serviceDeliveries(template);
  const decisions: { what: string; resource: string; result: string; detail: string }[] = [];

  beforeAll(async () => {
    for (const delivery of deliveries) {
      const decision = await evaluate(delivery.request);
      decisions.push({ what: delivery.what, resource: delivery.request.resource, ...decision });
    }
  });

  it('are found in the template: schedules, bus rules, their dead-letter queues, alarms and API routes', () => {
    const kinds = (service: string) => deliveries.filter((d) => d.request.principal === service).length;
    expect(kinds('events.amazonaws.com')).toBeGreaterThanOrEqual(6);
    expect(kinds('cloudwatch.amazonaws.com')).toBe(template.resources('AWS::CloudWatch::Alarm').length);
    expect(kinds('apigateway.amazonaws.com')).toBe(template.resources('AWS::ApiGatewayV2::Route').length);
  });

  it('are each allowed by the resource policy of what they deliver to', () => {
    const refused = decisions
      .filter((d) => d.result !== 'Allowed')
      .map((d) => `${d.what}: ${d.resource} — ${d.result}: ${d.detail}`);
    expect(refused).toEqual([]);
  });
});

describe('a delivery the resource policy does not allow', () => {
  it('is found and named: the alarm topic without its statement for CloudWatch', async () => {
    const template = variants[0]?.template as DeployedTemplate;
    const copy = structuredClone(template.template) as { Resources: CfnTemplate['Resources'] };
    for (const resource of Object.values(copy.Resources)) {
      if (resource.Type !== 'AWS::SNS::TopicPolicy') continue;
      const document = resource.Properties?.PolicyDocument as { Statement: { Principal?: unknown }[] };
      document.Statement = document.Statement.filter(
        (statement) => JSON.stringify(statement.Principal) !== JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
      );
    }
    const stripped = new DeployedTemplate(copy);
    const alarm = serviceDeliveries(stripped).find((d) => d.request.principal === 'cloudwatch.amazonaws.com');
    expect(alarm).toBeDefined();
    const decision = await evaluate(alarm?.request as AccessRequest);
    expect(decision.result).toBe('ImplicitlyDenied');
    expect(alarm?.what).toMatch(/^alarm .* notifies its topic$/);
  });

  it('is refused when it comes from another rule or another account', async () => {
    const template = variants[0]?.template as DeployedTemplate;
    const rule = serviceDeliveries(template).find((d) => d.request.action === 'sqs:SendMessage') as Delivery;
    const otherRule = { ...rule.request.context, 'aws:SourceArn': 'arn:aws:events:eu-west-1:111122223333:rule/other' };
    expect((await evaluate({ ...rule.request, context: otherRule })).result).not.toBe('Allowed');
    const alarm = serviceDeliveries(template).find((d) => d.request.action === 'sns:Publish') as Delivery;
    const otherAccount = { ...alarm.request.context, 'aws:SourceAccount': '999999999999' };
    expect((await evaluate({ ...alarm.request, context: otherAccount })).result).not.toBe('Allowed');
  });
});
