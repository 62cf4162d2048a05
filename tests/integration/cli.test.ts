import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateStorefront } from '../../functions/domain/simulation/storefront-generator.js';
import { freePort } from '../global-setup.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';

const temporary = mkdtempSync(join(tmpdir(), 'lifecycle-cli-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  output: () => string;
  ports: { api: number; ses: number; dynamoDb: number };
}

/** Runs `lifecycle <args>` as a user would, with Node 22 and tsx, on free ports. */
async function startDev(args: string[] = []): Promise<Running> {
  const ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'dev', ...args], {
    env: {
      ...process.env,
      PORT: String(ports.api),
      SES_PORT: String(ports.ses),
      DYNAMODB_PORT: String(ports.dynamoDb),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`lifecycle dev exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`lifecycle dev did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, ports };
}

async function stop(running: Running, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
  running.child.kill(signal);
  return exited;
}

/** Whether a DynamoDB Local (Java) process listening on this port still runs. */
function javaRunningOn(port: number): boolean {
  return spawnSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}`]).status === 0;
}

// Each test starts one or two Java processes: on a busy 2-core machine that takes a while.
describe('lifecycle dev, as a newcomer runs it', { timeout: 180_000 }, () => {
  it('prints where everything is, serves the API, and stops on SIGTERM leaving no Java process', async () => {
    const running = await startDev();
    const banner = running.output();
    expect(banner).toContain(`POST http://127.0.0.1:${running.ports.api}/webhooks/generic`);
    expect(banner).toContain(`Inbox         http://127.0.0.1:${running.ports.ses}`);
    expect(banner).toContain(`DynamoDB      http://127.0.0.1:${running.ports.dynamoDb}`);
    expect(banner).toMatch(/ready in \d+\.\d s/);
    expect(javaRunningOn(running.ports.dynamoDb)).toBe(true);
    const inbox = await fetch(`http://127.0.0.1:${running.ports.ses}/`);
    expect(inbox.status).toBe(200);

    expect(await stop(running, 'SIGTERM')).toBe(0);
    expect(running.output()).toContain('No process left behind.');
    expect(javaRunningOn(running.ports.dynamoDb)).toBe(false);
  });

  it('keeps data between runs with --data-dir, and stops on Ctrl-C (SIGINT)', async () => {
    const dataDir = join(temporary, 'data');
    const email = uniqueEmail('persist');
    const first = await startDev(['--data-dir', dataDir]);
    expect(first.output()).toContain(`kept in ${dataDir}`);
    expect((await postGeneric(`http://127.0.0.1:${first.ports.api}`, signupBody(email))).status).toBe(200);
    // A day: lifecycle.config.ts keeps quiet hours (21:00–08:00), so at night the welcome waits for the morning.
    await fetch(`http://127.0.0.1:${first.ports.api}/_local/clock`, { method: 'POST', body: '{"advance":"P1D"}' });
    expect(await stop(first, 'SIGINT')).toBe(0);
    expect(javaRunningOn(first.ports.dynamoDb)).toBe(false);

    const second = await startDev(['--data-dir', dataDir]);
    try {
      const shown = spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'customer', 'show', email], {
        env: { ...process.env, DYNAMODB_PORT: String(second.ports.dynamoDb) },
        encoding: 'utf8',
      });
      expect(shown.status).toBe(0);
      const document = JSON.parse(shown.stdout);
      expect(document.customer.email).toBe(email);
      expect(document.timeline.some((entry: { kind: string }) => entry.kind === 'email_sent')).toBe(true);
      const exported = spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'export', email], {
        env: { ...process.env, DYNAMODB_PORT: String(second.ports.dynamoDb) },
        encoding: 'utf8',
      });
      expect(exported.status).toBe(0);
      expect(JSON.parse(exported.stdout)).toMatchObject({ customer: { email }, orders: [] });
      // History imported into the running local stack, then the marketer's report written from it.
      const env = { ...process.env, DYNAMODB_PORT: String(second.ports.dynamoDb) };
      const imported = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bin/lifecycle.ts', 'backfill', 'tests/fixtures/backfill/shopify-orders-export.csv'],
        { env, encoding: 'utf8' },
      );
      expect(imported.status, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(/rejected\s+1:\n\s+line 16: /);
      expect(imported.stdout).toContain('Store model:');
      const out = join(temporary, 'report.html');
      const reported = spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'report', '--out', out], {
        env,
        encoding: 'utf8',
      });
      expect(reported.status, reported.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('data-chart="rfm-grid"');
      // The simulated clock kept its day ahead, too.
      const clock = (await (await fetch(`http://127.0.0.1:${second.ports.api}/_local/clock`)).json()) as {
        offsetMs: number;
      };
      // A day from when the request came in, less the time the request itself took.
      expect(clock.offsetMs).toBeGreaterThan(86_400_000 - 100_000);
    } finally {
      await stop(second, 'SIGTERM');
    }
  });
});

