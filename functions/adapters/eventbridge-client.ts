/*
 * The EventBridge client, in a module of its own: a function that publishes and keeps no customers (the
 * webhook function) bundles it without the DynamoDB clients, whose packages esbuild cannot leave out of a
 * bundle that imports them (see ses-clients.ts).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type ClientOptions, clientSettings } from './aws-client-options.js';

export function eventBridgeClient(options: ClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient(clientSettings(options));
}
