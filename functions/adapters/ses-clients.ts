/*
 * The SES clients, in a module of their own: a function that sends or seeds templates and keeps no customers
 * (the template seed) bundles them without the DynamoDB document client, whose package esbuild cannot
 * leave out of a bundle that imports it (about 55 KB).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type ClientOptions, clientSettings } from './aws-client-options.js';

export function sesClient(options: ClientOptions = {}): SESv2Client {
  return new SESv2Client(clientSettings(options));
}

/**
 * The SES client the dispatcher sends with: the SDK does not retry. A SendEmail retried by the SDK after a
 * time-out or a 5xx may deliver the email a second time, unseen by the dispatcher, which counts attempts
 * ("Sending at most twice", docs/journeys.md); the dispatcher retries on its own, counting each call that
 * may have sent. Throttling, which the SDK would retry safely, is what the send-rate bucket prevents.
 */
export function sesSendingClient(options: ClientOptions = {}): SESv2Client {
  return sesClient({ ...options, maxAttempts: 1 });
}
