import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DispatcherConfigurationError } from '../../lib/dispatcher.js';
import { LifecycleEngine } from '../../lib/lifecycle-engine.js';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { testConfig } from '../helpers/config.js';

function synth(config = testConfig()): Template {
  // Bundling is exercised by the synth test; here it is skipped to keep assertions fast.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LifecycleStack(app, 'Test', { config, env: { account: '123456789012', region: 'eu-west-1' } });
  return Template.fromStack(stack);
}

let template: Template;
beforeAll(() => {
  template = synth();
});

/** Every IAM statement attached to the role of the function whose description starts with `prefix`. */
function statementsOf(prefix: string): Record<string, unknown>[] {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(`^${prefix}`) },
  });
  const [fn] = Object.values(functions);
  if (!fn) throw new Error(`no function described "${prefix}…"`);
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleRef))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

describe('the CDK stack', () => {
  it('runs every product function on Node.js 22, arm64', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.anyValue() },
    });
    const ours = Object.values(functions).filter((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
    expect(ours.length).toBe(10);
    for (const fn of ours) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('keeps customers in one on-demand table with point-in-time recovery, TTL, the sparse due and audience indexes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'due',
            KeySchema: [
              { AttributeName: 'dueShard', KeyType: 'HASH' },
              { AttributeName: 'dueAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          }),
          // Keys only: a send's write of a profile (its stage unchanged) writes nothing to it.
          Match.objectLike({
            IndexName: 'audience',
            KeySchema: [{ AttributeName: 'audienceShard', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          }),
        ],
      }),
    });
  });

  it('keeps the logical ids of the table and the configuration set: a new id would replace them on a deployed stack', () => {
    // CloudFormation replaces a resource whose logical id changes: the table with every customer in it, the
    // configuration set every queued email names. These ids are what the first deployments created.
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(['CustomerStoreTableD78F2CBC']);
    expect(Object.keys(template.findResources('AWS::SES::ConfigurationSet'))).toEqual([
      'MailerConfigurationSet5BCF2945',
    ]);
  });

  it('has a custom bus with an archive, and a rule per route with a dead-letter queue', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 365 });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: ['lifecycle.storefront'], 'detail-type': Match.arrayWith(['customer.signed_up']) },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('runs the dispatcher every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
  });

  it('refreshes the store model every day, with time to scan a large table', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Refreshes the store model'),
      Timeout: 900,
    });
  });

  it('grants least privilege: the webhook function puts events and reads its secrets, and never touches the table', () => {
    const statements = statementsOf('Verifies, validates');
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'events:PutEvents' }));
    expect(JSON.stringify(statements)).not.toContain('dynamodb:');
    expect(JSON.stringify(statements)).not.toContain('ses:');
  });

  it('lets only the dispatcher send email, from the configured identity, with the configuration set', () => {
    const statements = statementsOf('Claims due journey steps');
    const send = statements.find((s) => s.Action === 'ses:SendEmail');
    expect(JSON.stringify(send?.Resource)).toContain('identity/shop@example.com');
    expect(JSON.stringify(send?.Resource)).toContain('configuration-set/');
    expect(JSON.stringify(statementsOf('Applies canonical events'))).not.toContain('ses:SendEmail');
  });

  it('seeds the default templates through a custom resource that is given all of them', () => {
    template.hasResourceProperties('Custom::LifecycleTemplateSeed', {
      Prefix: 'lifecycle-',
      Templates: Match.arrayWith([Match.objectLike({ Name: 'welcome-1' }), Match.objectLike({ Name: 'welcome-2' })]),
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', Match.anyValue());
  });

  it('outputs the webhook URL and the secret of each enabled source', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['genericWebhookUrl', 'genericWebhookSecret', 'TableName', 'ApiUrl']),
    );
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{source}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /unsubscribe' });
  });

  it('publishes every SES sending event to EventBridge, and hears only its own configuration set there', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
        MatchingEventTypes: Match.arrayWith([
          'delivery',
          'bounce',
          'complaint',
          'open',
          'click',
          'reject',
          'renderingFailure',
        ]),
      }),
    });
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.ses'] } },
    });
    const [rule] = Object.values(rules);
    expect(rule?.Properties.EventBusName).toBe('default');
    expect(rule?.Properties.EventPattern['detail-type']).toEqual(
      expect.arrayContaining(['Email Bounced', 'Email Complaint Received']),
    );
    expect(rule?.Properties.EventPattern.detail).toEqual({
      mail: {
        tags: {
          'ses:configuration-set': [expect.objectContaining({ Ref: expect.stringMatching(/ConfigurationSet/) })],
        },
      },
    });
    expect(rule?.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it('alarms on the account bounce and complaint rates below SES limits, and on broken or missing templates', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const byMetric = Object.fromEntries(alarms.map((a) => [a.Properties.MetricName, a.Properties]));
    expect(byMetric['Reputation.BounceRate']).toMatchObject({ Namespace: 'AWS/SES', Threshold: 0.03 });
    expect(byMetric['Reputation.ComplaintRate']).toMatchObject({ Namespace: 'AWS/SES', Threshold: 0.0008 });
    expect(byMetric.TemplateRenderingFailed).toMatchObject({ Namespace: 'Lifecycle/Test', Threshold: 1 });
    expect(byMetric.TemplateNotFound).toMatchObject({ Namespace: 'Lifecycle/Test', Threshold: 1 });
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synth(testConfig({ alarmEmail: 'ops@example.com' }));
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('verifies a sending domain with Easy DKIM and a MAIL FROM domain, and prints the DNS records to add', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const withDomain = synth(
      testConfig({
        sender: { from: 'Test Shop <shop@mail.shop.example.com>' },
        deliverability: { domain: { name: 'mail.shop.example.com' } },
      }),
    );
    withDomain.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'mail.shop.example.com',
      MailFromAttributes: { MailFromDomain: 'bounce.mail.shop.example.com', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
    const outputs = withDomain.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'DkimRecord1',
        'DkimRecord2',
        'DkimRecord3',
        'MailFromMxRecord',
        'MailFromSpfRecord',
        'DmarcRecord',
      ]),
    );
    const described = Object.values(outputs).map((o) => o.Description ?? '');
    expect(described.filter((d) => d.startsWith('DNS: CNAME'))).toHaveLength(3);
    expect(JSON.stringify(outputs)).toContain(
      'bounce.mail.shop.example.com MX 10 feedback-smtp.eu-west-1.amazonses.com',
    );
    expect(JSON.stringify(outputs)).toContain('_dmarc.mail.shop.example.com TXT');
    expect(() => synth(testConfig({ deliverability: { domain: { name: 'not a domain' } } }))).toThrow(
      /deliverability.domain.name/,
    );
    // SES would refuse every email from an address its identity does not cover.
    expect(() => synth(testConfig({ deliverability: { domain: { name: 'mail.shop.example.com' } } }))).toThrow(
      /sender.from: the From address must be at the sending domain mail.shop.example.com/,
    );
  });

  it('refuses a lease shorter than the dispatcher can run', () => {
    expect(() => synth(testConfig({ dispatcher: { lease: 'PT30S' } }))).toThrow(DispatcherConfigurationError);
  });

  it("serves the API on the store's own domain when one is configured, and links in emails use it", () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0d8f6a52-3c51-4f55-9c4a-1a0b2c3d4e5f';
    const withDomain = synth(testConfig({ api: { domain: { name: 'hooks.shop.example.com', certificateArn } } }));
    withDomain.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'hooks.shop.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL' })],
    });
    withDomain.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    withDomain.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Claims due journey steps'),
      Environment: { Variables: Match.objectLike({ PUBLIC_API_URL: 'https://hooks.shop.example.com' }) },
    });
    const outputs = withDomain.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl?.Value).toBe('https://hooks.shop.example.com');
    expect(outputs.genericWebhookUrl?.Value).toBe('https://hooks.shop.example.com/webhooks/generic');
    expect(JSON.stringify(outputs.ApiDomainRecord?.Value)).toContain(' CNAME ');
    expect(JSON.stringify(outputs.ApiDomainRecord?.Value)).toContain('RegionalDomainName');
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(() =>
      synth(testConfig({ api: { domain: { name: 'hooks.shop.example.com', certificateArn: 'nope' } } })),
    ).toThrow(/api.domain.certificateArn/);
  });
});

