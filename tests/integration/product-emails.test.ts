import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DeleteEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStoredTemplate } from '../../functions/adapters/ses-template-admin.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { buildTemplateData, type TemplateContext } from '../../functions/domain/build-template-data.js';
import type { CatalogueProduct } from '../../functions/domain/events.js';
import type { StoreModel } from '../../functions/domain/intelligence/store-model.js';
import { emptyOrder, withOrderPlaced } from '../../functions/domain/orders.js';
import { productKey } from '../../functions/domain/product-catalogue.js';
import { launchChromium } from '../helpers/browser.js';
import { engines } from '../helpers/engines.js';
import { everyTemplateContext } from '../helpers/template-context.js';

/*
 * Every email that shows products, rendered by the local SES (as `templates preview` and the local runtime
 * render it) from catalogue data with a long title, a product without an image and a hostile title, then
 * opened in Chromium: what a reader sees, and a screenshot of it in SCREENSHOTS for a reviewer.
 */

const SCREENSHOTS = resolve('.lifecycle/out/screenshots');
const TEMPLATES = [
  'thank-you-first',
  'thank-you-repeat',
  'abandoned-checkout-1',
  'abandoned-checkout-2',
  'replenishment-reminder',
  'cross-sell',
  'browse-abandonment',
  'back-in-stock',
  'price-drop',
] as const;
/** The emails about one product: the refill, the product viewed, news of a product. */
const ONE_PRODUCT = new Set<string>(['replenishment-reminder', 'browse-abandonment', 'back-in-stock', 'price-drop']);

const LONG = `Hand-thrown stoneware mug with a ${'very '.repeat(30)}long name`;
const HOSTILE = '<script>alert(1)</script>"Mug\u202e gum <b>bold</b>';
/** What is left of the hostile title once made safe: no markup, no quotes, no direction override. */
const HOSTILE_SHOWN = 'scriptalert(1)/scriptMug gum bbold/b';

function entry(id: string, title: string, image: boolean): CatalogueProduct {
  return {
    id,
    title,
    url: `https://shop.example.com/products/${id}`,
    ...(image ? { imageUrl: `https://cdn.example.com/${id}.png` } : {}),
    price: { amount: 3200, currency: 'USD' },
    compareAtPrice: { amount: 4000, currency: 'USD' },
    availability: 'in_stock',
    updatedAt: '2026-05-01T00:00:00.000Z',
  };
}

/** The products of every email: the order's and the checkout's lines, the refill, the recommendations. */
const PRODUCTS = [
  entry('long', LONG, true),
  entry('plain', 'Linen Tea Towel', false),
  entry('hostile', HOSTILE, true),
  entry('rec-long', `${LONG} (recommended)`, true),
  entry('rec-plain', 'Olive Wood Spoon', false),
  entry('rec-hostile', HOSTILE, true),
];

/** What started the run of `name`: the order for most, the view or the news of the hostile product for some. */
function runContext(name: string, orderKey: string): NonNullable<TemplateContext['run']['context']> {
  const told = {
    name: HOSTILE,
    url: 'https://shop.example.com/products/hostile',
    imageUrl: 'https://cdn.example.com/hostile.png',
    price: { amount: 2400, currency: 'USD' },
    previousPrice: { amount: 3200, currency: 'USD' },
  };
  switch (name) {
    case 'browse-abandonment':
      // The catalogue knows the product viewed: its image and price come from there.
      return { productId: 'hostile', source: 'generic', product: { name: 'as viewed' } };
    case 'back-in-stock':
    case 'price-drop':
      return { productId: 'hostile', source: 'generic', product: told };
    default:
      return { orderKey };
  }
}

