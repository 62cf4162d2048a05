import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { testConfig } from '../helpers/config.js';

let template: Template;
beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = testConfig({ sources: { generic: { enabled: true }, shopify: { enabled: true } } });
  template = Template.fromStack(
    new LifecycleStack(app, 'Test', { config, env: { account: '123456789012', region: 'eu-west-1' } }),
  );
});

type Properties = Record<string, any>;

function alarms(): Properties[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
}

function alarmNamed(name: string): Properties {
  const found = alarms().find((alarm) => alarm.AlarmName === `Test-${name}`);
  if (!found) throw new Error(`no alarm Test-${name}; have ${alarms().map((a) => a.AlarmName)}`);
  return found;
}

function logicalIdOf(type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`expected one ${type} matching ${pattern}, found ${ids}`);
  return ids[0] as string;
}

/** The dashboard body with its references written as <LogicalId> or <LogicalId.Attribute>. */
function dashboardBody(): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return body;
  return body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const reference = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return reference.Ref ? `<${reference.Ref}>` : `<${reference['Fn::GetAtt']?.join('.')}>`;
    })
    .join('');
}

describe('alarms of the operations runbook', () => {
  it('fires on any message in any dead-letter queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    // Two dead-letter queues of the bus's targets; the fan-out's queue and its dead-letter queue.
    expect(queues).toHaveLength(4);
    for (const name of ['CustomerDeadLetters', 'EmailFeedbackDeadLetters', 'DueWorkDeadLetters']) {
      const alarm = alarmNamed(name);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
      const queue = logicalIdOf('AWS::SQS::Queue', new RegExp(`^(LifecycleBus|Dispatcher)${name}`));
      expect(alarm.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }]);
    }
    // Every queue of the stack is watched.
    const watched = alarms()
      .filter((alarm) => alarm.Namespace === 'AWS/SQS')
      .map((alarm) => alarm.Dimensions[0].Value['Fn::GetAtt'][0]);
    expect(watched.sort()).toEqual(queues.sort());
  });

  it('fires when the oldest due item has waited more than five minutes, two minutes in a row', () => {
    expect(alarmNamed('DueBacklogAge')).toMatchObject({
      Namespace: 'Lifecycle/Test',
      MetricName: 'DueBacklogAgeSeconds',
      Dimensions: [{ Name: 'service', Value: 'dispatcher' }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    // The fan-out's queue: a message waiting more than five minutes for a worker, two minutes in a row.
    expect(alarmNamed('DueWorkQueueAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Threshold: 300,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    expect(alarmNamed('DispatcherStopped')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('fires on any error of each function that runs in production', () => {
    for (const name of [
      'Webhook',
      'Collect',
      'Unsubscribe',
      'Customer',
      'EmailFeedback',
      'Dispatcher',
      'DispatchWorker',
      'ModelJob',
      'TemplateHistory',
    ]) {
      expect(alarmNamed(`${name}Errors`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/Function|Worker/) } }],
      });
    }
  });

  it('fires on any template edit that fails lint, which the template check finds every five minutes', () => {
    expect(alarmNamed('TemplateEditBroken')).toMatchObject({
      Namespace: 'Lifecycle/Test',
      MetricName: 'TemplateEditBroken',
      Dimensions: [{ Name: 'service', Value: 'template-history' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(/lifecycle templates rollback NAME.*TemplateEditBroken/),
    });
    const check = logicalIdOf('AWS::Lambda::Function', /^TemplateHistoryFunction/);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [check, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it("lets the template check read the stack's templates and who edited them, and write only the templates' partitions of the table", () => {
    const check = template.findResources('AWS::Lambda::Function')[
      logicalIdOf('AWS::Lambda::Function', /^TemplateHistoryFunction/)
    ] as Properties;
    const role = (check.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Properties[]);
    // Besides its own log group's.
    const actions = statements
      .flatMap((statement) => [statement.Action].flat())
      .filter((action) => !action.startsWith('logs:'));
    expect(actions.sort()).toEqual(
      [
        'cloudtrail:LookupEvents',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'ses:GetEmailTemplate',
        'ses:ListEmailTemplates',
      ].sort(),
    );
    const table = statements.find((statement) => [statement.Action].flat().includes('dynamodb:PutItem'));
    expect(table?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TEMPLATE#*'] } });
    const read = statements.find((statement) => statement.Action === 'ses:GetEmailTemplate');
    expect(JSON.stringify(read?.Resource)).toContain(':template/lifecycle-*');
  });

  it('fires when a single-use offer runs out of codes, only in a stack whose journeys give one', () => {
    // The test configuration gives no offer: no such alarm.
    expect(alarms().map((alarm) => alarm.AlarmName)).not.toContain('Test-OfferCodesExhausted');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const offer = { name: 'thanks', kind: 'percentage', value: 15, validFor: 'P14D' } as const;
    const withOffer = Template.fromStack(
      new LifecycleStack(app, 'Test', {
        config: testConfig({ journeys: { repeatIncentive: { offer } } }),
        env: { account: '123456789012', region: 'eu-west-1' },
      }),
    );
    withOffer.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-OfferCodesExhausted',
      Namespace: 'Lifecycle/Test',
      MetricName: 'OfferCodesExhausted',
      Dimensions: [{ Name: 'service', Value: 'dispatcher' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('lifecycle offers import'),
    });
  });

  it('keeps the deliverability alarms, and every alarm notifies the topic, says what to do and where to read', () => {
    for (const name of ['BounceRate', 'ComplaintRate', 'TemplateRenderingFailed', 'TemplateNotFound']) alarmNamed(name);
    const topic = logicalIdOf('AWS::SNS::Topic', /^Alarms/);
    // Deliverability 4, dead letters 3, backlog, schedule and queue age 3, broken template edits 1, function errors 9.
    expect(alarms()).toHaveLength(4 + 3 + 3 + 1 + 9);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operations\.md, "(Alarms: \S+|Dead letters: redrive)"\.$/);
      expect(alarm.AlarmDescription.length).toBeLessThanOrEqual(1024);
    }
  });

  it('sends over TLS only to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('the operations dashboard', () => {
  it('is one dashboard named after the stack, linked from the outputs', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Test-operations' });
    expect(JSON.stringify(template.findOutputs('DashboardUrl'))).toContain('#dashboards/dashboard/Test-operations');
  });

  it('shows ingest by source, sends by journey, suppressions, reputation, lag, dead letters and functions', () => {
    const body = dashboardBody();
    const widgets = JSON.parse(body.replace(/<[^>]+>/g, 'REF')).widgets as { properties: Properties }[];
    const titles = widgets.map((widget) => widget.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Alarms',
        'Webhooks accepted and rejected, by source',
        'Customer events',
        'Emails sent, by journey',
        'Send outcomes',
        'Suppressions',
        'Bounce rate (SES account)',
        'Complaint rate (SES account)',
        'Dispatcher lag: oldest due item at each tick (seconds)',
        'Dead-letter queues (messages waiting)',
        'Function errors',
        'Function duration (p99, ms)',
      ]),
    );
    for (const source of ['generic', 'shopify']) {
      expect(body).toContain(`"Lifecycle/Test","WebhookAccepted","service","webhook","source","${source}"`);
      expect(body).toContain(`"Lifecycle/Test","WebhookRejected","service","webhook","source","${source}"`);
    }
    // Dimensions in alphabetical order, as CDK writes them (their order does not change the metric).
    expect(body).toContain('"Lifecycle/Test","EmailSent","journey","welcome-series","service","dispatcher"');
    expect(body).toContain('"Lifecycle/Test","CustomerEventRecorded","service","customer"');
    expect(body).toContain('"AWS/SES","Reputation.BounceRate"');
    expect(body).toContain('"AWS/SES","Reputation.ComplaintRate"');
    expect(body).toContain('"Lifecycle/Test","DueBacklogAgeSeconds","service","dispatcher"');
    expect(body.match(/"AWS\/SQS","ApproximateNumberOfMessagesVisible"/g)).toHaveLength(3);
    // One panel line per function: webhook, collect, customer, dispatcher (planner), dispatch worker, email feedback,
    // unsubscribe (links), model job, template history.
    expect(body.match(/"AWS\/Lambda","Errors"/g)).toHaveLength(9);
    expect(body.match(/"AWS\/Lambda","Duration"/g)).toHaveLength(9);
  });
});

describe('outputs for the runbook', () => {
  it('gives the archive and bus ARNs for a replay, and each dead-letter queue with the function it redrives to', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ArchiveArn',
        'EventBusArn',
        'EventBusName',
        'CustomerDeadLetterQueueUrl',
        'CustomerFunctionName',
        'EmailFeedbackDeadLetterQueueUrl',
        'EmailFeedbackFunctionName',
        'AlarmTopicArn',
        'DashboardUrl',
      ]),
    );
    const archive = logicalIdOf('AWS::Events::Archive', /Archive/);
    expect(outputs.ArchiveArn?.Value).toEqual({ 'Fn::GetAtt': [archive, 'Arn'] });
    const customerQueue = logicalIdOf('AWS::SQS::Queue', /^LifecycleBusCustomerDeadLetters/);
    expect(outputs.CustomerDeadLetterQueueUrl?.Value).toEqual({ Ref: customerQueue });
  });
});

