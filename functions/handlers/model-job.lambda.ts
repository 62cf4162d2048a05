import { eventBridgeClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { randomIds } from '../adapters/random-ids.js';
import { systemClock } from '../adapters/system-clock.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { createModelJobHandler } from './model-job.js';
import { powertools } from './powertools.js';

const config = loadConfig();
const store = customerStoreFromEnvironment(config.dispatcher.dueShards);

export const handler = createModelJobHandler({
  store,
  clock: systemClock,
  config,
  journeys: enabledJourneys(config),
  newId: randomIds,
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) }),
  loadModel: () => store.loadModel(),
  random: Math.random,
  ...powertools('model-job'),
});
