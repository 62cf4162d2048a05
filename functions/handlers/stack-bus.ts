import { ENV, requireEnv } from '../adapters/environment.js';
import { eventBridgeClient } from '../adapters/eventbridge-client.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';

/**
 * The bus of the stack, named by the function's environment. A module of its own, so that the webhook
 * function, which only publishes, carries no DynamoDB client (deployed-parts.ts builds the table's).
 */
export function stackBusPublisher(): EventBridgePublisher {
  return new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) });
}
