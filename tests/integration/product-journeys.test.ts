import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The journeys about products and the customer's history with the store, end to end through the local runtime: signed webhooks in, the simulated
 * clock moved forward, and the emails that reach the local SES checked by template and content.
 */
let stack: LocalStack;
let counter = 0;

beforeAll(async () => {
  stack = await startTestStack(
    'product-journeys',
    testConfig({
      frequencyCap: [{ max: 20, per: 'PT1H' }],
      // Only the journeys watched here: the others would add emails of their own.
      journeys: {
        welcomeSeries: { enabled: false },
        postPurchase: { enabled: false },
        abandonedCheckout: { enabled: true },
        anniversary: { discountCode: 'THANKS-15', discountText: '15% off' },
        // A year without opening anything would sunset the person, and no anniversary email would follow:
        // right, but not what these tests watch.
        reengagement: { enabled: false },
      },
    }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

const now = () => stack.clock.now();
const advance = (duration: string) => stack.advanceClock({ advance: duration });

async function send(type: string, data: Record<string, unknown>, at = now()) {
  const response = await postGeneric(stack.urls.api, {
    id: `p-${++counter}`,
    type,
    occurredAt: at.toISOString(),
    data,
  });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  await stack.settle();
}

const signup = (email: string, consent = 'subscribed') =>
  send('customer.signed_up', { customer: { email, firstName: 'Ada', consent: { email: consent } } });
const view = (email: string, id: string, name: string) =>
  send('product.viewed', {
    customer: { email },
    product: { id, name, url: `https://shop.example.com/products/${id}` },
  });
const checkout = (email: string, id: string) =>
  send('checkout.started', {
    customer: { email, consent: { email: 'subscribed' } },
    checkout: {
      id,
      url: `https://shop.example.com/checkout/${id}`,
      total: { amount: 1500, currency: 'USD' },
      lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
    },
  });
/** An order placed at `at` (the local clock runs on in real time: a test that computes from the time passes it). */
const order = (email: string, id: string, at = now()) =>
  send(
    'order.placed',
    {
      customer: { email, consent: { email: 'subscribed' } },
      order: {
        id,
        placedAt: at.toISOString(),
        total: { amount: 1500, currency: 'USD' },
        lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
      },
    },
    at,
  );

async function sent(email: string, template: string): Promise<string[]> {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  const document = (await response.json()) as { timeline: { kind: string; template?: string; at: string }[] };
  return document.timeline
    .filter((entry) => entry.kind === 'email_sent' && entry.template === template)
    .map((entry) => entry.at);
}

describe('browse abandonment', { timeout: 120_000 }, () => {
  it('one email about a product viewed and left, four hours later; the same product not again within 30 days', async () => {
    const email = uniqueEmail('browse');
    await signup(email);
    await view(email, 'linen-apron', 'Linen apron');
    await advance('PT3H');
    expect(await sent(email, 'browse-abandonment')).toEqual([]);
    await advance('PT1H');
    expect(await sent(email, 'browse-abandonment')).toHaveLength(1);
    const [mail] = await emailsTo(stack.urls.inbox, email);
    expect(mail?.subject).toBe('Ada, still thinking about Linen apron?');
    expect(mail?.body.text).toContain('See Linen apron: https://shop.example.com/products/linen-apron');

    // Viewed again and left again, ten days later: no second email about it.
    await advance('P10D');
    await view(email, 'linen-apron', 'Linen apron');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toHaveLength(1);
    // Another product is another matter.
    await view(email, 'teapot', 'Cast-iron teapot');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toHaveLength(2);
    const subjects = (await emailsTo(stack.urls.inbox, email)).map((m) => m.subject);
    expect(subjects).toContain('Ada, still thinking about Cast-iron teapot?');

    // A month after the first, the apron may be written about again.
    await advance('P21D');
    await view(email, 'linen-apron', 'Linen apron');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toHaveLength(3);
  });

  it('nothing when a checkout is started or an order placed within the wait', async () => {
    const checksOut = uniqueEmail('browse-checkout');
    const orders = uniqueEmail('browse-order');
    await signup(checksOut);
    await signup(orders);
    await view(checksOut, 'mug', 'Mug');
    await view(orders, 'mug', 'Mug');
    await advance('PT1H');
    await checkout(checksOut, 'chk-browse');
    await order(orders, 'o-browse');
    await advance('PT5H');
    expect(await sent(checksOut, 'browse-abandonment')).toEqual([]);
    expect(await sent(orders, 'browse-abandonment')).toEqual([]);
    // The checkout's own reminder went instead.
    expect(await sent(checksOut, 'abandoned-checkout-1')).toHaveLength(1);
  });

  it('nothing while an abandoned-checkout journey runs; again once its checkout is days old', async () => {
    const email = uniqueEmail('browse-during-checkout');
    await signup(email);
    await checkout(email, 'chk-open');
    await advance('PT2H');
    await view(email, 'mug', 'Mug');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toEqual([]);
    // The checkout is left open for good; two days after it started, browsing is written about again.
    await advance('P2D');
    await view(email, 'teapot', 'Cast-iron teapot');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toHaveLength(1);
  });

  it('nothing for a customer without consent to marketing', async () => {
    const email = uniqueEmail('browse-no-consent');
    await signup(email, 'unsubscribed');
    await view(email, 'mug', 'Mug');
    await advance('PT5H');
    expect(await sent(email, 'browse-abandonment')).toEqual([]);
  });
});

/** The storefront's state of a product, as of `minutesAgo` before now. */
const catalogue = (id: string, availability: 'in_stock' | 'out_of_stock', amount: number, minutesAgo = 0) =>
  send('product.upserted', {
    product: {
      id,
      title: 'Linen apron',
      url: `https://shop.example.com/products/${id}`,
      imageUrl: `https://cdn.example.com/${id}.jpg`,
      price: { amount, currency: 'USD' },
      availability,
      updatedAt: new Date(now().getTime() - minutesAgo * 60_000).toISOString(),
    },
  });

describe('back in stock and price drops', { timeout: 120_000 }, () => {
  it('a viewer is told once when the product can be bought again, not again on redelivery; a non-viewer never', async () => {
    const viewer = uniqueEmail('stock-viewer');
    const other = uniqueEmail('stock-other');
    await signup(viewer);
    await signup(other);
    await catalogue('apron-stock', 'out_of_stock', 3200);
    await view(viewer, 'apron-stock', 'Linen apron');
    await advance('PT1H');

    // In stock again an hour later.
    await catalogue('apron-stock', 'in_stock', 3200);
    await advance('PT1M');
    expect(await sent(viewer, 'back-in-stock')).toHaveLength(1);
    const [mail] = await emailsTo(stack.urls.inbox, viewer);
    expect(mail?.subject).toBe('Ada, Linen apron is back in stock');
    expect(mail?.body.text).toContain('See Linen apron: https://shop.example.com/products/apron-stock');
    expect(await sent(other, 'back-in-stock')).toEqual([]);

    // The same state delivered again: the catalogue has it already, nobody is told again.
    await send('product.upserted', {
      product: {
        id: 'apron-stock',
        title: 'Linen apron',
        price: { amount: 3200, currency: 'USD' },
        availability: 'in_stock',
        updatedAt: new Date(now().getTime() - 60_000).toISOString(),
      },
    });
    await advance('PT1M');
    expect(await sent(viewer, 'back-in-stock')).toHaveLength(1);
  });

  it('a customer who asked to be told is told, without having viewed the product', async () => {
    const asker = uniqueEmail('stock-asker');
    await signup(asker);
    await catalogue('apron-ask', 'out_of_stock', 3200, 10);
    await send('product.stock_requested', { customer: { email: asker }, product: { id: 'apron-ask' } });
    await catalogue('apron-ask', 'in_stock', 3200);
    await advance('PT1M');
    expect(await sent(asker, 'back-in-stock')).toHaveLength(1);
  });

  it('a late, older in-stock state after the product sold out tells nobody', async () => {
    const viewer = uniqueEmail('stock-late');
    await signup(viewer);
    await catalogue('apron-late', 'in_stock', 3200, 30);
    await view(viewer, 'apron-late', 'Linen apron');
    await catalogue('apron-late', 'out_of_stock', 3200, 10);
    // Delivered after the sell-out, but older than it.
    await catalogue('apron-late', 'in_stock', 3200, 20);
    await advance('PT1M');
    expect(await sent(viewer, 'back-in-stock')).toEqual([]);
  });

  it('a price drop of at least 10 % is told to a viewer; a smaller one is not', async () => {
    const viewer = uniqueEmail('price-viewer');
    await signup(viewer);
    await catalogue('apron-price', 'in_stock', 4000, 10);
    await catalogue('apron-small', 'in_stock', 4000, 10);
    await view(viewer, 'apron-price', 'Linen apron');
    await view(viewer, 'apron-small', 'Linen apron');

    await catalogue('apron-small', 'in_stock', 3700);
    await advance('PT1M');
    expect(await sent(viewer, 'price-drop')).toEqual([]);

    await catalogue('apron-price', 'in_stock', 3600);
    await advance('PT1M');
    expect(await sent(viewer, 'price-drop')).toHaveLength(1);
    const mail = (await emailsTo(stack.urls.inbox, viewer)).find((m) => m.subject.includes('now costs'));
    expect(mail?.subject).toBe('Ada, Linen apron now costs $36.00');
    expect(mail?.body.text).toContain('(it was $40.00)');
  });
});

// A year of simulated time: the daily model job runs 365 times on the way.
describe('the anniversary of the first order', { timeout: 300_000 }, () => {
  const TOKYO = 9 * 3_600_000;
  /** The same wall-clock time in Tokyo `years` later (Tokyo keeps no summer time). */
  const yearsLater = (instant: Date, years: number) => {
    const local = new Date(instant.getTime() + TOKYO);
    local.setUTCFullYear(local.getUTCFullYear() + years);
    return new Date(local.getTime() - TOKYO);
  };

  it('an email a year after the first order, on its date and time in their time zone, and the next year scheduled', async () => {
    // A first order on 29 February would have its anniversary on 28 February: a plainer day keeps this simple.
    const tokyoDay = new Date(now().getTime() + TOKYO).toISOString().slice(5, 10);
    if (tokyoDay === '02-29' || tokyoDay === '02-28') await advance('P2D');
    const email = uniqueEmail('anniversary');
    await send('customer.signed_up', {
      customer: { email, firstName: 'Ada', timezone: 'Asia/Tokyo', consent: { email: 'subscribed' } },
    });
    const firstOrder = now();
    await order(email, 'o-anniversary', firstOrder);
    const due = yearsLater(firstOrder, 1);

    await stack.advanceClock({ to: new Date(due.getTime() - 3_600_000).toISOString() });
    expect(await sent(email, 'anniversary')).toEqual([]);
    await stack.advanceClock({ to: new Date(due.getTime() + 3_600_000).toISOString() });
    const [at] = await sent(email, 'anniversary');
    expect(Date.parse(String(at))).toBeGreaterThanOrEqual(due.getTime());
    expect(Date.parse(String(at))).toBeLessThan(due.getTime() + 3_600_000);
    const mail = (await emailsTo(stack.urls.inbox, email)).find((m) => m.subject.includes('anniversary'));
    expect(mail?.subject).toBe('Ada, it is our anniversary');
    expect(mail?.body.text).toContain('It is one year today since your first order at Test Shop.');
    expect(mail?.body.text).toContain('THANKS-15');

    await advance('P2D');
    expect(await sent(email, 'anniversary')).toHaveLength(1);
    const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
    const document = (await response.json()) as { journeys: { journeyId: string; status: string; dueAt?: string }[] };
    expect(document.journeys.find((run) => run.journeyId === 'anniversary')).toMatchObject({
      status: 'scheduled',
      dueAt: yearsLater(firstOrder, 2).toISOString(),
    });
  });
});
