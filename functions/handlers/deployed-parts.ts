import { dynamoDbClients, eventBridgeClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { systemClock } from '../adapters/system-clock.js';

/** The bus of the stack, named by the function's environment. */
export function stackBusPublisher(): EventBridgePublisher {
  return new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) });
}

/** The stack's table, as the function's environment names it, and one DynamoDB client for everything in it. */
export function stackTable() {
  return { client: dynamoDbClients().document, tableName: requireEnv(ENV.tableName) };
}

/**
 * What a deployed function changes customers with (see wiring.ts): the bundled config, the stack's table
 * and bus as its environment names them, and the system clock. Built once per cold start.
 */
export function deployedParts(table = stackTable()) {
  const config = loadConfig();
  return {
    config,
    store: new DynamoDbCustomerStore({ ...table, dueShards: config.dispatcher.dueShards }),
    clock: systemClock,
    publisher: stackBusPublisher(),
  };
}
