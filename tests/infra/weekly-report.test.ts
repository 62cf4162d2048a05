import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { testConfig } from '../helpers/config.js';

function synth(config = testConfig()): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LifecycleStack(app, 'Test', { config, env: { account: '123456789012', region: 'eu-west-1' } });
  return Template.fromStack(stack);
}

/** Every IAM statement of the role of the function whose description starts with `prefix`. */
function statementsOf(template: Template, prefix: string): Record<string, unknown>[] {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp(`^${prefix}`) },
    }),
  );
  if (!fn) throw new Error(`no function described "${prefix}…"`);
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleRef))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

const s3Statements = (template: Template, prefix: string) =>
  statementsOf(template, prefix).filter((s) => JSON.stringify(s.Action).includes('s3:'));

describe('the weekly report in the stack', () => {
  let template: Template;
  beforeAll(() => {
    template = synth(testConfig({ report: { recipients: ['team@example.com'], timeZone: 'Europe/Paris' } }));
  });

  it('is not there without report in the configuration: no bucket, no job', () => {
    const without = synth();
    without.resourceCountIs('AWS::S3::Bucket', 0);
    expect(
      Object.keys(
        without.findResources('AWS::Lambda::Function', {
          Properties: { Description: Match.stringLikeRegexp('^Mails the team') },
        }),
      ),
    ).toEqual([]);
    expect(JSON.stringify(statementsOf(without, 'One-click unsubscribe'))).not.toContain('s3:');
  });

  it('keeps reports in a private, encrypted bucket that refuses plain HTTP and expires them after 90 days', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 90, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets the job only write reports, and the links function only read them', () => {
    const job = s3Statements(template, 'Mails the team');
    expect(job.map((s) => s.Action)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(job[0]?.Resource)).toContain('/reports/*');
    const links = s3Statements(template, 'One-click unsubscribe');
    expect(links.map((s) => s.Action)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(links[0]?.Resource)).toContain('/reports/*');
    // Nothing else of the stack touches the bucket.
    for (const other of ['Claims due journey steps', 'Refreshes the store model', 'Applies canonical events'])
      expect(s3Statements(template, other)).toEqual([]);
  });

  it('sends the job’s email with the stack’s identity and takes places only in the sending limits', () => {
    const job = statementsOf(template, 'Mails the team');
    expect(job).toContainEqual(expect.objectContaining({ Action: 'ses:SendEmail' }));
    const update = job.find((s) => JSON.stringify(s.Action).includes('dynamodb:UpdateItem'));
    expect(update?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SENDING'] } });
    const writes = job.filter((s) => /dynamodb:(PutItem|DeleteItem|BatchWriteItem)/.test(JSON.stringify(s.Action)));
    expect(writes).toEqual([]);
  });

  it('runs the job every hour (it keeps the weekday and local hour itself), and tells the links function the bucket', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 * * * ? *)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^One-click unsubscribe'),
      Environment: { Variables: Match.objectLike({ REPORT_BUCKET: Match.anyValue() }) },
    });
    template.hasOutput('WeeklyReportFunctionName', {});
  });
});
