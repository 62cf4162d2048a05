import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';
import { freePort } from '../global-setup.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { type Finished, lifecycleCli, run, runSync, type Started, start } from '../helpers/processes.js';

const temporary = mkdtempSync(join(tmpdir(), 'lifecycle-cli-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

interface Running extends Started {
  ports: { api: number; ses: number; dynamoDb: number };
}

/** The ports of a running `lifecycle dev`, as the variables that name them. */
const portsEnv = (ports: Running['ports']) => ({
  PORT: String(ports.api),
  SES_PORT: String(ports.ses),
  DYNAMODB_PORT: String(ports.dynamoDb),
});

/**
 * Runs `lifecycle <args>` to completion, as a user would, with Node and tsx, in an environment of its own
 * (PATH, HOME and the variables named: a GENERIC_WEBHOOK_SECRET, PORT or LOG_LEVEL in the shell running the
 * tests changes nothing). Asynchronously: a test that waited synchronously would stall its own HTTP
 * connections to the runtime meanwhile.
 */
function lifecycle(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<Finished> {
  // From another working directory, tsx and the command are found by their paths.
  const [node, cli] = options.cwd
    ? [process.execPath, ['--import', import.meta.resolve('tsx'), join(process.cwd(), 'bin/lifecycle.ts'), ...args]]
    : lifecycleCli(args);
  return run(node, cli, { env, cwd: options.cwd, timeoutMs: 120_000 });
}

/** Starts `lifecycle dev <args>` on free ports, in an environment of its own. Stop it in finally. */
async function startDev(args: string[] = []): Promise<Running> {
  const ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
  const running = start(...lifecycleCli(['dev', ...args]), { env: portsEnv(ports) });
  try {
    await running.waitFor('Press Ctrl-C to stop.', 90_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return Object.assign(running, { ports });
}

/** Whether a DynamoDB Local (Java) process listening on this port still runs. */
function javaRunningOn(port: number): boolean {
  return runSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}`]).status === 0;
}

// Each test starts one or two Java processes: on a busy 2-core machine that takes a while.
describe('lifecycle dev, as a newcomer runs it', { timeout: 180_000 }, () => {
  it('prints where everything is, serves the API, and stops on SIGTERM leaving no Java process', async () => {
    const running = await startDev();
    try {
      const banner = running.output();
      expect(banner).toContain(`POST http://127.0.0.1:${running.ports.api}/webhooks/generic`);
      expect(banner).toContain(`Inbox         http://127.0.0.1:${running.ports.ses}`);
      expect(banner).toContain(`DynamoDB      http://127.0.0.1:${running.ports.dynamoDb}`);
      expect(banner).toMatch(/ready in \d+\.\d s/);
      expect(javaRunningOn(running.ports.dynamoDb)).toBe(true);
      const inbox = await fetch(`http://127.0.0.1:${running.ports.ses}/`);
      expect(inbox.status).toBe(200);

      expect(await running.signal('SIGTERM')).toBe(0);
      expect(running.output()).toContain('No process left behind.');
      expect(javaRunningOn(running.ports.dynamoDb)).toBe(false);
    } finally {
      await running.stop();
    }
  });

  it('keeps data between runs with --data-dir, and stops on Ctrl-C (SIGINT)', async () => {
    const dataDir = join(temporary, 'data');
    const email = uniqueEmail('persist');
    const first = await startDev(['--data-dir', dataDir]);
    try {
      expect(first.output()).toContain(`kept in ${dataDir}`);
      expect((await postGeneric(`http://127.0.0.1:${first.ports.api}`, signupBody(email))).status).toBe(200);
      // A day: lifecycle.config.ts keeps quiet hours (21:00–08:00), so at night the welcome waits for the morning.
      await fetch(`http://127.0.0.1:${first.ports.api}/_local/clock`, { method: 'POST', body: '{"advance":"P1D"}' });
      expect(await first.signal('SIGINT')).toBe(0);
      expect(javaRunningOn(first.ports.dynamoDb)).toBe(false);
    } finally {
      await first.stop();
    }

    const second = await startDev(['--data-dir', dataDir]);
    try {
      const env = portsEnv(second.ports);
      const shown = await lifecycle(['customer', 'show', email, '--json'], env);
      expect(shown.status, shown.stderr).toBe(0);
      const document = JSON.parse(shown.stdout);
      expect(document.customer.email).toBe(email);
      expect(document.timeline.some((entry: { kind: string }) => entry.kind === 'email_sent')).toBe(true);
      const exported = await lifecycle(['export', email], env);
      expect(exported.status, exported.stderr).toBe(0);
      expect(JSON.parse(exported.stdout)).toMatchObject({ customer: { email }, orders: [] });
      // History imported into the running local stack, then the marketer's report written from it.
      const imported = await lifecycle(['backfill', 'tests/fixtures/backfill/shopify-orders-export.csv'], env);
      expect(imported.status, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(/rejected\s+1:\n\s+line 16: /);
      expect(imported.stdout).toContain('Store model:');
      const out = join(temporary, 'report.html');
      const reported = await lifecycle(['report', '--out', out], env);
      expect(reported.status, reported.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('data-chart="rfm-grid"');
      // The simulated clock kept its day ahead, too.
      const clock = (await (await fetch(`http://127.0.0.1:${second.ports.api}/_local/clock`)).json()) as {
        offsetMs: number;
      };
      // A day from when the request came in, less the time the request itself took.
      expect(clock.offsetMs).toBeGreaterThan(86_400_000 - 100_000);
    } finally {
      await second.stop();
    }
  });
});

describe('lifecycle backfill --products', { timeout: 120_000 }, () => {
  it('keeps the catalogue from NDJSON products, reports a bad line by number and field, and a re-run changes nothing', async () => {
    const running = await startDev();
    try {
      const env = portsEnv(running.ports);
      const file = join(temporary, 'products.ndjson');
      const lines = readFileSync('examples/catalogue-products.ndjson', 'utf8').trim().split('\n');
      // A line with a price in another currency than its compare-at price: refused whole, the rest imported.
      const bad = { ...JSON.parse(lines[0] ?? '{}'), id: 'bad', compareAtPrice: { amount: 2400, currency: 'EUR' } };
      writeFileSync(file, `${[...lines, JSON.stringify(bad)].join('\n')}\n`);
      const args = ['backfill', '--products', file, '--source', 'shopify'];

      const first = await lifecycle(args, env);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/products\s+3 \(kept in the catalogue\)/);
      expect(first.stdout).toMatch(/rejected\s+1:\n\s+line 4: compareAtPrice\.currency: /);

      const again = await lifecycle(args, env);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/products\s+0 /);
      expect(again.stdout).toMatch(/superseded\s+3 /);

      // An older state of a product than the one kept is superseded; a newer one is kept.
      const older = { ...JSON.parse(lines[1] ?? '{}'), title: 'Old mug', updatedAt: '2026-01-01T00:00:00Z' };
      const newer = { ...JSON.parse(lines[2] ?? '{}'), title: 'Gift card (new)', updatedAt: '2026-06-01T00:00:00Z' };
      writeFileSync(file, `${JSON.stringify(older)}\n${JSON.stringify(newer)}\n`);
      const mixed = await lifecycle(args, env);
      expect(mixed.stdout).toMatch(/products\s+1 /);
      expect(mixed.stdout).toMatch(/superseded\s+1 /);

      const noSource = await lifecycle(['backfill', '--products', file], env);
      expect(noSource.status).toBe(1);
      expect(noSource.stderr).toContain('--products needs --source');
    } finally {
      await running.stop();
    }
  });

  it("keeps the catalogue from Shopify's products export as of the file's time: a re-run is superseded, a fresh export kept", async () => {
    const running = await startDev();
    try {
      const env = portsEnv(running.ports);
      const file = join(temporary, 'products_export.csv');
      const text = readFileSync('examples/shopify-products-export.csv', 'utf8');
      const header = text.split('\n')[0]?.split(',') ?? [];
      const row = header.map(() => '');
      const set = (column: string, value: string) => {
        row[header.indexOf(column)] = value;
      };
      set('Handle', 'bad-hat');
      set('Title', 'Bad Hat');
      set('Status', 'active');
      set('Variant SKU', 'HAT-BAD');
      set('Variant Price', 'twelve');
      // The example's 14 lines, then the bad product on line 15.
      writeFileSync(file, `${text}${row.join(',')}\n`);
      const args = ['backfill', '--products', file, '--source', 'shopify'];

      const first = await lifecycle(args, env);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/products\s+12 \(kept in the catalogue\)/);
      expect(first.stdout).toMatch(/rejected\s+1:\n\s+line 15: Variant Price is not a decimal amount\n/);

      const again = await lifecycle(args, env);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/products\s+0 /);
      expect(again.stdout).toMatch(/superseded\s+12 /);

      // An export said to be older than the catalogue's state changes nothing either.
      const older = await lifecycle([...args, '--as-of', '2020-01-01T00:00:00Z'], env);
      expect(older.stdout).toMatch(/products\s+0 /);
      expect(older.stdout).toMatch(/superseded\s+12 /);

      // A fresh export of the same products: a newer state, kept.
      const later = new Date(statSync(file).mtime.getTime() + 60_000);
      utimesSync(file, later, later);
      const fresh = await lifecycle(args, env);
      expect(fresh.status, fresh.stderr).toBe(0);
      expect(fresh.stdout).toMatch(/products\s+12 \(kept in the catalogue\)/);

      const otherSource = await lifecycle(['backfill', '--products', file, '--source', 'woocommerce'], env);
      expect(otherSource.status).toBe(1);
      expect(otherSource.stderr).toContain('goes with --source shopify');
    } finally {
      await running.stop();
    }
  });
});

