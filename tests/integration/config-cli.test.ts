import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../global-setup.js';

/*
 * A wrong lifecycle.config.ts, as a newcomer writes one, in a copy of the project: every command that reads
 * the configuration stops with one line naming the file and the setting (or the line and column), and exit
 * code 1, before it starts anything.
 */

const project = mkdtempSync(join(tmpdir(), 'lifecycle-config-'));

beforeAll(() => {
  for (const entry of ['bin', 'functions', 'lib', 'package.json', 'tsconfig.json']) {
    cpSync(entry, join(project, entry), { recursive: true });
  }
  symlinkSync(join(process.cwd(), 'node_modules'), join(project, 'node_modules'), 'dir');
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** A configuration file; `settings` are the lines inside defineConfig({ … }). */
function configFile(settings: string[]): string {
  return [
    "import { defineConfig } from './functions/domain/config.js';",
    '',
    'export default defineConfig({',
    ...settings.map((line) => `  ${line}`),
    '});',
    '',
  ].join('\n');
}

const STORE = "storeUrl: 'https://shop.example.com',";
const SENDER = "sender: { from: 'Shop <hello@shop.example.com>' },";
const ADDRESS = "postalAddress: 'Shop, 1 Main Street, Springfield 12345',";

const WRONG: [string, string, string][] = [
  [
    'a mistyped setting',
    configFile(["storeNmae: 'Shop',", STORE, SENDER, ADDRESS]),
    'lifecycle.config.ts: unknown setting storeNmae; did you mean storeName?',
  ],
  [
    'an unknown source',
    configFile(["storeName: 'Shop',", STORE, SENDER, ADDRESS, 'sources: { magento: { enabled: true } },']),
    'lifecycle.config.ts: unknown setting sources.magento; the settings of sources are generic, shopify, woocommerce, stripe',
  ],
  [
    'no sender',
    configFile(["storeName: 'Shop',", STORE, ADDRESS]),
    'lifecycle.config.ts: the required setting sender is missing',
  ],
  [
    'a missing comma',
    // Line 4, after the `storeName` line that lacks its comma.
    configFile(["storeName: 'Shop'", STORE, SENDER, ADDRESS]),
    'lifecycle.config.ts:5:3: syntax error: Expected "}" but found "storeUrl"',
  ],
  [
    'a name that is not defined',
    configFile(['storeName: shopName,', STORE, SENDER, ADDRESS]),
    'lifecycle.config.ts: fails while loading: shopName is not defined',
  ],
];

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry of the copy as npx and cdk run it, with only the environment it needs (free ports,
 * in case it started the local runtime). A process still running after a minute is stopped and reported as such.
 */
async function run(entry: string[]): Promise<Finished> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: project,
    PORT: String(await freePort()),
    SES_PORT: String(await freePort()),
    DYNAMODB_PORT: String(await freePort()),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    cwd: project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await Promise.race([
      closed,
      new Promise<'running'>((resolve) => {
        timer = setTimeout(() => resolve('running'), 60_000);
      }),
    ]);
    return { status: status === 'running' ? null : status, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await closed;
    }
  }
}

describe('a wrong configuration', () => {
  it.each(WRONG)(
    'with %s stops lifecycle dev, the other commands and the CDK app (cdk synth) with one line and exit code 1',
    { timeout: 120_000 },
    async (_, file, message) => {
      writeFileSync(join(project, 'lifecycle.config.ts'), file);
      const [dev, simulate, app] = await Promise.all([
        run(['bin/lifecycle.ts', 'dev']),
        run(['bin/lifecycle.ts', 'simulate', '--customers', '10']),
        run(['bin/app.ts']),
      ]);
      for (const cli of [dev, simulate]) {
        expect(cli.stderr).toBe(`lifecycle: ${message}\n`);
        expect(cli.stdout).toBe('');
        expect(cli.status).toBe(1);
      }
      expect(app.stderr).toBe(`${message}\n`);
      expect(app.stdout).toBe('');
      expect(app.status).toBe(1);
    },
  );
});
