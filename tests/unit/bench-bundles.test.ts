import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFiles, bundleParts } from '../../bench/bundles.js';

/** An esbuild metafile as a synth writes it beside a bundle (lib/lifecycle-function.ts, `lifecycle:bundle-metafile`). */
const METAFILE = {
  inputs: {},
  outputs: {
    'index.mjs.map': { inputs: {} },
    'index.mjs': {
      inputs: {
        '../../node_modules/@smithy/core/dist-es/submodules/protocols/HttpProtocol.js': { bytesInOutput: 3545 },
        '../../node_modules/@smithy/core/dist-es/submodules/schema/TypeRegistry.js': { bytesInOutput: 1488 },
        '../../functions/adapters/webhooks/shopify.ts': { bytesInOutput: 13231 },
        '../../node_modules/zod/v4/classic/schemas.js': { bytesInOutput: 0 },
      },
    },
  },
};

describe("the bench's view of a bundle (figure 6)", () => {
  it('lists every file that puts bytes in the bundle, largest first, and adds them up by package or folder', () => {
    const directory = mkdtempSync(join(tmpdir(), 'lifecycle-bench-bundle-'));
    try {
      writeFileSync(join(directory, 'index.meta.json'), JSON.stringify(METAFILE));
      const bundle = join(directory, 'index.mjs');
      expect(bundleFiles(bundle)).toEqual([
        { file: 'functions/adapters/webhooks/shopify.ts', bytes: 13231 },
        { file: 'node_modules/@smithy/core/dist-es/submodules/protocols/HttpProtocol.js', bytes: 3545 },
        { file: 'node_modules/@smithy/core/dist-es/submodules/schema/TypeRegistry.js', bytes: 1488 },
      ]);
      expect(bundleParts(bundle)).toEqual([
        { part: 'functions/adapters/webhooks', bytes: 13231 },
        { part: '@smithy/core', bytes: 5033 },
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
