import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npx cdk synth', () => {
  it('produces a deployable template offline, bundling every function with esbuild (no Docker)', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
        encoding: 'utf8',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
        timeout: 240_000,
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
