import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What the snippet defines in the page (examples/collect-snippet.html). */
interface Snippet {
  consent(answers: { analytics?: boolean; marketing?: boolean }): void;
  productViewed(product: { id: string; name?: string; url?: string }): boolean;
  identify(email: string): boolean;
}
declare const window: { lifecycle: Snippet; localStorage: Storage };
declare const location: { origin: string };

import type { LocalStack } from '../../functions/local/local-stack.js';
import { launchChromium } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { startTestStack } from '../helpers/local-stack.js';

/*
 * The snippet of examples/collect-snippet.html in Chromium, on a page served from an allowed origin, against
 * the local runtime's POST /collect (the same handler as the deployed function): a consenting visitor's
 * product view reaches the customer once they identify; a page of another origin is refused by CORS.
 */

const WRITE_KEY = 'wk_browser_0123456789abcdef';
const SNIPPET = readFileSync('examples/collect-snippet.html', 'utf8');

let stack: LocalStack;
let browser: Browser;
let shop: Server;
let foreign: Server;
let shopUrl: string;
let foreignUrl: string;

/** A page server on the loopback interface, serving the snippet page with the local API's address in it. */
async function pageServer(page: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(page());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

beforeAll(async () => {
  const page = () =>
    SNIPPET.replace('http://127.0.0.1:3000/collect', `${stack.urls.api}/collect`).replace(
      'wk_local_0123456789abcdef',
      WRITE_KEY,
    );
  ({ server: shop, url: shopUrl } = await pageServer(page));
  ({ server: foreign, url: foreignUrl } = await pageServer(page));
  stack = await startTestStack(
    'collect-browser',
    testConfig({ collect: { keys: [{ name: 'web', writeKey: WRITE_KEY, origins: [shopUrl] }] } }),
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await Promise.all([close(shop), close(foreign)]);
});

describe('the collect snippet in a browser, against the local runtime', () => {
  it('sends nothing before consent, keeps the view after it, and the view joins the customer on identify', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${shopUrl}/products/mug`);
      // Before consent: nothing sent, nothing stored in the browser.
      expect(
        await page.evaluate(() =>
          window.lifecycle.productViewed({
            id: 'mug',
          }),
        ),
      ).toBe(false);
      expect(await page.evaluate(() => Object.keys(window.localStorage))).toEqual([]);

      await page.evaluate(() => window.lifecycle.consent({ analytics: true }));
      const anonymousId = await page.evaluate(() => window.localStorage.getItem('lifecycle.anonymousId'));
      expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
      await page.evaluate(() =>
        window.lifecycle.productViewed({
          id: 'mug',
          name: 'Stoneware mug',
          url: `${location.origin}/products/mug`,
        }),
      );
      await expect
        .poll(() => stack.store.visitor(`web#${anonymousId}`), { timeout: 20_000 })
        .toMatchObject({
          kind: 'anonymous',
          views: [{ productId: 'mug' }],
        });

      const email = uniqueEmail('browser');
      await page.evaluate((address) => window.lifecycle.identify(address), email);
      await expect
        .poll(() => stack.store.visitor(`web#${anonymousId}`), { timeout: 20_000 })
        .toEqual({ kind: 'identified', email });
      await stack.settle();
      const customerId = await stack.store.findCustomerId(email);
      const customer = (await stack.store.load(customerId as string))?.customer;
      expect(customer?.recentlyViewed.map((view) => view.productId)).toEqual(['mug']);
    } finally {
      await page.close();
    }
  });

  it('is refused by CORS on a page of another origin, and nothing is kept', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${foreignUrl}/products/mug`);
      await page.evaluate(() => window.lifecycle.consent({ analytics: true }));
      const anonymousId = await page.evaluate(() => window.localStorage.getItem('lifecycle.anonymousId'));
      // A fetch that reads the answer: the browser refuses it, for want of CORS headers.
      const outcome = await page.evaluate(
        async ({ endpoint, writeKey, anonymousId }) => {
          try {
            const response = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                writeKey,
                type: 'product.viewed',
                anonymousId,
                messageId: crypto.randomUUID(),
                consent: { analytics: true },
                product: { id: 'mug' },
              }),
            });
            return `answered ${response.status}`;
          } catch (error) {
            return `refused: ${(error as Error).name}`;
          }
        },
        { endpoint: `${stack.urls.api}/collect`, writeKey: WRITE_KEY, anonymousId },
      );
      expect(outcome).toBe('refused: TypeError');
      // The snippet's beacon is sent, and refused by the function: nothing is kept.
      await page.evaluate(() =>
        window.lifecycle.productViewed({
          id: 'mug',
        }),
      );
      const direct = await fetch(`${stack.urls.api}/collect`, {
        method: 'POST',
        headers: { origin: foreignUrl, 'content-type': 'text/plain' },
        body: JSON.stringify({ writeKey: WRITE_KEY }),
      });
      expect(direct.status).toBe(403);
      expect(direct.headers.get('access-control-allow-origin')).toBeNull();
      expect(await stack.store.visitor(`web#${anonymousId}`)).toBeUndefined();
    } finally {
      await page.close();
    }
  });

  it('answers /collect only when addressed to the loopback interface by name', async () => {
    const port = new URL(stack.urls.api).port;
    const status = await new Promise<number>((resolve, reject) => {
      const sent = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/collect',
          method: 'POST',
          headers: { host: `rebound.example:${port}`, origin: shopUrl },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      sent.on('error', reject);
      sent.end('{}');
    });
    expect(status).toBe(403);
  });
});
