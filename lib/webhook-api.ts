import { Duration } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/environment.js';
import type { SourceName } from '../functions/domain/events.js';
import type { CustomerStore } from './customer-store.js';
import { LifecycleFunction } from './lifecycle-function.js';

export interface WebhookApiProps {
  /** The storefront sources to accept; each gets a route and a secret. */
  readonly sources: readonly SourceName[];
  readonly bus: EventBus;
  readonly store: CustomerStore;
  /**
   * Steady-state requests per second the API accepts before answering 429 (storefronts retry).
   * @default 200
   */
  readonly rateLimit?: number;
}

/**
 * The public HTTP API: `POST /webhooks/{source}` for storefronts and `GET|POST /unsubscribe` for people.
 * One Secrets Manager secret per source holds the secret its webhooks are signed with.
 */
export class WebhookApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly webhookFunction: LifecycleFunction;
  public readonly unsubscribeFunction: LifecycleFunction;
  /** The secret of each enabled source, to fill in after deploy (the generic one is generated). */
  public readonly secrets = new Map<SourceName, Secret>();
  /** Signs the unsubscribe links; generated, never shown to anyone. */
  public readonly unsubscribeSecret: Secret;

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
    this.unsubscribeSecret = new Secret(this, 'UnsubscribeSigningSecret', {
      description: 'Signs one-click unsubscribe links; rotating it invalidates links already sent',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    this.webhookFunction = new LifecycleFunction(this, 'WebhookFunction', {
      handler: 'webhook.lambda',
      serviceName: 'webhook',
      description: 'Verifies, validates, deduplicates and publishes storefront webhooks',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.busName]: props.bus.eventBusName,
        [ENV.tableName]: props.store.table.tableName,
        [ENV.webhookSecretArns]: JSON.stringify(
          Object.fromEntries([...this.secrets].map(([source, secret]) => [source, secret.secretArn])),
        ),
      },
    });
    props.bus.grantPutEventsTo(this.webhookFunction);
    props.store.grantIdempotencyRecords(this.webhookFunction);
    for (const secret of this.secrets.values()) secret.grantRead(this.webhookFunction);

    this.unsubscribeFunction = new LifecycleFunction(this, 'UnsubscribeFunction', {
      handler: 'unsubscribe.lambda',
      serviceName: 'unsubscribe',
      description: 'One-click unsubscribe (RFC 8058), the preference page and survey answers',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.tableName]: props.store.table.tableName,
        [ENV.unsubscribeSecretArn]: this.unsubscribeSecret.secretArn,
        [ENV.busName]: props.bus.eventBusName,
      },
    });
    props.store.grantCustomerReadWrite(this.unsubscribeFunction);
    props.bus.grantPutEventsTo(this.unsubscribeFunction);
    this.unsubscribeSecret.grantRead(this.unsubscribeFunction);

    this.api = new HttpApi(this, 'Api', {
      description: 'Storefront webhooks and unsubscribe links',
      createDefaultStage: false,
    });
    const rateLimit = props.rateLimit ?? 200;
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit: rateLimit * 2 },
    });
    this.api.addRoutes({
      path: '/webhooks/{source}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Webhooks', this.webhookFunction),
    });
    this.api.addRoutes({
      path: '/webhooks/{source}/schema',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('WebhookSchema', this.webhookFunction),
    });
    const links = new HttpLambdaIntegration('Links', this.unsubscribeFunction);
    for (const path of ['/unsubscribe', '/feedback', '/confirm']) {
      this.api.addRoutes({ path, methods: [HttpMethod.GET, HttpMethod.POST], integration: links });
    }
  }

  /** The URL a storefront posts to. */
  webhookUrl(source: SourceName): string {
    return `${this.api.apiEndpoint}/webhooks/${source}`;
  }
}
