import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRET_DEFAULTS } from '../../functions/adapters/webhook-secrets.js';
import { freePort } from '../../functions/local/free-port.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { emailsTo } from '../helpers/inbox.js';
import { run, type Started, start } from '../helpers/processes.js';

/*
 * examples/cdk-app as a team's own repository would hold it: the package packed (`npm pack`, which builds
 * it), the tarball unpacked as `npm install` puts it in node_modules, the app synthesized (its functions
 * bundled from the package), and the app's own journey run through the local runtime of the installed
 * package (`lifecycle dev`). The package's dependencies are those of this repository, linked rather than
 * downloaded again; the package itself has only what its tarball holds, so a file it misses fails here.
 */

const REPOSITORY = process.cwd();
let workspace: string;
let app: string;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'lifecycle-consumer-'));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', workspace], {
    cwd: REPOSITORY,
    timeoutMs: 300_000,
  });
  expect(packed.status, packed.stderr.slice(-2000)).toBe(0);
  const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  const filename = tarball?.filename as string;

  app = join(workspace, 'app');
  cpSync(join(REPOSITORY, 'examples', 'cdk-app'), app, { recursive: true });
  const installed = join(app, 'node_modules', 'lifecycle-engine');
  mkdirSync(installed, { recursive: true });
  const unpacked = await run('tar', ['-xzf', join(workspace, filename), '-C', installed, '--strip-components=1']);
  expect(unpacked.status, unpacked.stderr).toBe(0);
  for (const dependency of readdirSync(join(REPOSITORY, 'node_modules'))) {
    if (dependency.startsWith('.') || dependency === 'lifecycle-engine') continue;
    symlinkSync(join(REPOSITORY, 'node_modules', dependency), join(app, 'node_modules', dependency));
  }
  // What `npm install` writes beside package.json: the bundling finds the app's root by it.
  writeFileSync(
    join(app, 'package-lock.json'),
    JSON.stringify({ name: 'lifecycle-engine-example', lockfileVersion: 3, requires: true, packages: {} }),
  );
}, 600_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('an application that installs the packed package', () => {
  it('holds only what a package should', () => {
    const installed = join(app, 'node_modules', 'lifecycle-engine');
    expect(existsSync(join(installed, 'dist', 'lib', 'index.d.ts'))).toBe(true);
    for (const absent of ['tests', 'bench', 'lifecycle.config.ts', 'functions', 'lib', 'package-lock.json'])
      expect(existsSync(join(installed, absent)), absent).toBe(false);
  });

  it('synthesizes its stack, with its journey, its template and the functions bundled from the package', async () => {
    const out = join(app, 'cdk.out');
    const synth = await run(process.execPath, ['--import', 'tsx', 'app.ts'], {
      cwd: app,
      env: { CDK_OUTDIR: out, CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' },
      timeoutMs: 300_000,
    });
    expect(synth.status, synth.stderr.slice(-2000)).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'ShopLifecycle.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const seed = resources.find((resource) => resource.Type === 'Custom::LifecycleTemplateSeed');
    const names = ((seed?.Properties.Templates ?? []) as { Name: string }[]).map((t) => t.Name);
    expect(names).toContain('sample-pack-offer');
    expect(names).toContain('thank-you-first');
    expect(resources.filter((resource) => resource.Type === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(7);
    // Each function's bundle is there, built from the package's compiled entries.
    const bundles = readdirSync(out).filter(
      (entry) => entry.startsWith('asset.') && existsSync(join(out, entry, 'index.mjs')),
    );
    expect(bundles.length).toBeGreaterThanOrEqual(7);
  }, 600_000);

  it("lints its templates and simulates its journeys with the installed package's tool", async () => {
    const tool = join('node_modules', 'lifecycle-engine', 'bin', 'lifecycle.js');
    const lint = await run(process.execPath, [tool, 'templates', 'lint'], { cwd: app, timeoutMs: 120_000 });
    expect(lint.status, `${lint.stdout}${lint.stderr}`).toBe(0);
    expect(lint.stdout).toContain('sample-pack-offer');
    const simulate = await run(
      process.execPath,
      [tool, 'simulate', '--customers', '60', '--days', '30', '--seed', '7'],
      {
        cwd: app,
        timeoutMs: 300_000,
      },
    );
    expect(simulate.status, simulate.stderr.slice(-2000)).toBe(0);
    // Its own journey takes in the simulated sign-ups, and the welcome series it switched off does not.
    expect(simulate.stdout).toMatch(/sample-pack[^\n]*\n[^\n]*entered\s+[1-9]/);
    expect(simulate.stdout).not.toContain('welcome-series');
  }, 600_000);

  it("runs its own journey in the installed package's local runtime", async () => {
    const ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
    let runtime: Started | undefined;
    try {
      runtime = start(process.execPath, [join('node_modules', 'lifecycle-engine', 'bin', 'lifecycle.js'), 'dev'], {
        cwd: app,
        env: { PORT: String(ports.api), SES_PORT: String(ports.ses), DYNAMODB_PORT: String(ports.dynamoDb) },
      });
      await runtime.waitFor('Press Ctrl-C to stop.', 120_000);
      const email = `sample-pack.${Date.now()}@example.com`;
      const posted = await postGeneric(`http://127.0.0.1:${ports.api}`, signupBody(email, { firstName: 'Grace' }), {
        secret: LOCAL_SECRET_DEFAULTS.generic,
      });
      expect(posted.status).toBe(200);
      const inbox = `http://127.0.0.1:${ports.ses}`;
      let received = await emailsTo(inbox, email);
      for (let i = 0; i < 100 && received.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        received = await emailsTo(inbox, email);
      }
      expect(received.map((mail) => mail.subject)).toEqual(['Grace, a free sample pack from Sample Coffee Roasters']);
      expect(received[0]?.body.text).toContain('Sample Coffee Roasters, 1 Bean Street');
    } finally {
      await runtime?.stop();
    }
  }, 300_000);
});
