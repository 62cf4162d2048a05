import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DoctorCheck, doctorClients, runDoctor } from '../../bin/commands/doctor-checks.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import type { DeployedTemplate } from '../aws/support/deployed-template.js';
import { stackVariants } from '../aws/support/stacks.js';
import {
  AwsStandIn,
  json,
  restJson,
  restJsonError,
  type StandInAnswer,
  type StandInRequest,
  type StandInRoute,
} from '../helpers/aws-stand-in.js';
import { lifecycleCli, run } from '../helpers/processes.js';

/*
 * `lifecycle doctor` against the AWS APIs as their references document them: each answer below is shaped
 * as the API reference of its service shows it (CloudFormation and SNS in the AWS Query protocol's XML,
 * SES v2 in REST-JSON, Secrets Manager, EventBridge, SQS and CloudWatch in AWS JSON), served by a stand-in
 * (there is no AWS account here). The stack's outputs are those of the stack this repository synthesizes,
 * so a renamed output breaks this test as it would break the doctor.
 */

const NOW = new Date('2026-12-06T12:00:00Z');
const TEMPLATES = new Map(readTemplateFiles('templates').map((t) => [t.name, t]));

/** What the account holds; each field is one thing the doctor looks at. */
interface Account {
  stackStatus: string;
  productionAccess: boolean;
  verified: Record<string, { dkim: string; mailFrom?: string }>;
  eventDestinationEnabled: boolean;
  missingTemplates: string[];
  brokenTemplates: string[];
  /** Secrets by name, and how many versions each has. */
  secretVersions: (name: string) => number;
  subscription: 'confirmed' | 'pending' | 'none';
  dispatcherRuns: number;
  deadLetters: number;
  archiveState: string;
}

const variant = stackVariants()[1] as ReturnType<typeof stackVariants>[number];
const template = variant.template;
const outputs = resolvedOutputs(template);
const stackName = template.deployment.stackName;
const region = template.deployment.region;

function healthy(): Account {
  return {
    stackStatus: 'UPDATE_COMPLETE',
    productionAccess: true,
    verified: { 'mail.shop.example.com': { dkim: 'SUCCESS', mailFrom: 'SUCCESS' } },
    eventDestinationEnabled: true,
    missingTemplates: [],
    brokenTemplates: [],
    secretVersions: () => 2,
    subscription: 'confirmed',
    dispatcherRuns: 5,
    deadLetters: 0,
    archiveState: 'ENABLED',
  };
}

let account = healthy();
let standIn: AwsStandIn;

beforeAll(async () => {
  standIn = await AwsStandIn.start(routes(() => account));
  return () => standIn.stop();
});
afterEach(() => {
  account = healthy();
});

async function doctor(): Promise<DoctorCheck[]> {
  const clients = doctorClients({ region, endpoint: standIn.endpoint });
  for (const client of Object.values(clients)) client.config.credentials = async () => LOCAL_CREDENTIALS;
  return runDoctor({ stackName, clients, config: variant.config, now: NOW });
}

