import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/adapters/environment.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { apiEvent } from '../helpers/api-event.js';
import { testConfig } from '../helpers/config.js';
import { LocalSecretsManager } from '../helpers/local-secrets-manager.js';
import { run } from '../helpers/processes.js';

/*
 * The configuration a stack is built with is what its functions run: two stacks synthesized (and bundled,
 * as `cdk synth` does) from two configurations, and each one's bundled links function run in a fresh Node
 * process, as Lambda would: each page names its own stack's store, never the other's, nor this
 * repository's lifecycle.config.ts.
 */

const SECRET = 'bundled-config-secret-0123456789';

/** The bundled links function of a stack built from `config`: the directory of its asset. */
function bundledLinksFunction(config: LifecycleConfig, outdir: string, stackName: string): string {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new LifecycleStack(app, stackName, { config, env: { account: '123456789012', region: 'eu-west-1' } });
  app.synth();
  const fn = stack.engine.webhookApi.unsubscribeFunction.node.defaultChild as CfnFunction;
  return join(outdir, fn.getMetadata('aws:asset:path') as string);
}

/** Runs the bundle's handler once, in a Node process of its own, on a link whose token is not valid. */
async function pageOf(asset: string, secretsEndpoint: string): Promise<{ statusCode: number; body: string }> {
  const event = apiEvent('GET', '/unsubscribe', '', {}, { queryStringParameters: { token: 'not-a-token' } });
  const script = `
    const { handler } = await import(${JSON.stringify(`file://${join(asset, 'index.mjs')}`)});
    const answer = await handler(${JSON.stringify(event)}, { functionName: 'links', awsRequestId: 'r1' });
    process.stdout.write(JSON.stringify(answer));
  `;
  const finished = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
      [ENV.tableName]: 'lifecycle-bundled',
      [ENV.busName]: 'lifecycle-bundled',
      [ENV.unsubscribeSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:unsubscribe',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    timeoutMs: 60_000,
  });
  // A failure prints the minified line it happened on: only the end of what it wrote says what it was.
  const ending = finished.stderr.split('\n').slice(-6).join('\n').slice(-1500);
  expect(finished.status, ending).toBe(0);
  expect(ending).toBe('');
  return JSON.parse(finished.stdout) as { statusCode: number; body: string };
}

describe('a stack built with a configuration', () => {
  it('bundles that configuration into its functions, and no other', { timeout: 300_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lifecycle-bundled-config-'));
    const secrets = await LocalSecretsManager.start(SECRET);
    try {
      const north = bundledLinksFunction(testConfig({ storeName: 'North Pole Coffee' }), join(outdir, 'n'), 'North');
      const south = bundledLinksFunction(testConfig({ storeName: 'South Sea Tea' }), join(outdir, 's'), 'South');
      const [northPage, southPage] = [await pageOf(north, secrets.endpoint), await pageOf(south, secrets.endpoint)];
      expect(northPage.statusCode).toBe(400);
      expect(northPage.body).toContain('North Pole Coffee');
      expect(northPage.body).not.toContain('South Sea Tea');
      expect(southPage.body).toContain('South Sea Tea');
      expect(southPage.body).not.toContain('North Pole Coffee');
      for (const page of [northPage, southPage]) expect(page.body).not.toContain('Demo Store');
    } finally {
      await secrets.stop();
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