describe('an engine with journeys of your own', () => {
  const nameDay = {
    id: 'name-day',
    name: 'Name day',
    trigger: { event: 'customer.updated' as const },
    reentry: { policy: 'restart' as const },
    steps: [{ id: 'wish', type: 'send' as const, template: 'name-day-wish', category: 'marketing' as const }],
  };
  const engine = (props: { templatesDirectory?: string }) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    new LifecycleEngine(stack, 'Lifecycle', { config: testConfig(), journeys: [nameDay], ...props });
    return Template.fromStack(stack);
  };

  it('refuses to synthesize while a journey sends a template that no templates directory holds', () => {
    expect(() => engine({})).toThrow(/journey "name-day" step "wish" sends "name-day-wish", but no template/);
  });

  it('seeds your templates beside the built-in ones, yours replacing a built-in one of the same name', () => {
    const directory = mkdtempSync(join(tmpdir(), 'lifecycle-own-templates-'));
    try {
      for (const [name, subject] of [
        ['name-day-wish', 'Happy name day'],
        ['welcome-1', 'Our own welcome'],
      ]) {
        mkdirSync(join(directory, name as string));
        writeFileSync(join(directory, name as string, 'subject.txt'), subject as string);
        writeFileSync(join(directory, name as string, 'body.html'), '<p>{{storeName}}</p>');
        writeFileSync(join(directory, name as string, 'body.txt'), '{{storeName}}');
      }
      const [seed] = Object.values(
        engine({ templatesDirectory: directory }).findResources('Custom::LifecycleTemplateSeed'),
      );
      const templates = (seed?.Properties.Templates ?? []) as { Name: string; Subject: string }[];
      expect(templates.find((t) => t.Name === 'name-day-wish')?.Subject).toBe('Happy name day');
      expect(templates.find((t) => t.Name === 'welcome-1')?.Subject).toBe('Our own welcome');
      expect(templates.map((t) => t.Name)).toContain('thank-you-first');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
