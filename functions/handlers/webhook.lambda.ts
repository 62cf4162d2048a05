import { loadConfig } from '../adapters/config.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { SecretsManagerWebhookSecrets } from '../adapters/webhook-secrets.js';
import { powertools } from './powertools.js';
import { stackBusPublisher } from './stack-bus.js';
import { createWebhookHandler, webhookDependencies } from './webhook.js';

export const handler = createWebhookHandler({
  ...webhookDependencies({
    config: loadConfig(),
    secrets: new SecretsManagerWebhookSecrets(JSON.parse(requireEnv(ENV.webhookSecretArns))),
    publisher: stackBusPublisher(),
  }),
  ...powertools('webhook'),
});
