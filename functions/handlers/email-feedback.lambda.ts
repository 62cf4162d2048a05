import { eventBridgeClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { hashEmail } from '../adapters/email-hash.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { cachedModelLoader } from '../adapters/model-cache.js';
import { randomIds } from '../adapters/random-ids.js';
import { systemClock } from '../adapters/system-clock.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { createEmailFeedbackHandler } from './email-feedback.js';
import { powertools } from './powertools.js';

const config = loadConfig();
const store = customerStoreFromEnvironment(config.dispatcher.dueShards);

export const handler = createEmailFeedbackHandler({
  store,
  loadModel: cachedModelLoader(store),
  clock: systemClock,
  config,
  journeys: enabledJourneys(config),
  newId: randomIds,
  hashEmail,
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) }),
  ...powertools('email-feedback'),
});