describe('least privilege and logs', () => {
  it('gives no function role an AWS managed policy: each writes its own log group only', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(7);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const [id, fn] of functions) {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const logGroupId = fn.Properties.LoggingConfig?.LogGroup?.Ref as string;
      expect(logGroupId, `${id} logs to a log group of its own`).toBeDefined();
      const logStatements = policies
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Properties[])
        .filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('logs:')));
      expect(logStatements.length, `${id} may write its logs`).toBeGreaterThan(0);
      for (const statement of logStatements) {
        expect([statement.Resource].flat(), `${id}: ${JSON.stringify(statement.Action)}`).toEqual([
          { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        ]);
      }
    }
  });

  it('names the due and audience indexes instead of every index of the table', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('/index/due');
    expect(policies).toContain('/index/audience');
    expect(policies).not.toContain('/index/*');
  });

  it('logs every API request without addresses, user agents or query strings', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format = stage?.Properties.AccessLogSettings.Format as string;
    expect(format).not.toMatch(/sourceIp|userAgent|querystring|identity/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('two stacks in one account', () => {
  it("see only their own metrics: each stack's functions, alarms and dashboard use a namespace of their own", () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const env = { account: '123456789012', region: 'eu-west-1' };
    const config = testConfig();
    const built = ['StoreA', 'StoreB'].map((name) => ({ name, stack: new LifecycleStack(app, name, { config, env }) }));
    const stacks = built.map(({ name, stack }) => ({ name, template: Template.fromStack(stack) }));
    for (const { name, template: own } of stacks) {
      const other = name === 'StoreA' ? 'StoreB' : 'StoreA';
      const functions = Object.values(own.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      );
      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions)
        expect(fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe(`Lifecycle/${name}`);
      const namespaces = new Set(
        Object.values(own.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.Namespace as string),
      );
      // The product's own metrics, in the stack's namespace; AWS's metrics of its own functions and queues
      // (by dimension, below); and SES's reputation rates, which belong to the account, not to a stack.
      expect([...namespaces].sort()).toEqual(['AWS/Lambda', 'AWS/SES', 'AWS/SQS', `Lifecycle/${name}`]);
      for (const alarm of Object.values(own.findResources('AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmName).toMatch(new RegExp(`^${name}-`));
        // AWS's metrics of a function or queue name it by a reference to this stack's own resource.
        for (const dimension of alarm.Properties.Dimensions ?? []) {
          if (typeof dimension.Value !== 'string') expect(JSON.stringify(dimension.Value)).toMatch(/Ref|Fn::GetAtt/);
        }
      }
      const [dashboard] = Object.values(own.findResources('AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      expect(body).toContain(`Lifecycle/${name}`);
      expect(body).not.toContain(`Lifecycle/${other}`);
      expect(body).not.toMatch(/"Lifecycle\\",/);
      expect(dashboard?.Properties.DashboardName).toBe(`${name}-operations`);
    }
  });
});
