import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { sesSendingClient, sqsClient } from '../adapters/aws-clients.js';
import { DynamoDbSendingLimiter } from '../adapters/dynamodb/sending-limiter.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { SesV2Mailer } from '../adapters/ses-v2-mailer.js';
import { shopifyOfferCodes } from '../adapters/shopify-offer-codes.js';
import { SqsDueWorkQueue } from '../adapters/sqs-due-work-queue.js';
import { stripeOfferCodes } from '../adapters/stripe-offer-codes.js';
import { wallClock } from '../adapters/system-clock.js';
import { wooCommerceCredentials, wooCommerceOfferCodes } from '../adapters/woocommerce-offer-codes.js';
import { deployedParts, stackTable } from './deployed-parts.js';
import { createDispatchWorkerHandler } from './dispatch-worker.js';
import { powertools } from './powertools.js';
import { customerChanges, dispatcherDependencies, emailLinks } from './wiring.js';

const table = stackTable();
const parts = deployedParts(table);
const publicApiUrl = requireEnv(ENV.publicApiUrl);
// Read once per cold start: a rotated secret would invalidate the links already in inboxes anyway.
const linkSecret = String(await getSecret(requireEnv(ENV.unsubscribeSecretArn)));
const changes = customerChanges(parts);
const offerSettings = parts.config.offerCodes;
// Read when a code is made, cached five minutes: a rotated token is picked up soon.
const offerCodesSecretArn = offerSettings.provider !== 'pool' ? requireEnv(ENV.offerCodesSecretArn) : undefined;
const offerCodesSecret = async () => String(await getSecret(offerCodesSecretArn ?? '', { maxAge: 300 }));

export const handler = createDispatchWorkerHandler({
  ...dispatcherDependencies(changes, {
    mailer: new SesV2Mailer({
      // No SDK retries: a retried SendEmail may send twice without the dispatcher counting it.
      client: sesSendingClient(),
      from: parts.config.sender.from,
      replyTo: parts.config.sender.replyTo,
      configurationSetName: requireEnv(ENV.configurationSetName),
    }),
    links: emailLinks(publicApiUrl, linkSecret, changes),
    ...(offerSettings.provider === 'shopify'
      ? { offerCodes: shopifyOfferCodes({ shop: offerSettings.shop, accessToken: offerCodesSecret }) }
      : {}),
    ...(offerSettings.provider === 'woocommerce'
      ? {
          offerCodes: wooCommerceOfferCodes({
            site: offerSettings.site,
            credentials: async () => wooCommerceCredentials(await offerCodesSecret()),
          }),
        }
      : {}),
    ...(offerSettings.provider === 'stripe'
      ? { offerCodes: stripeOfferCodes({ apiKey: offerCodesSecret, currency: parts.config.reportingCurrency }) }
      : {}),
  }),
  // A campaign's enrollment goes on page by page: each worker puts the next page of its segment on the queue.
  queue: new SqsDueWorkQueue({ client: sqsClient(), queueUrl: requireEnv(ENV.dueWorkQueueUrl) }),
  // The account's send rate and quota, shared with every worker invocation running at the same time.
  sendingLimiter: (account) => DynamoDbSendingLimiter.start({ ...table, account, time: wallClock }),
  // The sends' metrics keep the dispatcher's service dimension, which the alarms and the dashboard read
  // (EmailSent by journey, TemplateNotFound, OfferCodesExhausted); the logs are this function's own.
  ...powertools('dispatcher'),
});
