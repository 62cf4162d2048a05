import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { launchChromium } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { emailsTo, header } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The preference page as a person uses it: the link from a real welcome email (local SES), opened in
 * Chrome or Chromium (tests/helpers/browser.ts) through playwright-core, against the whole local runtime.
 * Plain forms, no script.
 */
let stack: LocalStack;
let browser: Browser | undefined;

beforeAll(async () => {
  // A generous cap: the test watches topics, not the cap.
  stack = await startTestStack('preference-page', testConfig({ frequencyCap: [{ max: 20, per: 'PT1H' }] }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function customerDocument(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { customer: Record<string, any>; timeline: Record<string, any>[] };
}

/** Presses a button of the page and waits for the page the server answers with. */
async function press(page: Page, name: string) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
}

const status = (page: Page) => page.getByRole('status').innerText();
const box = (page: Page, label: string) => page.getByRole('checkbox', { name: label, exact: true });

describe('the preference page in a real browser', () => {
  it('untick offers and save; unsubscribe from everything; subscribe again; offers are no longer sent', async () => {
    if (!browser) throw new Error('the browser did not start');
    const email = uniqueEmail('prefs');
    expect((await postGeneric(stack.urls.api, signupBody(email, { firstName: 'Ada' }))).status).toBe(200);
    await stack.settle();
    const [welcome] = await emailsTo(stack.urls.inbox, email);
    const link = header(welcome as NonNullable<typeof welcome>, 'List-Unsubscribe')?.slice(1, -1) as string;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=cus_/);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems: string[] = [];
    const origin = new URL(link).origin;
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(`${origin}/`)) problems.push(`request to ${request.url()}`);
    });
    try {
      // Opening the link changes nothing: it shows the store, the state and the topics.
      const opened = await page.goto(link, { waitUntil: 'load' });
      expect(opened?.status()).toBe(200);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Email preferences');
      expect(await page.getByText('Test Shop', { exact: true }).count()).toBe(1);
      expect(await page.getByText('You receive our emails.').count()).toBe(1);
      expect(await page.getByRole('group', { name: 'The emails you receive' }).count()).toBe(1);
      for (const label of ['Newsletter', 'About your orders', 'Offers']) {
        expect(await box(page, label).isChecked(), label).toBe(true);
      }
      expect(await page.locator('script').count()).toBe(0);

      // Untick offers, save.
      await box(page, 'Offers').uncheck();
      await press(page, 'Save my choices');
      expect(await status(page)).toBe('Your choices are saved. You will receive: Newsletter, About your orders.');
      expect(await box(page, 'Offers').isChecked()).toBe(false);
      expect(await box(page, 'Newsletter').isChecked()).toBe(true);
      let document = await customerDocument(email);
      expect(document.customer.unsubscribedTopics).toEqual(['offers']);
      expect(document.customer.consent.email).toBe('subscribed');
      expect(document.timeline).toContainEqual(
        expect.objectContaining({ kind: 'topics_changed', unsubscribed: ['offers'] }),
      );

      // Unsubscribe from everything.
      await press(page, 'Unsubscribe from everything');
      expect(await status(page)).toContain('You are unsubscribed from all our emails.');
      document = await customerDocument(email);
      expect(document.customer.consent).toMatchObject({ email: 'unsubscribed', source: 'preference-page' });

      // Subscribe again: the topics chosen before are kept (offers stays unticked).
      expect(await box(page, 'Offers').isChecked()).toBe(false);
      await press(page, 'Subscribe again');
      expect(await status(page)).toBe('You are subscribed again. You will receive: Newsletter, About your orders.');
      document = await customerDocument(email);
      expect(document.customer.consent.email).toBe('subscribed');
      expect(document.customer.unsubscribedTopics).toEqual(['offers']);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }

    // An order: its thank-you (orders) goes; the cross-sell a week later (offers) is suppressed.
    const placedAt = stack.clock.now().toISOString();
    const ordered = await postGeneric(stack.urls.api, {
      id: `order-${email}`,
      type: 'order.placed',
      occurredAt: placedAt,
      data: {
        customer: { email },
        order: {
          id: `o-${email}`,
          placedAt,
          total: { amount: 1500, currency: 'USD' },
          lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
        },
      },
    });
    expect(ordered.status, JSON.stringify(ordered.json)).toBe(200);
    await stack.settle();
    await stack.advanceClock({ advance: 'P8D' });
    const { timeline } = await customerDocument(email);
    expect(timeline).toContainEqual(
      expect.objectContaining({ kind: 'email_sent', journeyId: 'post-purchase', template: 'thank-you-first' }),
    );
    expect(timeline).toContainEqual(
      expect.objectContaining({ kind: 'email_suppressed', journeyId: 'cross-sell', reason: 'topic_unsubscribed' }),
    );
    expect(timeline).not.toContainEqual(expect.objectContaining({ kind: 'email_sent', journeyId: 'cross-sell' }));
  }, 120_000);
});
