import { App, Validations } from 'aws-cdk-lib';
import { loadConfigFile } from '../functions/adapters/config-file.js';
import { ConfigError, JourneyDefinitionError } from '../functions/domain/errors.js';
import { quietBundling } from '../lib/lifecycle-function.js';
import { LifecycleStack } from '../lib/lifecycle-stack.js';
import { policyChecks } from '../lib/policy-checks.js';

quietBundling();
const app = new App();
// cdk-nag's AwsSolutions rules and AWS's Guard rules check every synth and deploy; each acknowledged finding
// carries its reason in the construct that holds it (docs/operations.md, "Security checks of the infrastructure").
Validations.of(app).addPlugins(...policyChecks(app));
try {
  // Read from the file here, so that a syntax error in it is one line naming the line and column.
  const config = await loadConfigFile();
  new LifecycleStack(app, app.node.tryGetContext('stackName') ?? 'Lifecycle', {
    config,
    description: 'Customer lifecycle engine: storefront webhooks in, lifecycle emails out through SES',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof JourneyDefinitionError) {
    console.error(`lifecycle.config.ts: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
