import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { SourceName } from '../functions/domain/events.js';
import { LINK_PATHS } from '../functions/handlers/link-routes.js';
import type { CustomerTable } from './customer-table.js';
import { grantSecretValue } from './grants.js';
import { LifecycleFunction } from './lifecycle-function.js';
import { acknowledgeLogGroupChecks, acknowledgePublicRoute } from './policy-checks.js';

/**
 * One JSON line per request. Ids, route, status and timings only: no source IP address, user agent or
 * query string (unsubscribe and survey links carry a customer's signed token there), so the access log
 * holds no personal data, like the functions' logs.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  route: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  bytes: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
});

export interface WebhookApiProps {
  /** The storefront sources to accept; each gets a route and a secret. */
  readonly sources: readonly SourceName[];
  readonly bus: EventBus;
  readonly customerTable: CustomerTable;
  /**
   * Steady-state requests per second the API accepts before answering 429 (storefronts retry).
   * @default 200
   */
  readonly rateLimit?: number;
  /**
   * A domain of the store for the API, with an ACM certificate for it in the stack's region: webhook URLs
   * and the links in emails use it. The DNS record to add is a stack output (`ApiDomainRecord`).
   * @default the API's own execute-api address
   */
  readonly domain?: { readonly name: string; readonly certificateArn: string } | undefined;
}

/**
 * The public HTTP API: `POST /webhooks/{source}` for storefronts, `POST /collect` for their pages and
 * `GET|POST /unsubscribe` for people.
 * One Secrets Manager secret per source holds the secret its webhooks are signed with.
 */
