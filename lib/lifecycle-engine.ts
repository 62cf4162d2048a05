import { CfnOutput, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { engineTemplates } from '../functions/adapters/template-files.js';
import { type LifecycleConfig, type LifecycleConfigInput, parseConfig } from '../functions/domain/config.js';
import { durationMs } from '../functions/domain/duration.js';
import type { SourceName } from '../functions/domain/events.js';
import { enabledJourneys, enabledOffers } from '../functions/domain/journeys/catalogue.js';
import type { JourneyDefinitionInput } from '../functions/domain/journeys/definition.js';
import { ROUTES } from '../functions/domain/routing.js';
import { AlarmTopic } from './alarm-topic.js';
import { CustomerEvents } from './customer-events.js';
import { CustomerTable } from './customer-table.js';
import { LifecycleDashboard } from './dashboard.js';
import { DeliverabilityAlarms } from './deliverability-alarms.js';
import { Dispatcher } from './dispatcher.js';
import { EmailFeedback } from './email-feedback.js';
import { LifecycleBus } from './lifecycle-bus.js';
import { bundleConfigUnder, type LifecycleFunction } from './lifecycle-function.js';
import { OperationalAlarms } from './operational-alarms.js';
import { SesSending } from './ses-sending.js';
import { StoreModelJob } from './store-model-job.js';
import { TemplateHistory } from './template-history.js';
import { WebhookApi } from './webhook-api.js';
import { REPORT_RETENTION_DAYS, WeeklyReportJob } from './weekly-report.js';

export interface LifecycleEngineProps {
  /**
   * The configuration, as written with `defineConfig` (lifecycle.config.ts), or already validated. It is
   * validated here (a wrong value throws a ConfigError naming the field) and bundled into every function:
   * what the functions run is exactly this.
   */
  readonly config: LifecycleConfigInput | LifecycleConfig;
  /**
   * Journeys of your own, written with `defineJourney`; added to the configuration's `customJourneys` and
   * validated like the built-in ones. Every template they send must be in `templatesDirectory`.
   * @default no journeys beyond the configuration's
   */
  readonly journeys?: readonly JourneyDefinitionInput[];
  /**
   * Your templates (one folder per template: subject.txt, body.html, body.txt): they add to the built-in
   * templates, and one with a built-in template's name replaces it.
   * @default the built-in templates only
   */
  readonly templatesDirectory?: string;
  /**
   * What happens to the customer table when the engine leaves the stack or the stack is deleted.
   * @default RemovalPolicy.RETAIN: customers are never deleted with the stack
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The sending domain, verified with Easy DKIM and a custom MAIL FROM domain; replaces the
   * configuration's `deliverability.domain`.
   * @default the configuration's `deliverability.domain`, else no identity is managed by the engine
   */
  readonly sendingDomain?: NonNullable<LifecycleConfigInput['deliverability']>['domain'];
  /**
   * A domain of the store for the public API (the links in emails), with its ACM certificate; replaces the
   * configuration's `api.domain`.
   * @default the configuration's `api.domain`, else the API's own execute-api address
   */
  readonly apiDomain?: NonNullable<LifecycleConfigInput['api']>['domain'];
  /**
   * An address that the alarms email; replaces the configuration's `alarmEmail`.
   * @default the configuration's `alarmEmail`, else nobody: subscribe to the alarm topic yourself
   */
  readonly alarmEmail?: string;
}

/** The configuration of an engine: its `config` with what its other props replace or add, validated. */
function engineConfig(props: LifecycleEngineProps): LifecycleConfig {
  const config = props.config as LifecycleConfigInput;
  return parseConfig({
    ...config,
    customJourneys: [...(config.customJourneys ?? []), ...(props.journeys ?? [])],
    ...(props.alarmEmail !== undefined ? { alarmEmail: props.alarmEmail } : {}),
    ...(props.sendingDomain !== undefined
      ? { deliverability: { ...config.deliverability, domain: props.sendingDomain } }
      : {}),
    ...(props.apiDomain !== undefined ? { api: { ...config.api, domain: props.apiDomain } } : {}),
  });
}

/**
 * The whole lifecycle engine: storefront webhooks in, lifecycle emails out through SES. It composes one
 * construct per capability (table, bus, sending, webhook API, customer events, email feedback, dispatcher,
 * model job, alarms, dashboard), each exposed as a public property, and writes the outputs that
 * `lifecycle doctor --stack` and the docs use. Put it in a stack of your own, or use LifecycleStack.
 */
export class LifecycleEngine extends Construct {
  public readonly customerTable: CustomerTable;
  public readonly lifecycleBus: LifecycleBus;
  public readonly sesSending: SesSending;
  public readonly webhookApi: WebhookApi;
  public readonly customerEvents: CustomerEvents;
  public readonly emailFeedback: EmailFeedback;
  public readonly alarmTopic: Topic;
  public readonly dispatcher: Dispatcher;
  public readonly storeModelJob: StoreModelJob;
  public readonly templateHistory: TemplateHistory;
  /** The weekly report by email, when the configuration has `report`. */
  public readonly weeklyReport: WeeklyReportJob | undefined;
  public readonly deliverabilityAlarms: DeliverabilityAlarms;
  public readonly operationalAlarms: OperationalAlarms;
  public readonly dashboard: LifecycleDashboard;

  /** The configuration the engine was built with, validated, exactly as its functions run it. */
  public readonly config: LifecycleConfig;

  constructor(scope: Construct, id: string, props: LifecycleEngineProps) {
    super(scope, id);
    const config = engineConfig(props);
    this.config = config;
    bundleConfigUnder(this, config);
    const templates = engineTemplates(enabledJourneys(config).values(), props.templatesDirectory);
    const sources = (Object.keys(config.sources) as SourceName[]).filter(
      (source) => config.sources[source as keyof typeof config.sources].enabled,
    );

    // The construct ids stay as first deployed: they make the logical ids, and a new one would replace the table.
    this.customerTable = new CustomerTable(this, 'CustomerStore', { removalPolicy: props.removalPolicy });
    this.lifecycleBus = new LifecycleBus(this, 'LifecycleBus');
    this.sesSending = new SesSending(this, 'Mailer', {
      templates,
      templatePrefix: config.templatePrefix,
      fromAddress: config.sender.from,
      domain: config.deliverability.domain,
    });
    this.webhookApi = new WebhookApi(this, 'WebhookApi', {
      sources,
      bus: this.lifecycleBus.bus,
      customerTable: this.customerTable,
      domain: config.api.domain,
    });
    this.customerEvents = new CustomerEvents(this, 'CustomerEvents', {
      customerTable: this.customerTable,
      bus: this.lifecycleBus.bus,
    });
    this.emailFeedback = new EmailFeedback(this, 'EmailFeedback', {
      customerTable: this.customerTable,
      bus: this.lifecycleBus.bus,
    });
    this.lifecycleBus.addRoutes(
      ROUTES,
      { customer: this.customerEvents.function, emailFeedback: this.emailFeedback.function },
      { sesConfigurationSetName: this.sesSending.configurationSet.configurationSetName },
    );
    // The credentials of the storefront that makes the offers' codes: put in by hand after deploy.
    const offerCredentials = offerCodesCredentials(config.offerCodes);
    const offerCodesSecret =
      offerCredentials !== undefined
        ? new Secret(this, 'OfferCodesSecret', {
            description: `${offerCredentials}: replace this generated value with it`,
            generateSecretString: { passwordLength: 48, excludePunctuation: true },
          })
        : undefined;
    if (offerCodesSecret) {
      Validations.of(offerCodesSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds a credential the storefront issued; only the storefront can change it, so a rotation happens in its admin and the new value is put here by hand.',
      });
      new CfnOutput(this, 'OfferCodesSecretName', {
        description: `Put the ${offerCredentials} here: aws secretsmanager put-secret-value --secret-id <this> --secret-string <value>`,
        value: offerCodesSecret.secretName,
      });
    }
    this.dispatcher = new Dispatcher(this, 'Dispatcher', {
      ...(offerCodesSecret ? { offerCodesSecret } : {}),
      customerTable: this.customerTable,
      sesSending: this.sesSending,
      publicApiUrl: this.webhookApi.url,
      unsubscribeSecret: this.webhookApi.unsubscribeSecret,
      bus: this.lifecycleBus.bus,
      leaseMs: durationMs(config.dispatcher.lease),
      workers: config.dispatcher.workers,
    });

    this.storeModelJob = new StoreModelJob(this, 'StoreModelJob', {
      customerTable: this.customerTable,
      bus: this.lifecycleBus.bus,
    });

    this.templateHistory = new TemplateHistory(this, 'TemplateHistory', {
      customerTable: this.customerTable,
      sesSending: this.sesSending,
    });
    this.weeklyReport = config.report
      ? new WeeklyReportJob(this, 'WeeklyReport', {
          customerTable: this.customerTable,
          sesSending: this.sesSending,
          publicApiUrl: this.webhookApi.url,
          unsubscribeSecret: this.webhookApi.unsubscribeSecret,
          linksFunction: this.webhookApi.unsubscribeFunction,
          ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
        })
      : undefined;

    for (const source of sources) {
      const secret = this.webhookApi.secrets.get(source);
      new CfnOutput(this, `${source}WebhookUrl`, {
        description: `Where ${source} posts its webhooks (docs/webhooks.md)`,
        value: this.webhookApi.webhookUrl(source),
      });
      new CfnOutput(this, `${source}WebhookSecret`, {
        description:
          source === 'generic'
            ? 'Read with: aws secretsmanager get-secret-value --secret-id <this> --query SecretString'
            : `Put the ${source} signing secret here: aws secretsmanager put-secret-value --secret-id <this> --secret-string <secret>`,
        value: secret?.secretName ?? '',
      });
    }
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: config.alarmEmail }).topic;
    this.deliverabilityAlarms = new DeliverabilityAlarms(this, 'DeliverabilityAlarms', {
      topic: this.alarmTopic,
      bounceRate: config.deliverability.alarms.bounceRate,
      complaintRate: config.deliverability.alarms.complaintRate,
    });

    // The functions that run in production (the template seed runs only inside a deployment, which fails
    // with its error), and every dead-letter queue, by the names alarms, graphs and outputs use.
    const functions = new Map<string, LifecycleFunction>([
      ['Webhook', this.webhookApi.webhookFunction],
      ['Collect', this.webhookApi.collectFunction],
      ['Unsubscribe', this.webhookApi.unsubscribeFunction],
      ['Customer', this.customerEvents.function],
      ['EmailFeedback', this.emailFeedback.function],
      ['Dispatcher', this.dispatcher.function],
      ['DispatchWorker', this.dispatcher.worker],
      ['ModelJob', this.storeModelJob.function],
      ['TemplateHistory', this.templateHistory.function],
      ...(this.weeklyReport ? [['WeeklyReport', this.weeklyReport.function] as const] : []),
    ]);
    const deadLetterQueues = new Map([
      ...this.lifecycleBus.deadLetterQueuesByName,
      ['DueWork', this.dispatcher.deadLetterQueue],
    ]);
    const maxBacklogAge = Duration.minutes(5);
    this.operationalAlarms = new OperationalAlarms(this, 'OperationalAlarms', {
      topic: this.alarmTopic,
      deadLetterQueues,
      functions,
      dispatcher: this.dispatcher.function,
      dueWorkQueue: this.dispatcher.queue,
      maxBacklogAge,
      offers: enabledOffers(config).size > 0,
    });
    this.dashboard = new LifecycleDashboard(this, 'Dashboard', {
      sources,
      journeys: [...enabledJourneys(config).keys()],
      functions,
      deadLetterQueues,
      alarms: [...this.deliverabilityAlarms.alarms, ...this.operationalAlarms.alarms],
      thresholds: {
        bounceRate: config.deliverability.alarms.bounceRate,
        complaintRate: config.deliverability.alarms.complaintRate,
        backlogAgeSeconds: maxBacklogAge.toSeconds(),
      },
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Alarms notify this SNS topic; subscribe to it, or set alarmEmail in lifecycle.config.ts',
      value: this.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The operations dashboard (docs/operations.md)',
      value: this.dashboard.url,
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'The public API: webhooks, and the links in emails',
      value: this.webhookApi.url,
    });
    if (this.webhookApi.domainName) {
      new CfnOutput(this, 'ApiDomainRecord', {
        description: "DNS: the record that points the API's domain at API Gateway (name, then value)",
        value: `${this.webhookApi.domainName.name} CNAME ${this.webhookApi.domainName.regionalDomainName}`,
      });
    }
    // What `lifecycle doctor --stack` reads to check the account is ready to send (docs/deploy.md).
    new CfnOutput(this, 'SenderAddress', { description: 'The From address of every email', value: config.sender.from });
    new CfnOutput(this, 'TemplatePrefix', {
      description: "Prefix of this stack's SES templates",
      value: config.templatePrefix || '(none)',
    });
    new CfnOutput(this, 'ConfigurationSetName', {
      description: 'The SES configuration set every email is sent with; it reports to EventBridge',
      value: this.sesSending.configurationSet.configurationSetName,
    });
    new CfnOutput(this, 'DispatcherFunctionName', {
      description: 'The dispatcher, run every minute by the schedule',
      value: this.dispatcher.function.functionName,
    });
    if (config.deliverability.domain) {
      new CfnOutput(this, 'SendingDomain', {
        description: 'The sending domain the stack verifies with Easy DKIM and a custom MAIL FROM',
        value: config.deliverability.domain.name,
      });
    }
    if (this.weeklyReport) {
      new CfnOutput(this, 'WeeklyReportFunctionName', {
        description: `Mails the weekly report; to send it now: aws lambda invoke --function-name <this> --payload '{"sendNow":true}' --cli-binary-format raw-in-base64-out /dev/null`,
        value: this.weeklyReport.function.functionName,
      });
      new CfnOutput(this, 'WeeklyReportBucketName', {
        description: `The private bucket of the weekly reports, kept ${REPORT_RETENTION_DAYS} days`,
        value: this.weeklyReport.bucket.bucketName,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.customerTable.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.lifecycleBus.bus.eventBusName });
    new CfnOutput(this, 'EventBusArn', {
      description: 'Destination of an archive replay: aws events start-replay --destination Arn=<this>',
      value: this.lifecycleBus.bus.eventBusArn,
    });
    new CfnOutput(this, 'ArchiveArn', {
      description: 'Every bus event, kept a year: aws events start-replay --event-source-arn <this>',
      value: this.lifecycleBus.archive.archiveArn,
    });
    // Each dead-letter queue, and the function its messages are redriven to (docs/operations.md).
    for (const [name, queue] of deadLetterQueues) {
      new CfnOutput(this, `${name}DeadLetterQueueUrl`, {
        description: `Dead letters of the ${name} function: read and redrive them (docs/operations.md)`,
        value: queue.queueUrl,
      });
      const target = functions.get(name);
      if (target) {
        new CfnOutput(this, `${name}FunctionName`, {
          description: `The ${name} function, that a redrive of its dead letters invokes`,
          value: target.functionName,
        });
      }
    }
  }
}

/** What the offer codes secret holds for the provider, in words; none when the codes come from the pool. */
function offerCodesCredentials(settings: LifecycleConfig['offerCodes']): string | undefined {
  switch (settings.provider) {
    case 'shopify':
      return `Admin API access token (scope write_discounts) of ${settings.shop}`;
    case 'woocommerce':
      return `REST API key (Read/Write) of ${settings.site} as {"consumerKey":"ck_...","consumerSecret":"cs_..."}`;
    case 'stripe':
      return 'Stripe restricted API key (write on Coupons and Promotion codes)';
    default:
      return undefined;
  }
}
