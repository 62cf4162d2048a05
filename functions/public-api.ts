/**
 * What an application writes its configuration and its journeys with (`lifecycle-engine/config`): no CDK,
 * no AWS SDK, so that lifecycle.config.ts loads fast wherever it is read (the CDK app, the command-line
 * tool, the local runtime).
 */
export {
  type Campaign,
  type CampaignInput,
  defineCampaign,
} from './domain/campaigns/campaign.js';
export { type Condition, ConditionSchema, evaluate, FACT_NAMES, type FactName } from './domain/conditions.js';
export {
  defineConfig,
  type LifecycleConfig,
  type LifecycleConfigInput,
  LifecycleConfigSchema,
  parseConfig,
} from './domain/config.js';
export { CampaignDefinitionError, ConfigError, JourneyDefinitionError } from './domain/errors.js';
export {
  defineJourney,
  type JourneyDefinition,
  type JourneyDefinitionInput,
  type JourneyStep,
  type JourneyTrigger,
} from './domain/journeys/definition.js';
export { type CommonTemplateData, CommonTemplateDataSchema } from './domain/template-data.js';
