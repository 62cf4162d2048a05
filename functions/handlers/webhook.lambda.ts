import { dynamoDbClients, eventBridgeClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { webhookIdempotency } from '../adapters/idempotency.js';
import { SecretsManagerWebhookSecrets } from '../adapters/webhook-secrets.js';
import { enabledWebhookSources } from '../adapters/webhooks/index.js';
import { powertools } from './powertools.js';
import { createWebhookHandler } from './webhook.js';

const config = loadConfig();
const dynamodb = dynamoDbClients();

export const handler = createWebhookHandler({
  sources: enabledWebhookSources(config),
  secrets: new SecretsManagerWebhookSecrets(JSON.parse(requireEnv(ENV.webhookSecretArns))),
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) }),
  idempotency: webhookIdempotency(dynamodb.client, requireEnv(ENV.tableName)),
  wallClock: () => new Date(),
  ...powertools('webhook'),
});
