import { App } from 'aws-cdk-lib';
import { loadConfig } from '../functions/adapters/config.js';
import { ConfigError, JourneyDefinitionError } from '../functions/domain/errors.js';
import { LifecycleStack } from '../lib/lifecycle-stack.js';

const app = new App();
try {
  const config = loadConfig();
  new LifecycleStack(app, app.node.tryGetContext('stackName') ?? 'Lifecycle', {
    config,
    description: 'Customer lifecycle engine: storefront webhooks in, lifecycle emails out through SES',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (error instanceof ConfigError || error instanceof JourneyDefinitionError) {
    console.error(`lifecycle.config.ts: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