function context(name: string): TemplateContext {
  const base = everyTemplateContext({ firstName: 'Ada' });
  const line = (productId: string, amount: number, quantity: number) => ({
    productId,
    name: `line ${productId}`,
    quantity,
    unitPrice: { amount, currency: 'USD' },
  });
  const lineItems = [line('long', 2500, 1), line('plain', 900, 2), line('hostile', 1200, 1)];
  const order = withOrderPlaced(
    emptyOrder('generic', 'o-cards'),
    {
      id: 'o-cards',
      number: '#1001',
      placedAt: '2026-05-01T00:00:00Z',
      total: { amount: 5500, currency: 'USD' },
      lineItems,
    },
    '2026-05-01T00:00:00Z',
  );
  const model = {
    computedAt: '',
    reportingCurrency: 'USD',
    customersWithOrders: 10,
    products: {
      long: { name: 'long', buyers: 9, boughtWith: ['rec-long', 'rec-plain', 'rec-hostile'] },
      'rec-long': { name: 'rec-long', buyers: 5 },
      'rec-plain': { name: 'rec-plain', buyers: 4 },
      'rec-hostile': { name: 'rec-hostile', buyers: 3 },
    },
  } as StoreModel;
  return {
    ...base,
    customer: {
      ...base.customer,
      checkout: {
        ...(base.customer.checkout as NonNullable<TemplateContext['customer']['checkout']>),
        lineItems,
        total: { amount: 5500, currency: 'USD' },
      },
      replenishment: { productId: 'hostile', dueAt: '2026-06-01T00:00:00Z' },
    },
    orders: new Map([[order.key, order]]),
    run: { ...base.run, context: runContext(name, order.key) },
    model,
    catalogue: new Map(PRODUCTS.map((product) => [productKey('generic', product.id), product])),
  };
}

/** A grey square for every image the email asks for: the test opens no connection. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNsaGj4DwAFhAKAjM1mJwAAAABJRU5ErkJggg==',
  'base64',
);

describe('the emails that show products, as a reader sees them', () => {
  const prefix = `cards-${Date.now().toString(36)}-`;
  let browser: Browser | undefined;
  let created: readonly string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    created = (await seedTemplates(engines().ses, readTemplateFiles(resolve('templates')), prefix)).created;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const name of created) await engines().ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
  });

  it.each(TEMPLATES)(
    '%s: titles, prices, product links and image text, in the HTML and the text part',
    async (name) => {
      const built = buildTemplateData(name, context(name));
      if ('skip' in built) throw new Error(`${name} skipped: ${built.skip}`);
      const cards = (
        ONE_PRODUCT.has(name) ? [built.data.product] : ((built.data.items ?? built.data.recommendations) as unknown[])
      ) as { title: string; url: string; imageUrl?: string; price?: string; compareAtPrice?: string }[];
      // Three products each, one of them the hostile one, whatever the email.
      expect(cards.length, name).toBe(ONE_PRODUCT.has(name) ? 1 : 3);
      // A view is shown as the catalogue has the product today; news as it was told, a drop with the old price.
      if (name === 'browse-abandonment')
        expect(cards[0]).toMatchObject({ imageUrl: 'https://cdn.example.com/hostile.png', price: '$32.00' });
      if (name === 'price-drop') expect(cards[0]).toMatchObject({ price: '$24.00', compareAtPrice: '$32.00' });
      const email = await renderStoredTemplate(engines().ses, `${prefix}${name}`, built.data);

      const page = await (browser as Browser).newPage({ viewport: { width: 640, height: 900 } });
      try {
        await page.route('**/*', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
        await page.setContent(email.html, { waitUntil: 'load' });
        const seen = await page.locator('body').innerText();
        expect(seen).not.toContain('{{');
        expect(await page.locator('script').count()).toBe(0);
        for (const card of cards) {
          expect(seen).toContain(card.title);
          if (card.price) expect(seen).toContain(card.price);
          if (card.compareAtPrice) expect(seen).toContain(card.compareAtPrice);
          const images = page.getByRole('img', { name: card.title, exact: true });
          expect(await images.count(), `${name}: image of ${card.title}`).toBe(card.imageUrl ? 1 : 0);
          if (!ONE_PRODUCT.has(name)) {
            const link = page.getByRole('link', { name: card.title }).first();
            expect(await link.getAttribute('href')).toBe(card.url);
          } else {
            // An email about one product links to it with its button.
            expect(await page.locator(`a.button[href="${card.url}"]`).count(), name).toBe(1);
          }
          expect(email.text).toContain(card.title);
          expect(email.text).toContain(card.url);
        }
        expect(seen).not.toContain('<script>');
        // The hostile title is there as plain text, none of its markup a tag; a product without an image too.
        expect(seen).toContain(HOSTILE_SHOWN);
        expect(await page.locator('b').count()).toBe(0);
        if (!ONE_PRODUCT.has(name))
          expect(seen).toContain(name === 'cross-sell' ? 'Olive Wood Spoon' : 'Linen Tea Towel');
        await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    },
  );
});
