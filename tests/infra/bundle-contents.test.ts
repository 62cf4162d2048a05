import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBundleOptions } from '../../lib/lifecycle-function.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HANDLERS = join(ROOT, 'functions', 'handlers');
const ENTRIES = readdirSync(HANDLERS).filter((file) => file.endsWith('.lambda.ts'));
const DEV_DEPENDENCIES = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
    .devDependencies,
);

/** The package a bundled file comes from, if it comes from one. */
function packageOf(path: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
}

/**
 * What each function's bundle is made of, bundled with the options lib/lifecycle-function.ts has esbuild bundle
 * it with (one minified ES module for Node 22): its size is its cold start (docs/performance.md, figure 6), and
 * `npm run bench` prints the sizes. These checks keep out what no function runs.
 */
describe('what each Lambda bundle carries', () => {
  it.each(ENTRIES)(
    '%s: no devDependency, of zod only what the code uses (no classic API, no locale but English), no credential chain, no event streams, no mnemonist, of Handlebars only the parser, no config schema, no client it never uses',
    async (entry) => {
      const result = await build({
        ...lambdaBundleOptions(),
        entryPoints: [join(HANDLERS, entry)],
        write: false,
        metafile: true,
        outfile: join(ROOT, '.lifecycle', 'out', 'bundle-contents.mjs'),
        logLevel: 'silent',
      });
      // What ends up in the bundle (the metafile also lists what was read and then shaken out to nothing).
      const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.mjs'))?.[1];
      const inputs = Object.entries(output?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path);
      expect(inputs.length).toBeGreaterThan(0);
      // The tests' tools (the Stripe SDK that signs test webhooks, the IAM simulator, …) never ship.
      expect([...new Set(inputs.map(packageOf).filter((name) => name && DEV_DEPENDENCIES.includes(name)))]).toEqual([]);
      // `import { z } from 'zod'` (here or in a dependency), a namespace re-exported as a value (`export { z }`) or
      // one reached through another (`z.core.$ZodObject`) makes esbuild keep zod's whole namespace, 40 locales and
      // 250 KB; `import * as z` and a name used from it keeps what is used.
      expect(inputs.filter((path) => /zod\/v4\/locales\/(?!en\.js$)/.test(path))).toEqual([]);
      // zod's classic API (`import * as z from 'zod'`) gives every schema every method, so a bundle keeps them all
      // (~55 KB more than the functions it uses): the schemas are written with zod/mini (functions/domain/zod.ts).
      expect(inputs.filter((path) => /zod\/v4\/classic\//.test(path))).toEqual([]);
      // Lambda gives a function its role's credentials in the environment: the SDK's chain of other sources
      // (profiles, SSO, web identity, instance metadata, and the STS, SSO and sign-in clients they use) never runs.
      const packages = new Set(inputs.map(packageOf));
      expect(
        [...packages].filter((name) => name && /^@aws-sdk\/(credential-provider-|nested-clients$)/.test(name)),
      ).toEqual([]);
      // The configuration was validated at synth and is bundled as its JSON (adapters/config-bundling.ts): its
      // schema, and what only validation needs (the journeys' checks, the campaigns'), stay at synth.
      expect(inputs.filter((path) => path.endsWith('functions/domain/config.ts'))).toEqual([]);
      // The template linter only parses templates (SES renders them): of Handlebars a bundle keeps the parser, not
      // the compiler, the runtime and the `source-map` package the compiler's code generator loads.
      expect(
        inputs.filter(
          (path) =>
            packageOf(path) === 'source-map' ||
            /handlebars\/(lib\/index|dist\/cjs\/handlebars(\.runtime)?|dist\/cjs\/handlebars\/(runtime|compiler\/(compiler|javascript-compiler|code-gen)))\.js$/.test(
              path,
            ),
        ),
      ).toEqual([]);
      // No operation the functions call streams events: the SDK's event-stream marshalling is left out
      // (functions/adapters/lambda-event-streams.ts), though its HTTP protocol and the S3 client name it.
      expect(inputs.filter((path) => path.includes('@smithy/core/dist-es/submodules/event-streams/'))).toEqual([]);
      // The DynamoDB client's endpoint cache keeps its entries in an LRU cache over a Map
      // (functions/adapters/lambda-lru-cache.ts), not in mnemonist's typed arrays and their iterator library.
      expect([...packages].filter((name) => name === 'mnemonist' || name === 'obliterator')).toEqual([]);
      // The template seed and the webhook function keep no customers: no DynamoDB client comes with their
      // SES or EventBridge client.
      if (entry === 'seed-templates.lambda.ts' || entry === 'webhook.lambda.ts') {
        expect([...packages].filter((name) => name && /dynamodb/.test(name))).toEqual([]);
      }
    },
  );
});
