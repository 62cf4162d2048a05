import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/processes.js';

describe('npx cdk synth', () => {
  it('produces a deployable template offline, bundling every function with esbuild (no Docker)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      // npx starts the CDK CLI, which starts the app: run() stops the whole group.
      const result = await run('npx', ['cdk', 'synth', '--quiet', '--output', out], {
        env: { CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
        timeoutMs: 240_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const template = JSON.parse(readFileSync(join(out, 'Lifecycle.template.json'), 'utf8'));
      const assets = JSON.parse(readFileSync(join(out, 'Lifecycle.assets.json'), 'utf8'));
      const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
        .map((file) => join(out, file.source.path, 'index.mjs'))
        .filter((path) => existsSync(path));
      expect(bundles.length).toBe(7);
      expect(template.Resources).toBeDefined();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
