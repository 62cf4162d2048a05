import { loadConfig } from '../adapters/config.js';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { collectDependencies, createCollectHandler } from './collect.js';
import { stackTable } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { stackBusPublisher } from './stack-bus.js';

const config = loadConfig();
const table = stackTable();

export const handler = createCollectHandler({
  ...collectDependencies({
    config,
    store: new DynamoDbCustomerStore({ ...table, dueShards: config.dispatcher.dueShards }),
    publisher: stackBusPublisher(),
  }),
  ...powertools('collect'),
});
