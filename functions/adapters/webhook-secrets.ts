import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { SourceName } from '../domain/events.js';
import type { WebhookSecrets } from '../ports/webhook-secrets.js';

/** The secret of a source could not be read; the webhook is answered 5xx so the shop retries. */
export class WebhookSecretUnavailableError extends Error {
  constructor(source: SourceName) {
    super(`the webhook secret of source "${source}" could not be read`);
    this.name = 'WebhookSecretUnavailableError';
  }
}

/** Secrets from Secrets Manager, cached for five minutes so that a rotation is picked up soon. */
export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private readonly secretIds: Readonly<Partial<Record<SourceName, string>>>;

  constructor(secretIds: Readonly<Partial<Record<SourceName, string>>>) {
    this.secretIds = secretIds;
  }

  async secretFor(source: SourceName): Promise<string> {
    const id = this.secretIds[source];
    if (!id) throw new WebhookSecretUnavailableError(source);
    const value = await getSecret(id, { maxAge: 300 });
    if (typeof value !== 'string' || value.length === 0) throw new WebhookSecretUnavailableError(source);
    return value;
  }
}

/** Names of the environment variables holding each source's secret in the local runtime. */
export const LOCAL_SECRET_VARIABLES: Readonly<Record<SourceName, string>> = {
  generic: 'GENERIC_WEBHOOK_SECRET',
  shopify: 'SHOPIFY_WEBHOOK_SECRET',
  woocommerce: 'WOOCOMMERCE_WEBHOOK_SECRET',
  stripe: 'STRIPE_WEBHOOK_SECRET',
};

/** Documented defaults of the local runtime, so that the quick start works with no setup. */
export const LOCAL_SECRET_DEFAULTS: Readonly<Record<SourceName, string>> = {
  generic: 'local-generic-secret',
  shopify: 'local-shopify-secret',
  woocommerce: 'local-woocommerce-secret',
  stripe: 'whsec_local_stripe_secret',
};

/** Secrets from the environment, with the local defaults above. */
export class EnvironmentWebhookSecrets implements WebhookSecrets {
  private readonly environment: Readonly<Record<string, string | undefined>>;

  constructor(environment: Readonly<Record<string, string | undefined>> = process.env) {
    this.environment = environment;
  }

  async secretFor(source: SourceName): Promise<string> {
    return this.environment[LOCAL_SECRET_VARIABLES[source]] || LOCAL_SECRET_DEFAULTS[source];
  }
}
