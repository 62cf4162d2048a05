import { cloudTrailClient, sesClient } from '../adapters/aws-clients.js';
import { CloudTrailTemplateEditors } from '../adapters/cloudtrail-template-editors.js';
import { loadConfig } from '../adapters/config.js';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { SesStoredTemplates, templateContentHash } from '../adapters/ses-stored-templates.js';
import { systemClock } from '../adapters/system-clock.js';
import { stackTable } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { createTemplateHistoryHandler } from './template-history.js';

const config = loadConfig();

export const handler = createTemplateHistoryHandler({
  store: new DynamoDbCustomerStore({ ...stackTable(), dueShards: config.dispatcher.dueShards }),
  templates: new SesStoredTemplates(sesClient(), config.templatePrefix),
  editors: new CloudTrailTemplateEditors(cloudTrailClient(), config.templatePrefix),
  clock: systemClock,
  config,
  hash: templateContentHash,
  ...powertools('template-history'),
});