describe('lifecycle simulate', { timeout: 120_000 }, () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'simulate', ...args], { encoding: 'utf8' });

  it('prints per journey what was sent, deferred and converted, the same for the same seed', () => {
    const text = run(['--customers', '60', '--days', '90', '--seed', '3']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Simulated 2026-01-01 to 2026-04-01 \(seed 3\): \d+ events, 60 customers/);
    expect(text.stdout).toContain('Welcome series (welcome-series)');
    expect(text.stdout).toMatch(/\n {2}welcome-1 +sent \d+, deferred \d+, dropped \d+, suppressed \d+\n/);
    const first = JSON.parse(run(['--customers', '60', '--days', '90', '--seed', '3', '--json']).stdout);
    const second = JSON.parse(run(['--customers', '60', '--days', '90', '--seed', '3', '--json']).stdout);
    expect(second).toEqual(first);
    expect(first.journeys.find((j: { journeyId: string }) => j.journeyId === 'welcome-series').entered).toBeGreaterThan(
      0,
    );
  });

  it("plays a recorded NDJSON file and shows one customer's timeline", () => {
    const events = generateStorefront({ customers: 20, days: 30, start: new Date('2026-03-01T00:00:00Z'), seed: 5 });
    const file = join(temporary, 'events.ndjson');
    writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n'));
    const summary = JSON.parse(run(['--events', file, '--until', '2026-04-15', '--json']).stdout);
    expect(summary.events.played).toBe(events.length);
    const shown = run(['--events', file, '--customer', summary.busiestCustomer]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/email_sent\s+journeyId=welcome-series/);
  });

  it('names what is wrong with its input', () => {
    const bad = join(temporary, 'bad.ndjson');
    writeFileSync(bad, '{"not":"an event"}\n');
    expect(run(['--events', bad]).stderr).toMatch(
      /^lifecycle: 1 lines of .*bad\.ndjson are not canonical events:\n {2}line 1: /,
    );
    expect(run(['--customers', 'many']).stderr).toContain(
      '--customers must be a whole number of at least 1, not "many"',
    );
    expect(run(['--events', bad, '--days', '3']).stderr).toContain('--days describes the synthetic storefront');
    const unknown = run(['--customers', '5', '--days', '5', '--customer', 'nobody@example.com']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no customer "nobody@example.com" in the simulation');
  });
});

describe('lifecycle errors', () => {
  it('says in one line how to install Java when it is missing, and exits non-zero', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'dev'], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lifecycle: Java was not found: DynamoDB Local needs Java 17 or newer\. Install it/);
  });

  it('says the local runtime is not running when a command needs it', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bin/lifecycle.ts', 'customer', 'show', 'ada@example.com'],
      {
        env: { ...process.env, DYNAMODB_PORT: '1' },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'lifecycle: the local runtime is not running: start it with npm start, or pass --stack',
    );
  });

  it('rejects an unknown command with a hint', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/lifecycle.ts', 'frobnicate'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('lifecycle: unknown command "frobnicate"; run "lifecycle --help" for the list');
  });
});
