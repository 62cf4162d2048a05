import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/processes.js';

describe('npx cdk synth', () => {
  it('produces a deployable template offline, bundling every function with esbuild (no Docker), and says nothing when asked to be quiet', async () => {
    const temporary = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
    const out = join(temporary, 'cdk.out');
    try {
      // npx starts the CDK CLI, which starts the app: run() stops the whole group.
      const result = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
        env: {
          HOME: temporary,
          CDK_DISABLE_VERSION_CHECK: 'true',
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          npm_config_update_notifier: 'false',
        },
        timeoutMs: 240_000,
      });
      expect(result.status, result.stderr).toBe(0);
      // No bundling progress or esbuild summary, no feature-flag notice: only problems would show here. The
      // CDK CLI prints the passing policy-validation report as an empty line, hence the trim.
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
      const template = JSON.parse(readFileSync(join(out, 'Lifecycle.template.json'), 'utf8'));
      const assets = JSON.parse(readFileSync(join(out, 'Lifecycle.assets.json'), 'utf8'));
      const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
        .map((file) => join(out, file.source.path, 'index.mjs'))
        .filter((path) => existsSync(path));
      expect(bundles.length).toBe(10);
      expect(template.Resources).toBeDefined();
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  }, 300_000);
});
