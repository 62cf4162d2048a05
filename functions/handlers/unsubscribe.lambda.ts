import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { eventBridgeClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { cachedModelLoader } from '../adapters/model-cache.js';
import { randomIds } from '../adapters/random-ids.js';
import { systemClock } from '../adapters/system-clock.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { powertools } from './powertools.js';
import { createUnsubscribeHandler } from './unsubscribe.js';

const config = loadConfig();
const secretArn = requireEnv(ENV.unsubscribeSecretArn);

const store = customerStoreFromEnvironment(config.dispatcher.dueShards);

export const handler = createUnsubscribeHandler({
  store,
  clock: systemClock,
  config,
  journeys: enabledJourneys(config),
  newId: randomIds,
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) }),
  loadModel: cachedModelLoader(store),
  storeName: config.storeName,
  tokenSecret: async () => String(await getSecret(secretArn, { maxAge: 3600 })),
  ...powertools('unsubscribe'),
});
