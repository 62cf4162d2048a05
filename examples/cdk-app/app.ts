import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { LifecycleEngine } from 'lifecycle-engine';
import config from './lifecycle.config.js';

/*
 * A shop's own CDK app: one stack of its own, with the lifecycle engine in it. The engine validates the
 * configuration (lifecycle.config.ts, journeys of the shop's own included) and bundles it into its
 * functions; templates/ adds the shop's templates to the built-in ones.
 */
const app = new App();
const stack = new Stack(app, 'ShopLifecycle', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
new LifecycleEngine(stack, 'Lifecycle', {
  config,
  templatesDirectory: join(import.meta.dirname, 'templates'),
});