export class WebhookApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly webhookFunction: LifecycleFunction;
  /** `POST /collect`: signals from the storefront's pages (docs/collect.md). */
  public readonly collectFunction: LifecycleFunction;
  public readonly unsubscribeFunction: LifecycleFunction;
  /** The secret of each enabled source, to fill in after deploy (the generic one is generated). */
  public readonly secrets = new Map<SourceName, Secret>();
  /** Signs the unsubscribe links; generated, never shown to anyone. */
  public readonly unsubscribeSecret: Secret;
  /** One line per request (ids, route, status, timings), kept a month. */
  public readonly accessLogs: LogGroup;
  /** The store's domain for the API, when one is configured. */
  public readonly domainName: DomainName | undefined;
  /** Where the API is reached: `https://<domain>` when one is configured, else its execute-api address. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    for (const source of props.sources) {
      this.secrets.set(
        source,
        new Secret(this, `${source}Secret`, {
          description:
            source === 'generic'
              ? 'Secret your shop signs generic-format webhooks with (generated; read it, do not change it casually)'
              : `Webhook signing secret from the ${source} admin: replace this generated value with it`,
          generateSecretString: { passwordLength: 48, excludePunctuation: true },
        }),
      );
    }
    for (const [source, secret] of this.secrets) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          source === 'generic'
            ? 'The shop signs its webhooks with this secret: a rotation must change the shop and the secret at the same moment, so it is rotated by hand (docs/webhooks.md).'
            : `Holds the signing secret that ${source} issued; only ${source} can change it, so a rotation happens in its admin and the new value is put here by hand.`,
      });
    }
    this.unsubscribeSecret = new Secret(this, 'UnsubscribeSigningSecret', {
      description: 'Signs one-click unsubscribe links; rotating it invalidates links already sent',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Signs the unsubscribe, survey and confirmation links of emails already sent: a rotation would break every unsubscribe link in inboxes, which the law and Gmail and Yahoo require to keep working.',
    });

    this.webhookFunction = new LifecycleFunction(this, 'WebhookFunction', {
      handler: 'webhook.lambda',
      serviceName: 'webhook',
      description: 'Verifies, validates and publishes storefront webhooks',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.busName]: props.bus.eventBusName,
        [ENV.webhookSecretArns]: JSON.stringify(
          Object.fromEntries([...this.secrets].map(([source, secret]) => [source, secret.secretArn])),
        ),
      },
    });
    props.bus.grantPutEventsTo(this.webhookFunction);
    for (const secret of this.secrets.values()) grantSecretValue(secret, this.webhookFunction);

    // A function of its own, not the webhook function: the route is public to every browser, so a flood of
    // it must not take the storefronts' webhooks' concurrency, and it needs table items they never touch.
    this.collectFunction = new LifecycleFunction(this, 'CollectFunction', {
      handler: 'collect.lambda',
      serviceName: 'collect',
      description: "Signals from the storefront's pages: origins, write keys, rate limits and consent",
      timeout: Duration.seconds(10),
      environment: {
        [ENV.busName]: props.bus.eventBusName,
        [ENV.tableName]: props.customerTable.table.tableName,
      },
    });
    props.bus.grantPutEventsTo(this.collectFunction);
    props.customerTable.grantCollectRecords(this.collectFunction);

    this.unsubscribeFunction = new LifecycleFunction(this, 'UnsubscribeFunction', {
      handler: 'unsubscribe.lambda',
      serviceName: 'unsubscribe',
      description: 'One-click unsubscribe (RFC 8058), the preference page and survey answers',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.tableName]: props.customerTable.table.tableName,
        [ENV.unsubscribeSecretArn]: this.unsubscribeSecret.secretArn,
        [ENV.busName]: props.bus.eventBusName,
      },
    });
    props.customerTable.grantCustomerChanges(this.unsubscribeFunction);
    props.bus.grantPutEventsTo(this.unsubscribeFunction);
    grantSecretValue(this.unsubscribeSecret, this.unsubscribeFunction);

    this.api = new HttpApi(this, 'Api', {
      description: 'Storefront webhooks and unsubscribe links',
      createDefaultStage: false,
    });
    const rateLimit = props.rateLimit ?? 200;
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeLogGroupChecks(this.accessLogs);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit: rateLimit * 2 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    if (props.domain) {
      this.domainName = new DomainName(this, 'Domain', {
        domainName: props.domain.name,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      });
      new ApiMapping(this, 'DomainMapping', { api: this.api, domainName: this.domainName, stage: this.stage });
      this.url = `https://${props.domain.name}`;
    } else {
      this.url = this.api.apiEndpoint;
    }
    // No API Gateway authorizer on purpose: every caller is authenticated by the function, by a proof an
    // authorizer could not check without the body or the stack's secrets.
    const open = (routes: HttpRoute[], reason: string) => {
      for (const route of routes) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
        acknowledgePublicRoute(route, reason);
      }
    };
    open(
      this.api.addRoutes({
        path: '/webhooks/{source}',
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration('Webhooks', this.webhookFunction),
      }),
      "Storefronts cannot send API Gateway credentials: each webhook is authenticated by its source's HMAC signature over the raw body (with a timestamp against replays), checked by the function before anything is read.",
    );
    open(
      this.api.addRoutes({
        path: '/webhooks/{source}/schema',
        methods: [HttpMethod.GET],
        integration: new HttpLambdaIntegration('WebhookSchema', this.webhookFunction),
      }),
      'Public on purpose: the JSON Schema of the generic webhook format, the same for every store, for the tooling of custom shops; it reveals nothing about customers.',
    );
    open(
      this.api.addRoutes({
        path: '/collect',
        methods: [HttpMethod.POST, HttpMethod.OPTIONS],
        integration: new HttpLambdaIntegration('Collect', this.collectFunction),
      }),
      "Sent by the storefront's pages, which can hold no secret: the function admits only the configured public write keys from their allowed origins (CORS), at a rate bounded per IP address and per key in the table, and keeps nothing without the visitor's analytics consent (docs/collect.md).",
    );
    const links = new HttpLambdaIntegration('Links', this.unsubscribeFunction);
    for (const path of LINK_PATHS) {
      open(
        this.api.addRoutes({ path, methods: [HttpMethod.GET, HttpMethod.POST], integration: links }),
        `Opened from links in emails by people who have no account: ${path} acts only with the link's token, an HMAC of the customer id with the stack's secret for this purpose, checked by the function; RFC 8058 one-click unsubscribe forbids any other login.`,
      );
    }
  }

  /** The URL a storefront posts to. */
  webhookUrl(source: SourceName): string {
    return `${this.url}/webhooks/${source}`;
  }
}
