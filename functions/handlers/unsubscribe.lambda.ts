import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { systemClock } from '../adapters/system-clock.js';
import { powertools } from './powertools.js';
import { createUnsubscribeHandler } from './unsubscribe.js';

const config = loadConfig();
const secretArn = requireEnv(ENV.unsubscribeSecretArn);

export const handler = createUnsubscribeHandler({
  store: customerStoreFromEnvironment(config.dispatcher.dueShards),
  clock: systemClock,
  storeName: config.storeName,
  tokenSecret: async () => String(await getSecret(secretArn, { maxAge: 3600 })),
  ...powertools('unsubscribe'),
});
