import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/domain/config.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';
import { run } from '../helpers/processes.js';

/**
 * `lifecycle campaigns` as a marketer runs it, against a local runtime (the table `lifecycle-local` in the
 * test run's DynamoDB Local, its SES and its clock), from a directory whose lifecycle.config.ts holds one
 * campaign to an imported list.
 */
const tag = Math.random().toString(36).slice(2, 8);
const campaignId = `cli-${tag}`;
const list = `fair-${tag}`;
const seed = uniqueEmail('seed');
const subscriber = uniqueEmail('campaign-cli-subscriber');
const unsubscribed = uniqueEmail('campaign-cli-unsubscribed');
const settings = {
  storeName: 'Test Shop',
  storeUrl: 'https://shop.example.com',
  sender: { from: 'Test Shop <shop@example.com>' },
  postalAddress: 'Test Shop, 1 Test Road, Testville 12345',
  quietHours: false,
  journeys: { welcomeSeries: { enabled: false } },
  campaigns: [
    {
      id: campaignId,
      template: 'welcome-1',
      audience: { list },
      topic: 'newsletter',
      send: { at: 'now' },
      seedList: [seed],
    },
  ],
};

let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  stack = await startTestStack('campaigns-cli', parseConfig(settings), { tableName: 'lifecycle-local' });
  // Inside the repository, so that the command finds its packages; .lifecycle/ is ignored by git.
  mkdirSync(resolve('.lifecycle'), { recursive: true });
  dir = mkdtempSync(join(resolve('.lifecycle'), 'campaigns-cli-'));
  writeFileSync(join(dir, 'lifecycle.config.ts'), `export default ${JSON.stringify(settings, null, 2)};\n`);
  symlinkSync(resolve('templates'), join(dir, 'templates'));
  for (const [email, consent] of [
    [subscriber, 'subscribed'],
    [unsubscribed, 'unsubscribed'],
  ] as const) {
    const response = await postGeneric(stack.urls.api, {
      id: `cli-${email}`,
      type: 'customer.signed_up',
      occurredAt: stack.clock.now().toISOString(),
      data: { customer: { email, firstName: 'Ada', consent: { email: consent } } },
    });
    expect(response.status).toBe(200);
  }
  await stack.settle();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function campaigns(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', resolve('bin/lifecycle.ts'), 'campaigns', ...args], {
    cwd: dir,
    env: {
      PORT: new URL(stack.urls.api).port,
      DYNAMODB_PORT: new URL(stack.urls.dynamoDb).port,
      SES_PORT: new URL(stack.urls.inbox).port,
    },
    timeoutMs: 90_000,
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('lifecycle campaigns', { timeout: 180_000 }, () => {
  it('import-list adds the customers of a CSV, reports addresses that are nobody, refuses a bad line', async () => {
    const stranger = uniqueEmail('stranger');
    const refused = await campaigns([
      'import-list',
      list,
      file('bad.csv', `name,email\nA,${subscriber}\nB,<b>not</b>\n`),
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('line 3: invalid email address');
    expect(refused.stderr).not.toContain('<b>');
    const csv = file('list.csv', `name,email\nA,${subscriber.toUpperCase()}\nB,${unsubscribed}\nC,${stranger}\n`);
    const imported = await campaigns(['import-list', list, csv]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain(`Added 2 customers to the list ${list}`);
    expect(imported.stdout).toContain("1 addresses are no customer's, and were not added:");
    expect(imported.stdout).toContain(stranger);
  });

  it('list and preview: the audience, what the guardrails would do now, and the template rendered', async () => {
    expect((await campaigns(['list'])).stdout).toMatch(new RegExp(`${campaignId}\\s+not scheduled`));
    const preview = await campaigns(['preview', campaignId]);
    expect(preview.stderr).toBe('');
    expect(preview.stdout).toContain(`${campaignId}: 2 customers in the audience; 1 would be sent now`);
    expect(preview.stdout).toContain('1 held back: unsubscribed');
    expect(preview.stdout).toContain('Subject: ');
  });

  it('schedule --test sends to the seed list only; schedule sends to the audience through the guardrails', async () => {
    const test = await campaigns(['schedule', campaignId, '--test']);
    expect(test.stderr).toBe('');
    expect(await emailsTo(stack.urls.inbox, seed)).toHaveLength(1);
    expect(await emailsTo(stack.urls.inbox, subscriber)).toHaveLength(0);
    expect((await campaigns(['list'])).stdout).toMatch(new RegExp(`${campaignId}\\s+not scheduled`));

    const scheduled = await campaigns(['schedule', campaignId]);
    expect(scheduled.stderr).toBe('');
    expect(scheduled.stdout).toContain(`Scheduled ${campaignId}`);
    expect((await campaigns(['schedule', campaignId])).stderr).toContain('is scheduled: it is scheduled once');
    await stack.settle();
    expect(await emailsTo(stack.urls.inbox, subscriber)).toHaveLength(1);
    expect(await emailsTo(stack.urls.inbox, unsubscribed)).toHaveLength(0);
    expect(await emailsTo(stack.urls.inbox, seed)).toHaveLength(1);

    const status = (await campaigns(['status', campaignId])).stdout;
    expect(status).toMatch(/targeted\s+2/);
    expect(status).toMatch(/sent\s+1/);
    expect(status).toMatch(/dropped: suppressed:unsubscribed\s+1/);
    expect((await campaigns(['cancel', campaignId])).stdout).toContain(`Cancelled ${campaignId}`);
    expect((await campaigns(['cancel', campaignId])).stderr).toContain(
      'only a scheduled or sending campaign can be cancelled',
    );
  });

  it('refuses a campaign the configuration does not have, naming those it has', async () => {
    const refused = await campaigns(['status', 'nope']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `no campaign with this ID in lifecycle.config.ts (the campaigns are: ${campaignId})`,
    );
  });
});