describe('lifecycle simulate', { timeout: 120_000 }, () => {
  const run = (args: string[]) => lifecycle(['simulate', ...args], {});

  it('prints per journey what was sent, deferred and converted, the same for the same seed', async () => {
    const text = await run(['--customers', '60', '--days', '90', '--seed', '3']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Simulated 2026-01-01 to 2026-04-01 \(seed 3\): \d+ events, 60 customers/);
    expect(text.stdout).toContain('Welcome series (welcome-series)');
    expect(text.stdout).toMatch(/\n {2}welcome-1 +sent \d+, deferred \d+, dropped \d+, suppressed \d+\n/);
    const first = JSON.parse((await run(['--customers', '60', '--days', '90', '--seed', '3', '--json'])).stdout);
    const second = JSON.parse((await run(['--customers', '60', '--days', '90', '--seed', '3', '--json'])).stdout);
    expect(second).toEqual(first);
    expect(first.journeys.find((j: { journeyId: string }) => j.journeyId === 'welcome-series').entered).toBeGreaterThan(
      0,
    );
  });

  it("plays a recorded NDJSON file and shows one customer's timeline", async () => {
    const events = generateStorefront({ customers: 20, days: 30, start: new Date('2026-03-01T00:00:00Z'), seed: 5 });
    const file = join(temporary, 'events.ndjson');
    writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n'));
    const summary = JSON.parse((await run(['--events', file, '--until', '2026-04-15', '--json'])).stdout);
    expect(summary.events.played).toBe(events.length);
    const shown = await run(['--events', file, '--customer', summary.busiestCustomer]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/email_sent\s+journeyId=welcome-series/);
  });

  it('names what is wrong with its input', async () => {
    const bad = join(temporary, 'bad.ndjson');
    writeFileSync(bad, '{"not":"an event"}\n');
    expect((await run(['--events', bad])).stderr).toMatch(
      /^lifecycle: 1 lines of .*bad\.ndjson are not canonical events:\n {2}line 1: /,
    );
    expect((await run(['--customers', 'many'])).stderr).toContain(
      '--customers must be a whole number of at least 1, not "many"',
    );
    expect((await run(['--events', bad, '--days', '3'])).stderr).toContain('--days describes the synthetic storefront');
    const short = ['--customers', '5', '--days', '5'];
    expect((await run([...short, '--response', '{"purchaseLift":-1}'])).stderr).toContain(
      'lifecycle: response.purchaseLift must be a number of 0 or more',
    );
    expect((await run([...short, '--response', '{"lift":1}'])).stderr).toContain('--response has no setting lift');
    const unknown = await run(['--customers', '5', '--days', '5', '--customer', 'nobody@example.com']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no customer "nobody@example.com" in the simulation');
  });
});

describe('lifecycle errors', () => {
  it('says in one line how to install Java when it is missing, and exits non-zero', async () => {
    const ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
    const result = await lifecycle(['dev'], { ...portsEnv(ports), PATH: '/nonexistent' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lifecycle: Java was not found: DynamoDB Local needs Java 17 or newer\. Install it/);
  });

  it('says the local runtime is not running when a command needs it', async () => {
    const port = await freePort();
    for (const command of [
      ['customer', 'show', 'ada@example.com'],
      ['export', 'ada@example.com'],
    ]) {
      const result = await lifecycle(command, { PORT: String(port), DYNAMODB_PORT: '1' });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        `lifecycle: the local runtime is not running (nothing answers on port ${port}, PORT): start it with npm start, or pass --stack`,
      );
    }
    const backfill = await lifecycle(['backfill', 'examples/shopify-orders-export.csv'], { DYNAMODB_PORT: '1' });
    expect(backfill.status).toBe(1);
    expect(backfill.stderr.trim()).toBe(
      'lifecycle: the local runtime is not running: start it with npm start, or pass --stack',
    );
  });

  it('rejects an unknown command with a hint', async () => {
    const result = await lifecycle(['frobnicate'], {});
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('lifecycle: unknown command "frobnicate"; run "lifecycle --help" for the list');
  });
});

describe('lifecycle dev, while another one runs', { timeout: 180_000 }, () => {
  /** Holds ports as another program would, for the length of `work`. */
  async function holding<T>(ports: number[], work: () => Promise<T>): Promise<T> {
    const servers = await Promise.all(
      ports.map(
        (port) =>
          new Promise<Server>((resolve, reject) => {
            const server = createServer((socket) => socket.destroy());
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    try {
      return await work();
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  }

  /** `lifecycle dev` to its end (at most 90 s: before, a busy port could hang it). */
  async function devUntilExit(env: Record<string, string>): Promise<Finished> {
    return run(...lifecycleCli(['dev']), { env, timeoutMs: 90_000 });
  }

  it('names each busy port and the variable that moves it, in one line, and exits 1 at once', async () => {
    const ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
    const env = portsEnv(ports);
    const cases: [number[], string][] = [
      [
        [ports.api, ports.ses, ports.dynamoDb],
        `ports ${ports.api} (PORT), ${ports.ses} (SES_PORT) and ${ports.dynamoDb} (DYNAMODB_PORT) are in use, perhaps by another npm start: stop it, or set PORT, SES_PORT and DYNAMODB_PORT to free ports`,
      ],
      [
        [ports.ses],
        `port ${ports.ses} (SES_PORT) is in use, perhaps by another npm start: stop it, or set SES_PORT to a free port`,
      ],
      [
        [ports.dynamoDb],
        `port ${ports.dynamoDb} (DYNAMODB_PORT) is in use, perhaps by another npm start: stop it, or set DYNAMODB_PORT to a free port`,
      ],
      [
        [ports.api],
        `port ${ports.api} (PORT) is in use, perhaps by another npm start: stop it, or set PORT to a free port`,
      ],
    ];
    for (const [busy, message] of cases) {
      const result = await holding(busy, () => devUntilExit(env));
      expect(result.stderr.trim(), `busy: ${busy.join(', ')}`).toBe(`lifecycle: ${message}`);
      expect(result.status).toBe(1);
      // Nothing started: no banner, no "in memory" over another runtime's data, no engine left behind.
      expect(result.stdout).toBe('');
      expect(javaRunningOn(ports.dynamoDb)).toBe(false);
    }
  });

  it('refuses the same port for two of its parts', async () => {
    const port = await freePort();
    const result = await lifecycle(['dev'], { PORT: String(port), SES_PORT: String(port) });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`lifecycle: PORT and SES_PORT are both ${port}: give each its own port`);
  });
});

describe('the local runtime as the README drives it', { timeout: 240_000 }, () => {
  let running: Running;
  let env: Record<string, string>;
  const email = uniqueEmail('grace');

  beforeAll(async () => {
    running = await startDev();
    env = portsEnv(running.ports);
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
  });

  const api = () => `http://127.0.0.1:${running.ports.api}`;

  it('imports the sample Shopify export that the README names', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const command = /npx lifecycle (backfill [^\s`]+)/.exec(readme)?.[1];
    expect(command).toBe('backfill examples/shopify-orders-export.csv');
    const imported = await lifecycle((command as string).split(' '), env);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/applied\s+\d+ \(7 customers\)/);
    expect(imported.stdout).not.toContain('rejected');
    expect(imported.stdout).toMatch(/Store model: \d+ buyers/);
  });

  it("shows a customer as GET /_local/customers does: by the runtime's business clock, readably by default", async () => {
    const placedAt = new Date().toISOString();
    const order = {
      id: `evt_${email}`,
      type: 'order.placed',
      occurredAt: placedAt,
      data: {
        customer: { email, firstName: 'Gracelyn', consent: { email: 'subscribed', source: 'checkout' } },
        order: {
          id: `order-${email}`,
          placedAt,
          total: { amount: 4200, currency: 'USD' },
          lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 4200, currency: 'USD' } }],
        },
      },
    };
    expect((await postGeneric(api(), order)).status).toBe(200);
    const moved = await fetch(`${api()}/_local/clock`, { method: 'POST', body: '{"advance":"P160D"}' });
    expect(moved.status).toBe(200);

    const runtime = (await (await fetch(`${api()}/_local/customers/${encodeURIComponent(email)}`)).json()) as {
      customer: Record<string, any>;
      journeys: unknown[];
      timeline: unknown[];
    };
    expect(runtime.customer.metrics.daysSinceLastOrder).toBeGreaterThanOrEqual(160);

    const shown = await lifecycle(['customer', 'show', email, '--json'], env);
    expect(shown.stderr).toBe('');
    expect(shown.status).toBe(0);
    const document = JSON.parse(shown.stdout);
    expect(document.customer.stage).toBe(runtime.customer.stage);
    expect(document.customer.segments).toEqual(runtime.customer.segments);
    expect(document.customer.metrics.daysSinceLastOrder).toBe(runtime.customer.metrics.daysSinceLastOrder);
    // Predictions move with every millisecond of the clock: the same to a few decimals.
    expect(document.customer.metrics.probabilityAlive).toBeCloseTo(runtime.customer.metrics.probabilityAlive, 4);
    const { metrics: _cli, ...cliRest } = document.customer;
    const { metrics: _runtime, ...runtimeRest } = runtime.customer;
    expect(cliRest).toEqual(runtimeRest);
    expect(document.journeys).toEqual(runtime.journeys);
    expect(document.timeline).toEqual(runtime.timeline);

    const readable = await lifecycle(['customer', 'show', email], env);
    expect(readable.status, readable.stderr).toBe(0);
    const text = readable.stdout;
    expect(text.startsWith(`${email}  (${runtime.customer.id})\n`)).toBe(true);
    expect(text).toMatch(
      new RegExp(
        `\\n  Stage {9}${runtime.customer.stage}  \\(as of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, business time of the local runtime\\)\\n`,
      ),
    );
    expect(text).toContain(`  Segments      ${runtime.customer.segments.join(', ') || 'none'}\n`);
    expect(text).toContain('  Orders        1, revenue $42.00, average $42.00\n');
    expect(text).toMatch(/\n {2}Last order {4}\d{4}-\d\d-\d\d \d\d:\d\d UTC, 16\d days ago/);
    expect(text).toMatch(/\n {2}Predictions {3}CLV 12 months \$[\d.,]+, /);
    expect(text).toContain('\nEmails due next\n');
    expect(text).toMatch(/\nTimeline \(the last 10 of \d+ shown; --json for all\)\n/);
    // Only what was asked for: the address and ids, not the name nor the consent proof.
    expect(text).not.toContain('Gracelyn');
    expect(text).not.toContain('{');
  });

  it('writes the report under .lifecycle/out, which git ignores, and says where', async () => {
    const directory = mkdtempSync(join(temporary, 'report-'));
    const reported = await lifecycle(['report'], env, { cwd: directory });
    expect(reported.stderr).toBe('');
    expect(reported.status).toBe(0);
    expect(reported.stdout).toMatch(/^Wrote \.lifecycle\/out\/lifecycle-report\.html: \d+ customers, \d+ orders\.\n$/);
    expect(readFileSync(join(directory, '.lifecycle/out/lifecycle-report.html'), 'utf8')).toContain('<html');
    expect(readdirSync(directory)).toEqual(['.lifecycle']);
    expect(readFileSync('.gitignore', 'utf8').split('\n')).toContain('.lifecycle/');
  });

  it('keeps its console readable: no metrics noise, the functions’ warnings as lines, not JSON', async () => {
    const subscriber = uniqueEmail('console');
    expect((await postGeneric(api(), signupBody(subscriber))).status).toBe(200);
    // Past any quiet hours: the first welcome is sent.
    const moved = await fetch(`${api()}/_local/clock`, { method: 'POST', body: '{"advance":"PT12H"}' });
    expect(moved.status).toBe(200);
    // A well-signed body that is not valid: the webhook function warns.
    expect((await postGeneric(api(), { id: 'evt_bad', type: 'customer.signed_up', data: {} })).status).toBe(400);
    // Reports that count nothing (a delivery reported again): Powertools had nothing to publish for them.
    for (let report = 0; report < 3; report++) {
      const answer = await fetch(`${api()}/_local/ses-events`, {
        method: 'POST',
        body: JSON.stringify({ email: subscriber, kind: 'delivery' }),
      });
      expect(answer.status).toBe(202);
    }
    const lines = running.output().split('\n');
    expect(lines.filter((line) => line.includes('No application metrics'))).toEqual([]);
    expect(lines.filter((line) => line.trimStart().startsWith('{"'))).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\d\d:\d\d:\d\d {2}webhook {5}warn: webhook rejected: invalid payload \(source=generic, field=\S+\)$/,
      ),
    );
    expect(running.output()).not.toContain(subscriber);
  });
});
