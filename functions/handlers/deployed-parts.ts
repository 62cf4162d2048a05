import { dynamoDbClients } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { systemClock } from '../adapters/system-clock.js';
import { stackBusPublisher } from './stack-bus.js';

/** The stack's table, as the function's environment names it, and one DynamoDB client for everything in it. */
export function stackTable() {
  return { client: dynamoDbClients().document, tableName: requireEnv(ENV.tableName) };
}

/**
 * What a deployed function reads customers with: the bundled config, the stack's table as its environment
 * names it, and the system clock. For a function that publishes nothing (the dispatcher's planner), whose
 * environment names no bus.
 */
export function deployedStore(table = stackTable()) {
  const config = loadConfig();
  return {
    config,
    store: new DynamoDbCustomerStore({ ...table, dueShards: config.dispatcher.dueShards }),
    clock: systemClock,
  };
}

/**
 * What a deployed function changes customers with (see wiring.ts): {@link deployedStore}, and the stack's bus
 * as its environment names it. Built once per cold start.
 */
export function deployedParts(table = stackTable()) {
  return { ...deployedStore(table), publisher: stackBusPublisher() };
}
