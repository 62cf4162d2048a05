import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ENV, requireEnv } from '../adapters/environment.js';
import { deployedParts } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { createUnsubscribeHandler } from './unsubscribe.js';
import { customerChanges } from './wiring.js';

const parts = deployedParts();
const secretArn = requireEnv(ENV.unsubscribeSecretArn);

export const handler = createUnsubscribeHandler({
  ...customerChanges(parts),
  storeName: parts.config.storeName,
  tokenSecret: async () => String(await getSecret(secretArn, { maxAge: 3600 })),
  ...powertools('unsubscribe'),
});
