import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CONFIG_NAME } from '../../functions/adapters/config.js';
import { bundledConfigValue } from '../../functions/adapters/config-bundling.js';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { testConfig } from '../helpers/config.js';
import { run } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment the stack gives the function of `serviceName`, with a plausible value for each reference. */
function stackEnvironment(serviceName: string): Record<string, string> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = testConfig();
  const template = Template.fromStack(
    new LifecycleStack(app, 'Test', { config, env: { account: '123456789012', region: 'eu-west-1' } }),
  );
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).map(
    (resource) => (resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
  );
  const variables = functions.find((vars) => vars.POWERTOOLS_SERVICE_NAME === serviceName);
  if (!variables) throw new Error(`no function ${serviceName} in the template`);
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : name.endsWith('_URL') ? 'https://test.example.com/q' : `test-${name}`,
    ]),
  );
}

/*
 * A function's entry reads the environment variables it needs when Lambda first loads it: one the stack does
 * not give it stops every invocation at its start. Each entry is loaded here, in a Node process of its own,
 * with exactly the environment the stack gives its function (and what Lambda adds: region, credentials).
 */
describe('the environment the stack gives a function', () => {
  it.each([['dispatcher', 'dispatcher.lambda.ts']])(
    'is enough for %s to start',
    { timeout: 120_000 },
    async (serviceName, entry) => {
      const environment = stackEnvironment(serviceName);
      const script = `
        globalThis[${JSON.stringify(BUNDLED_CONFIG_NAME)}] = ${JSON.stringify(bundledConfigValue(testConfig()))};
        const module = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'functions', 'handlers', entry)).href)});
        process.stdout.write(typeof module.handler);
      `;
      const finished = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        env: {
          ...environment,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
        timeoutMs: 90_000,
      });
      // A failure prints the line it happened on: the end of what it wrote names the error.
      const ending = finished.stderr.split('\n').slice(-6).join('\n').slice(-1500);
      expect(finished.status, ending).toBe(0);
      expect(finished.stdout).toBe('function');
    },
  );
});
