import { sesClient, sqsClient } from '../adapters/aws-clients.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { SesV2Mailer } from '../adapters/ses-v2-mailer.js';
import { SqsDueWorkQueue } from '../adapters/sqs-due-work-queue.js';
import { deployedStore } from './deployed-parts.js';
import { createPlannerHandler } from './dispatch-planner.js';
import { powertools } from './powertools.js';
import { campaignStarter } from './wiring.js';

// The dispatcher's planner: it reads the due index, marks and enqueues; the workers send and publish.
const parts = deployedStore();
const queue = new SqsDueWorkQueue({ client: sqsClient(), queueUrl: requireEnv(ENV.dueWorkQueueUrl) });

export const handler = createPlannerHandler({
  store: parts.store,
  clock: parts.clock,
  config: parts.config,
  startCampaigns: campaignStarter({ ...parts, queue }),
  queue,
  // Only the account's send rate is read through it (GetAccount): the planner sends nothing.
  mailer: new SesV2Mailer({ client: sesClient(), from: parts.config.sender.from }),
  ...powertools('dispatcher'),
});
