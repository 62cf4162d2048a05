import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { randomIds } from '../adapters/random-ids.js';
import { systemClock } from '../adapters/system-clock.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { createCustomerHandler } from './customer.js';
import { powertools } from './powertools.js';

const config = loadConfig();

export const handler = createCustomerHandler({
  store: customerStoreFromEnvironment(config.dispatcher.dueShards),
  clock: systemClock,
  config,
  journeys: enabledJourneys(config),
  newId: randomIds,
  ...powertools('customer'),
});
