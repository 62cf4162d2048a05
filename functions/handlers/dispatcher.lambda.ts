import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { eventBridgeClient, sesSendingClient } from '../adapters/aws-clients.js';
import { loadConfig } from '../adapters/config.js';
import { customerStoreFromEnvironment } from '../adapters/dynamodb/customer-store.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { cachedModelLoader } from '../adapters/model-cache.js';
import { randomIds } from '../adapters/random-ids.js';
import { SesV2Mailer } from '../adapters/ses-v2-mailer.js';
import { systemClock } from '../adapters/system-clock.js';
import { signedLinks } from '../adapters/unsubscribe-token.js';
import { durationMs } from '../domain/duration.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { reassessCustomer } from '../domain/services/assessment.js';
import { createDispatcherHandler } from './dispatcher.js';
import { powertools } from './powertools.js';

const config = loadConfig();
const publicApiUrl = requireEnv(ENV.publicApiUrl);
// Read once per cold start: a rotated secret would invalidate the links already in inboxes anyway.
const linkSecret = String(await getSecret(requireEnv(ENV.unsubscribeSecretArn)));
const store = customerStoreFromEnvironment(config.dispatcher.dueShards);
const publisher = new EventBridgePublisher({ client: eventBridgeClient(), busName: requireEnv(ENV.busName) });
const loadModel = cachedModelLoader(store);
const journeys = enabledJourneys(config);
const changes = { store, clock: systemClock, config, journeys, newId: randomIds, publisher, loadModel };

export const handler = createDispatcherHandler({
  ...changes,
  mailer: new SesV2Mailer({
    // No SDK retries: a retried SendEmail may send twice without the dispatcher counting it.
    client: sesSendingClient(),
    from: config.sender.from,
    replyTo: config.sender.replyTo,
    configurationSetName: requireEnv(ENV.configurationSetName),
  }),
  links: signedLinks(publicApiUrl, linkSecret, {
    now: () => systemClock.now(),
    validForMs: durationMs(config.deliverability.confirmationValidFor),
  }),
  reassess: (customerId, dueAt) => reassessCustomer(changes, customerId, dueAt),
  ...powertools('dispatcher'),
});
