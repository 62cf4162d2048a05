import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import { REPORT_KEY_PREFIX } from '../functions/adapters/report/s3-report-archive.js';
import type { CustomerTable } from './customer-table.js';
import { grantSecretValue } from './grants.js';
import { LifecycleFunction } from './lifecycle-function.js';
import { acknowledgeWildcardResource } from './nag.js';
import { GUARD_RULE_PREFIX } from './policy-checks.js';
import type { SesSending } from './ses-sending.js';

/** Why the report bucket leaves out what AWS's Guard rules ask of every bucket (docs/operations.md). */
const BUCKET_GUARD_REASONS: Readonly<Record<string, string>> = {
  s3_bucket_logging_enabled_check:
    'Only two roles can touch the reports (the job writes, the links function reads), the links function logs every report opened with its id, and reports expire after 90 days; access logs would be a second bucket holding the same trail.',
  s3_bucket_default_encryption_kms_check:
    'Reports are encrypted at rest with S3 managed keys and readable only by the two roles of the stack; a customer managed key would add a key policy and a monthly cost per stack, and protect against no reader those roles do not already exclude.',
  s3_bucket_versioning_enabled_check:
    'Each report is written once, under the minute it was made, and deleted after 90 days on purpose: versions would keep what the lifecycle rule is there to delete.',
  s3_event_notifications_enabled_check: 'Nothing reacts to a report being written: the job mails the link itself.',
  s3_bucket_object_lock_enabled_check:
    "Object Lock would forbid deleting reports, which hold the store's figures and must go after 90 days.",
};

/** How long the bucket keeps a weekly report. */
export const REPORT_RETENTION_DAYS = 90;

export interface WeeklyReportJobProps {
  readonly customerTable: CustomerTable;
  readonly sesSending: SesSending;
  /** Base URL of the public API: the report link goes to its `/report`. */
  readonly publicApiUrl: string;
  /** The secret the links are signed with (the report token has a purpose of its own). */
  readonly unsubscribeSecret: ISecret;
  /** The links function, which answers `GET /report?token=…` with a kept report. */
  readonly linksFunction: LifecycleFunction;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The weekly report (docs/campaigns.md#the-weekly-report): a private bucket of reports, expired after
 * {@link REPORT_RETENTION_DAYS} days; a function run every hour that, at the configured weekday and local
 * hour, builds the report, keeps it there (PutObject under `reports/`, nothing else) and mails the team a
 * summary with a link; and the links function's right to read those reports (GetObject, nothing else).
 */
export class WeeklyReportJob extends Construct {
  public readonly bucket: Bucket;
  public readonly function: LifecycleFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: WeeklyReportJobProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Reports', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ prefix: REPORT_KEY_PREFIX, expiration: Duration.days(REPORT_RETENTION_DAYS) }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only two roles of the stack can touch the reports (the job writes, the links function reads), every read is logged by the links function with the report id, and the objects expire after 90 days; access logs would add a second bucket holding the same trail.',
    });
    for (const [rule, reason] of Object.entries(BUCKET_GUARD_REASONS))
      Validations.of(this.bucket).acknowledge({ id: `${GUARD_RULE_PREFIX}${rule}`, reason });
    const objects = this.bucket.arnForObjects(`${REPORT_KEY_PREFIX}*`);

    this.function = new LifecycleFunction(this, 'Function', {
      handler: 'weekly-report.lambda',
      serviceName: 'weekly-report',
      description: 'Mails the team the week’s key figures with a link to the full report, kept privately',
      timeout: Duration.minutes(15),
      memorySize: 1536,
      environment: {
        [ENV.tableName]: props.customerTable.table.tableName,
        [ENV.configurationSetName]: props.sesSending.configurationSet.configurationSetName,
        [ENV.publicApiUrl]: props.publicApiUrl,
        [ENV.unsubscribeSecretArn]: props.unsubscribeSecret.secretArn,
        [ENV.reportBucket]: this.bucket.bucketName,
      },
    });
    props.customerTable.grantWeeklyReport(this.function);
    props.sesSending.grantSend(this.function);
    grantSecretValue(props.unsubscribeSecret, this.function);
    Grant.addToPrincipal({ grantee: this.function, actions: ['s3:PutObject'], resourceArns: [objects] });
    const wildcard =
      'The reports are named by the week they were made, under reports/ of the stack’s own report bucket: the wildcard is that prefix of that bucket, nothing else.';
    acknowledgeWildcardResource(this.function.role as Construct, objects, wildcard);

    props.linksFunction.addEnvironment(ENV.reportBucket, this.bucket.bucketName);
    Grant.addToPrincipal({ grantee: props.linksFunction, actions: ['s3:GetObject'], resourceArns: [objects] });
    acknowledgeWildcardResource(props.linksFunction.role as Construct, objects, wildcard);

    // Every hour: the function itself knows the weekday and the local hour, whatever the daylight saving time.
    this.rule = new Rule(this, 'Hourly', {
      description: 'Runs the weekly report job, which mails it at the configured weekday and local hour',
      schedule: Schedule.cron({ minute: '0' }),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
