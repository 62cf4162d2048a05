/**
 * Synthesises the stack of lifecycle.config.ts into the directory given, as `cdk synth` does (the CDK
 * bundles every function with esbuild, lib/lifecycle-function.ts), in a process of its own so that the
 * bundler's output stays out of the bench's table. Prints one line of JSON: our functions (those with a
 * POWERTOOLS_SERVICE_NAME), their memory size, timeout, environment and bundle (with esbuild's metafile beside it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfigFile } from '../functions/adapters/config-file.js';
import { BUNDLE_METAFILE_CONTEXT } from '../lib/lifecycle-function.js';
import { LifecycleStack } from '../lib/lifecycle-stack.js';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth-child.ts OUTDIR');
const app = new App({ outdir, context: { [BUNDLE_METAFILE_CONTEXT]: true } });
new LifecycleStack(app, 'LifecycleBench', {
  config: await loadConfigFile(),
  env: { account: '123456789012', region: 'us-east-1' },
});
app.synth();
const template = JSON.parse(readFileSync(join(outdir, 'LifecycleBench.template.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};
const functions: unknown[] = [];
for (const resource of Object.values(template.Resources)) {
  if (resource.Type !== 'AWS::Lambda::Function') continue;
  const properties = resource.Properties as {
    MemorySize?: number;
    Timeout?: number;
    Code?: { S3Key?: unknown };
    Environment?: { Variables?: Record<string, unknown> };
  };
  const variables = properties.Environment?.Variables ?? {};
  const name = variables.POWERTOOLS_SERVICE_NAME;
  const key = properties.Code?.S3Key;
  if (typeof name !== 'string' || typeof key !== 'string') continue;
  const bundle = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  if (!existsSync(bundle)) continue;
  functions.push({
    name,
    memoryMb: properties.MemorySize ?? 128,
    environment: variables,
    bundle,
  });
}
console.log(JSON.stringify({ functions }));
