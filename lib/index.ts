/**
 * The lifecycle engine as a CDK construct library (`lifecycle-engine`): the LifecycleEngine construct for a
 * stack of your own, LifecycleStack for a stack that holds only the engine, and everything
 * `lifecycle-engine/config` exports to write the configuration and journeys with.
 */
export * from '../functions/public-api.js';
export { AlarmTopic } from './alarm-topic.js';
export { CustomerEvents } from './customer-events.js';
export { CustomerTable } from './customer-table.js';
export { LifecycleDashboard } from './dashboard.js';
export { DeliverabilityAlarms } from './deliverability-alarms.js';
export { Dispatcher } from './dispatcher.js';
export { EmailFeedback } from './email-feedback.js';
export { LifecycleBus } from './lifecycle-bus.js';
export { LifecycleEngine, type LifecycleEngineProps } from './lifecycle-engine.js';
export { LifecycleFunction } from './lifecycle-function.js';
export { LifecycleStack, type LifecycleStackProps } from './lifecycle-stack.js';
export { OperationalAlarms } from './operational-alarms.js';
export { SesSending } from './ses-sending.js';
export { StoreModelJob } from './store-model-job.js';
export { TemplateHistory } from './template-history.js';
export { WebhookApi } from './webhook-api.js';
