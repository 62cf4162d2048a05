import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, inject, it } from 'vitest';
import { lambdaBundleOptions } from '../../lib/lifecycle-function.js';
import { s3StandIn } from '../helpers/aws-stand-in.js';
import { run } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'tests', 'fixtures', 'bundled-aws', 'handler.ts');
const BUCKET = 'lifecycle-bundled-reports';

/** Imports a bundle in a fresh Node process, as Lambda does, invokes its handler and prints what it returns. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
console.log(JSON.stringify({ returned: await handler({ bucket: process.argv[2] }) }));
`;

/*
 * The bundles leave out or replace parts of their dependencies that no function runs (lib/lifecycle-function.ts:
 * the SDK's credential chain and event streams by aliases, Handlebars' compiler by importing its parser alone).
 * A stand-in that a code path still reached would fail only in Lambda: an entry bundled with the stack's own
 * esbuild options makes those calls against the local engines, in a process with the environment Lambda gives.
 */
describe('AWS calls from a bundled function', () => {
  it('sign with the credentials in the environment, reach S3, SES and DynamoDB, and lint templates', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lifecycle-bundle-aws-'));
    const objects = new Map<string, string>();
    const s3 = await s3StandIn(BUCKET, objects);
    try {
      const bundle = join(directory, 'index.mjs');
      await build({ ...lambdaBundleOptions(), entryPoints: [ENTRY], outfile: bundle, logLevel: 'silent' });
      const finished = await run(
        process.execPath,
        ['--input-type=module', '-e', INVOKE, pathToFileURL(bundle).href, BUCKET],
        {
          env: {
            AWS_REGION: 'local',
            AWS_ACCESS_KEY_ID: 'bundled',
            AWS_SECRET_ACCESS_KEY: 'bundled',
            AWS_SESSION_TOKEN: 'bundled-session',
            AWS_ENDPOINT_URL_S3: s3.endpoint,
            AWS_ENDPOINT_URL_SESV2: inject('sesEndpoint'),
            AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
          },
        },
      );
      const line = finished.stdout.split('\n').find((text) => text.startsWith('{"returned"'));
      expect(line, finished.stderr.slice(-1500)).toBeDefined();
      const { returned } = JSON.parse(line ?? '{}') as { returned: Record<string, unknown> };

      expect(returned.report).toBe('<p>kept</p>');
      expect(objects.get('reports/bundled.html')).toBe('<p>kept</p>');
      expect(returned.missing).toBeUndefined();
      expect(s3.requests.map((request) => request.method)).toEqual(['PUT', 'GET', 'GET']);
      expect(returned.sesAnswered).toBe(true);
      expect(returned.dynamoDbAnswered).toBe(true);
      expect(returned.lint).toEqual({
        good: [],
        broken: [
          expect.stringMatching(/^subject\.txt: Handlebars cannot parse it: line 1: /),
          expect.stringMatching(/^body\.html: Handlebars cannot parse it: line 1: /),
          expect.stringMatching(/^body\.txt: Handlebars cannot parse it: line 1: /),
        ],
      });
    } finally {
      await s3.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