const named = (checks: DoctorCheck[], name: string) => {
  const found = checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in ${checks.map((c) => c.name).join(', ')}`);
  return found;
};

describe('lifecycle doctor', () => {
  it('passes every check of an account that is ready to send', async () => {
    const checks = await doctor();
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'stack',
      'SES sending',
      'sender identity',
      'DKIM',
      'custom MAIL FROM',
      'configuration set',
      'email templates',
      'generic webhook secret',
      'shopify webhook secret',
      'woocommerce webhook secret',
      'stripe webhook secret',
      'alarm notifications',
      'dispatcher',
      'Customer dead letters',
      'EmailFeedback dead letters',
      'DueWork dead letters',
      'event archive',
    ]);
    expect(named(checks, 'SES sending').detail).toBe(
      'production access, 50,000 emails a day (1,200 sent in the last 24 hours), 14 a second',
    );
    expect(standIn.unanswered).toEqual([]);
  });

  it('says what to do about each thing that is not ready', async () => {
    account = {
      ...healthy(),
      productionAccess: false,
      verified: { 'mail.shop.example.com': { dkim: 'PENDING', mailFrom: 'PENDING' } },
      eventDestinationEnabled: false,
      missingTemplates: ['welcome-2'],
      brokenTemplates: ['welcome-1'],
      secretVersions: (name) => (name.includes('shopify') ? 1 : 2),
      subscription: 'pending',
      dispatcherRuns: 0,
      deadLetters: 3,
      archiveState: 'DISABLED',
    };
    const checks = await doctor();
    const failed = Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c]));
    expect(Object.keys(failed).sort()).toEqual(
      [
        'SES sending',
        'DKIM',
        'custom MAIL FROM',
        'configuration set',
        'email templates',
        'shopify webhook secret',
        'alarm notifications',
        'dispatcher',
        'Customer dead letters',
        'EmailFeedback dead letters',
        'DueWork dead letters',
        'event archive',
      ].sort(),
    );
    expect(failed['SES sending']?.detail).toMatch(/^in the SES sandbox/);
    expect(failed['SES sending']?.fix).toMatch(/production access/);
    expect(failed.DKIM?.fix).toMatch(/DkimRecord1\.\.3/);
    expect(failed['email templates']?.detail).toMatch(/missing in SES: welcome-2; failing lint: welcome-1/);
    expect(failed['shopify webhook secret']?.fix).toMatch(/put-secret-value --secret-id .*shopify/);
    expect(failed['alarm notifications']?.detail).toMatch(/not confirmed/);
    expect(failed['Customer dead letters']?.detail).toMatch(/^3 events failed every retry/);
    for (const check of Object.values(failed)) expect(check.fix, check.name).toBeTruthy();
  });

  it('finds a sender address no verified identity covers', async () => {
    account = { ...healthy(), verified: {} };
    const checks = await doctor();
    expect(named(checks, 'sender identity')).toMatchObject({ ok: false });
    expect(named(checks, 'sender identity').detail).toMatch(/not covered by an identity verified/);
  });

  it('stops at the stack when there is none, and when it failed', async () => {
    account = { ...healthy(), stackStatus: 'UPDATE_ROLLBACK_COMPLETE' };
    expect(named(await doctor(), 'stack')).toMatchObject({
      ok: false,
      detail: `${stackName} is UPDATE_ROLLBACK_COMPLETE`,
    });
    account = { ...healthy(), stackStatus: 'missing' };
    const checks = await doctor();
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'stack', ok: false });
  });

  it('as a command: prints a line per check and exits 1 when one fails, 0 when none does', async () => {
    const ready = await cli(['doctor', '--stack', stackName, '--region', region]);
    expect(ready.stdout).toContain('✓ SES sending: production access');
    expect(ready.status, ready.stderr).toBe(0);
    account = { ...healthy(), subscription: 'none' };
    const notReady = await cli(['doctor', '--stack', stackName, '--region', region]);
    expect(notReady.stdout).toContain('✗ alarm notifications: nobody is subscribed to the alarms');
    expect(notReady.stdout).toMatch(/fix: set alarmEmail/);
    expect(notReady.status).toBe(1);
  }, 60_000);
});

/** Runs the command-line tool against the stand-in (served by this process meanwhile), with an environment of its own. */
function cli(args: string[]) {
  return run(...lifecycleCli(args), {
    env: {
      AWS_ENDPOINT_URL: standIn.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: region,
    },
  });
}

function resolvedOutputs(deployed: DeployedTemplate): Map<string, string> {
  const raw = (deployed.template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
  return new Map(Object.entries(raw).map(([key, output]) => [key, deployed.string(output.Value)]));
}

const xml = (body: string): StandInAnswer => ({ status: 200, headers: { 'content-type': 'text/xml' }, body });
const awsJson = (body: unknown, version: '1.0' | '1.1'): StandInAnswer =>
  json(body, 200, `application/x-amz-json-${version}`);

function jsonTarget(name: string, target: string, answer: (request: StandInRequest) => StandInAnswer): StandInRoute {
  return { name, matches: (request) => request.target === target, answer };
}

function queryAction(name: string, action: string, answer: (request: StandInRequest) => StandInAnswer): StandInRoute {
  return { name, matches: (request) => request.action === action, answer };
}

/** Every operation the doctor calls, answered from `account()` in the shapes of the API references. */
function routes(current: () => Account): StandInRoute[] {
  return [
    queryAction('CloudFormation DescribeStacks', 'DescribeStacks', () => {
      const { stackStatus } = current();
      if (stackStatus === 'missing') {
        return {
          status: 400,
          headers: { 'content-type': 'text/xml' },
          body: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error><RequestId>4af14eec-350e-11e4-b260-EXAMPLE</RequestId></ErrorResponse>`,
        };
      }
      const members = [...outputs]
        .map(
          ([key, value]) =>
            `<member><OutputKey>${key}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
        )
        .join('');
      return xml(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:${region}:111122223333:stack/${stackName}/aaf549a0-a413-11df-adb3-5081b3858e83</StackId><CreationTime>2026-12-01T10:00:00Z</CreationTime><StackStatus>${stackStatus}</StackStatus><DisableRollback>false</DisableRollback><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    }),
    restJson('SES GetAccount', 'GET', /^\/v2\/email\/account$/, () =>
      json({
        DedicatedIpAutoWarmupEnabled: false,
        EnforcementStatus: 'HEALTHY',
        ProductionAccessEnabled: current().productionAccess,
        SendingEnabled: true,
        SendQuota: current().productionAccess
          ? { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 1_200 }
          : { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 },
        SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      }),
    ),
    restJson('SES GetEmailIdentity', 'GET', /^\/v2\/email\/identities\/[^/]+$/, (request) => {
      const name = request.path.split('/').at(-1) as string;
      const identity = current().verified[name];
      if (!identity) return restJsonError(404, 'NotFoundException', `Email identity ${name} does not exist.`);
      return json({
        IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: true,
        VerificationStatus: 'SUCCESS',
        DkimAttributes: {
          SigningEnabled: true,
          Status: identity.dkim,
          Tokens: ['abc123', 'def456', 'ghi789'],
          SigningAttributesOrigin: 'AWS_SES',
          CurrentSigningKeyLength: 'RSA_2048_BIT',
        },
        MailFromAttributes: {
          MailFromDomain: `bounce.${name}`,
          MailFromDomainStatus: identity.mailFrom ?? 'FAILED',
          BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
        },
        Policies: {},
        Tags: [],
      });
    }),
    restJson(
      'SES GetConfigurationSetEventDestinations',
      'GET',
      /^\/v2\/email\/configuration-sets\/[^/]+\/event-destinations$/,
      () =>
        json({
          EventDestinations: [
            {
              Name: 'ToEventBridge',
              Enabled: current().eventDestinationEnabled,
              MatchingEventTypes: [
                'SEND',
                'DELIVERY',
                'BOUNCE',
                'COMPLAINT',
                'OPEN',
                'CLICK',
                'REJECT',
                'RENDERING_FAILURE',
                'DELIVERY_DELAY',
              ],
              EventBridgeDestination: { EventBusArn: `arn:aws:events:${region}:111122223333:event-bus/default` },
            },
          ],
        }),
    ),
    restJson('SES GetEmailTemplate', 'GET', /^\/v2\/email\/templates\/[^/]+$/, (request) => {
      const name = request.path.split('/').at(-1) as string;
      const base = name.slice(variant.config.templatePrefix.length);
      const files = TEMPLATES.get(base);
      if (!files || current().missingTemplates.includes(base))
        return restJsonError(404, 'NotFoundException', `Template ${name} does not exist.`);
      const broken = current().brokenTemplates.includes(base);
      return json({
        TemplateName: name,
        TemplateContent: {
          Subject: files.subject,
          Html: broken ? files.html.replaceAll('{{unsubscribeUrl}}', '') : files.html,
          Text: files.text,
        },
        Tags: [],
      });
    }),
    jsonTarget('Secrets Manager DescribeSecret', 'secretsmanager.DescribeSecret', (request) => {
      const { SecretId } = JSON.parse(request.body) as { SecretId: string };
      const versions = current().secretVersions(SecretId);
      const stages: Record<string, string[]> = {};
      for (let i = 0; i < versions; i++)
        stages[`v${i}-0000-0000-0000-000000000000`] = i === versions - 1 ? ['AWSCURRENT'] : ['AWSPREVIOUS'];
      return awsJson(
        {
          ARN: `arn:aws:secretsmanager:${region}:111122223333:secret:${SecretId}-a1b2c3`,
          Name: SecretId,
          CreatedDate: 1_764_583_200,
          LastChangedDate: 1_764_583_200 + versions,
          VersionIdsToStages: stages,
        },
        '1.1',
      );
    }),
    queryAction('SNS ListSubscriptionsByTopic', 'ListSubscriptionsByTopic', () => {
      const topicArn = outputs.get('AlarmTopicArn') as string;
      const { subscription } = current();
      const member =
        subscription === 'none'
          ? ''
          : `<member><TopicArn>${topicArn}</TopicArn><Protocol>email</Protocol><SubscriptionArn>${subscription === 'pending' ? 'PendingConfirmation' : `${topicArn}:80289ba6-0fd4-4079-afb4-ce8c8260f0ca`}</SubscriptionArn><Owner>111122223333</Owner><Endpoint>ops@shop.example.com</Endpoint></member>`;
      return xml(
        `<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListSubscriptionsByTopicResult><Subscriptions>${member}</Subscriptions></ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>b9275252-3774-11df-9540-99d0768312d3</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`,
      );
    }),
    jsonTarget('CloudWatch GetMetricStatistics', 'GraniteServiceVersion20100801.GetMetricStatistics', () => {
      const runs = current().dispatcherRuns;
      const points = Array.from({ length: runs }, (_, i) => ({
        Timestamp: NOW.getTime() / 1000 - (i + 1) * 60,
        Sum: 1,
        Unit: 'Count',
      }));
      return awsJson({ Label: 'Invocations', Datapoints: points }, '1.0');
    }),
    jsonTarget('SQS GetQueueAttributes', 'AmazonSQS.GetQueueAttributes', () =>
      awsJson(
        {
          Attributes: {
            ApproximateNumberOfMessages: String(current().deadLetters),
            ApproximateNumberOfMessagesNotVisible: '0',
          },
        },
        '1.0',
      ),
    ),
    jsonTarget('EventBridge DescribeArchive', 'AWSEvents.DescribeArchive', (request) => {
      const { ArchiveName } = JSON.parse(request.body) as { ArchiveName: string };
      return awsJson(
        {
          ArchiveArn: outputs.get('ArchiveArn'),
          ArchiveName,
          EventSourceArn: outputs.get('EventBusArn'),
          State: current().archiveState,
          RetentionDays: 365,
          SizeBytes: 1_024,
          EventCount: 12,
          CreationTime: 1_764_583_200,
        },
        '1.1',
      );
    }),
  ];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
