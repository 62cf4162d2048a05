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
import type { SesSending } from './ses-sending.js';

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

    props.linksFunction.addEnvironment(ENV.reportBucket, this.bucket.bucketName);
    Grant.addToPrincipal({ grantee: props.linksFunction, actions: ['s3:GetObject'], resourceArns: [objects] });

    // Every hour: the function itself knows the weekday and the local hour, whatever the daylight saving time.
    this.rule = new Rule(this, 'Hourly', {
      description: 'Runs the weekly report job, which mails it at the configured weekday and local hour',
      schedule: Schedule.cron({ minute: '0' }),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2 })],
    });
  }
}
