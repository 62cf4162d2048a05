import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpiringToken, createToken } from '../../functions/adapters/unsubscribe-token.js';
import { nextWeeklyRun } from '../../functions/domain/reporting/weekly-email.js';
import { LOCAL_UNSUBSCRIBE_SECRET, type LocalStack } from '../../functions/local/local-stack.js';
import { launchChromium } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo, type ReceivedEmail } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The weekly report through the local runtime, as the deployed stack runs it: on its weekday and local
 * hour of business time, the report is kept privately and the team gets the week's figures with a link
 * that opens the report through the links function until it expires, and never when forged.
 */
const team = uniqueEmail('weekly-team');
const schedule = { weekday: 'monday', hour: 8, timeZone: 'Europe/Paris' } as const;
let stack: LocalStack;
let reports: string;
let browser: Browser | undefined;

beforeAll(async () => {
  reports = mkdtempSync(join(tmpdir(), 'weekly-reports-'));
  stack = await startTestStack(
    'weekly',
    testConfig({ storeName: 'Juniper <b>Goods</b>', report: { recipients: [team], ...schedule, linkValidFor: 'P7D' } }),
    { reportsDirectory: reports },
  );
});

afterAll(async () => {
  try {
    await browser?.close();
    await stack?.stop();
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});

async function order(email: string, id: string, cents: number) {
  const at = stack.clock.now().toISOString();
  const price = { amount: cents, currency: 'USD' };
  const response = await postGeneric(stack.urls.api, {
    id: `evt_weekly_${id}`,
    type: 'order.placed',
    occurredAt: at,
    data: {
      customer: { email },
      order: {
        id: `ord_weekly_${id}`,
        placedAt: at,
        total: price,
        lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: price }],
      },
    },
  });
  expect(response.status).toBe(200);
  await stack.settle();
}

const weeklyEmails = async (): Promise<ReceivedEmail[]> =>
  (await emailsTo(stack.urls.inbox, team)).filter((email) => email.subject.includes('your week'));

function reportLink(email: ReceivedEmail | undefined): string {
  const url = /The full report: (\S+)/.exec(email?.body.text ?? '')?.[1];
  if (!url) throw new Error('no report link in the weekly email');
  return url;
}

describe('the weekly report', () => {
  let email: ReceivedEmail | undefined;

  it('is mailed to the team at its local hour, with the week’s figures and a link to the kept report', async () => {
    // A first week without orders, then a week with one order of $42.50, three days before Monday 08:00 in Paris.
    await stack.advanceClock({
      to: new Date(nextWeeklyRun(stack.clock.now(), schedule).getTime() + 60_000).toISOString(),
    });
    expect(await weeklyEmails()).toHaveLength(1);
    const due = nextWeeklyRun(stack.clock.now(), schedule);
    await stack.advanceClock({ to: new Date(due.getTime() - 3 * 86_400_000).toISOString() });
    await order(uniqueEmail('weekly-buyer'), '1', 4_250);
    expect(await weeklyEmails()).toHaveLength(1);

    await stack.advanceClock({ to: new Date(due.getTime() + 60_000).toISOString() });
    const mails = await weeklyEmails();
    expect(mails).toHaveLength(2);
    email = mails[1];
    expect(email?.subject).toMatch(/^Juniper bGoods\/b: your week, /);
    expect(email?.body.text).toContain('Revenue: $42.50 (the week before: $0.00)');
    expect(email?.body.text).toContain('Orders: 1 (the week before: 0)');
    expect(email?.body.text).toContain('New customers: 1');
    expect(email?.body.text).toContain('First-time customer: 1');
    // Kept privately, one file, readable by its owner only.
    const files = readdirSync(reports);
    expect(files).toHaveLength(2);
    expect(statSync(join(reports, files[0] as string)).mode & 0o077).toBe(0);
  });

  it('reads well in a browser: the figures, the link, no markup of the store name', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 640, height: 900 } });
    try {
      await page.route('**/*', (route) => route.abort());
      await page.setContent(email?.body.html ?? '', { waitUntil: 'load' });
      const seen = await page.locator('body').innerText();
      expect(seen).not.toContain('{{');
      expect(seen).toContain('$42.50');
      expect(seen).toContain('First-time customer');
      expect(seen).toContain('Juniper bGoods/b');
      expect(await page.locator('b').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(0);
      const button = page.getByRole('link', { name: 'Open the full report' });
      expect(await button.getAttribute('href')).toBe(reportLink(email));
    } finally {
      await page.close();
    }
  });

  it('its link opens the report through the links function', async () => {
    const response = await fetch(reportLink(email));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('$42.50');
    expect(html).not.toContain('<b>Goods</b>');
  });

  it('refuses a forged, altered or customer token with a page that says so, never the report', async () => {
    const url = new URL(reportLink(email));
    const token = url.searchParams.get('token') as string;
    const [id, expiry] = token.split('.');
    const later = new Date((Number.parseInt(expiry as string, 36) + 86_400) * 1000);
    const forged = [
      `${id}.${expiry}.${'A'.repeat(43)}`,
      createExpiringToken(id as string, 'not-the-secret', 'report', later),
      // A genuine link of a customer (the confirmation of double opt-in, the preference page) opens no report.
      createExpiringToken(id as string, LOCAL_UNSUBSCRIBE_SECRET, 'confirm', later),
      createToken(id as string, LOCAL_UNSUBSCRIBE_SECRET, 'unsubscribe'),
      '',
    ];
    for (const candidate of forged) {
      url.searchParams.set('token', candidate);
      const response = await fetch(url);
      expect(response.status, candidate).toBe(400);
      const page = await response.text();
      expect(page).toContain('This link is not valid');
      expect(page).not.toContain('$42.50');
    }
  });

  it('stops opening the report once the link has expired', async () => {
    await stack.advanceClock({ advance: 'P7DT1M' });
    const response = await fetch(reportLink(email));
    expect(response.status).toBe(410);
    const page = await response.text();
    expect(page).toContain('This link has expired');
    expect(page).not.toContain('$42.50');
  });

  it('is sent now by lifecycle report --email’s route, and the next week on schedule', async () => {
    const before = (await weeklyEmails()).length;
    const response = await fetch(`${stack.urls.api}/_local/jobs/weekly-report`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sent: 1 });
    expect(await weeklyEmails()).toHaveLength(before + 1);
  });
});
