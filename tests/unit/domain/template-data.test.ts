import { describe, expect, it } from 'vitest';
import {
  buildTemplateData,
  type TemplateContext,
  templateProducts,
} from '../../../functions/domain/build-template-data.js';
import type { Customer } from '../../../functions/domain/customer.js';
import { TEMPLATE_CONTRACTS } from '../../../functions/domain/journeys/catalogue.js';
import { emptyOrder, withOrderPlaced } from '../../../functions/domain/orders.js';
import { productKey } from '../../../functions/domain/product-catalogue.js';
import { plainText } from '../../../functions/domain/template-data.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer, orderRun } from '../../helpers/customers.js';
import { item } from '../../helpers/events.js';

const customer: Customer = aCustomer('cus_1', 'ada@example.com');
const order = withOrderPlaced(
  emptyOrder('generic', 'o1'),
  {
    id: 'o1',
    number: '#1001',
    placedAt: '2026-05-01T00:00:00Z',
    total: { amount: 4998, currency: 'USD' },
    lineItems: [item('beans', 2499, 'USD', 2)],
  },
  '2026-05-01T00:00:00Z',
);
const run = orderRun(order.key);
const context = (overrides: Partial<TemplateContext> = {}): TemplateContext => ({
  config: testConfig(),
  customer,
  orders: new Map([[order.key, order]]),
  run,
  links: {
    unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t',
    keepSubscribedUrl: 'https://api.example.com/unsubscribe?token=t&keep=1',
    npsUrl: (score) => `https://api.example.com/feedback?token=f&score=${score}`,
    confirmUrl: 'https://api.example.com/confirm?token=c',
  },
  ...overrides,
});
const data = (template: string, overrides: Partial<TemplateContext> = {}) => {
  const result = buildTemplateData(template, context(overrides));
  if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
  return result.data;
};

describe('template data', () => {
  it('gives every template the name, the store and the footer parts', () => {
    expect(data('welcome-1')).toEqual({
      firstName: 'Ada',
      storeName: 'Test Shop',
      storeUrl: 'https://shop.example.com/',
      unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t',
      postalAddress: 'Test Shop, 1 Test Road, Testville 12345',
    });
  });

  it('keeps bidirectional overrides and invisible characters out of every text', () => {
    const firstName = 'Ada\u202e\u2066\u200bevol\u2069\ufeff';
    expect(data('welcome-1', { customer: { ...customer, firstName } }).firstName).toBe('Adaevol');
    expect(plainText('a\u061cb\u180ec\u200ed\u200fe\u202af\u2060g\u2064h')).toBe('abcdefgh');
  });

  it('writes a link only in its normal form, and a stored link that is not http(s) as the store', () => {
    const checkout = (url: string) =>
      data('abandoned-checkout-1', {
        customer: {
          ...customer,
          checkout: {
            key: 'generic:c',
            status: 'open',
            startedAt: '2026-06-01T00:00:00Z',
            updatedAt: '2026-06-01T00:00:00Z',
            url,
            total: { amount: 100, currency: 'USD' },
            lineItems: [],
          },
        },
      }).checkoutUrl;
    expect(checkout('https://shop.example.com/c"><h1>Suspended</h1><a href="https://evil.example/login')).toBe(
      'https://shop.example.com/c%22%3E%3Ch1%3ESuspended%3C/h1%3E%3Ca%20href=%22https://evil.example/login',
    );
    expect(checkout("HTTPS://Shop.Example.com/c?x='1'")).toBe('https://shop.example.com/c?x=%271%27');
    for (const hostile of [
      'javascript:alert(1)',
      'data:text/html,<h1>x</h1>',
      'https://shop.example.com@evil.example/',
    ]) {
      expect(checkout(hostile), hostile).toBe('https://shop.example.com/');
    }
  });

  it('gives an empty first name, not a stand-in, when it is unknown or nothing is left of it once made safe', () => {
    expect(data('welcome-1', { customer: { ...customer, firstName: undefined } }).firstName).toBe('');
    expect(data('welcome-1', { customer: { ...customer, firstName: ' <> ' } }).firstName).toBe('');
  });

  it('a name with line breaks or markup cannot break a header or become HTML', () => {
    const value = data('welcome-1', {
      customer: { ...customer, firstName: 'Eve\r\nBcc: x@evil.example<script>alert(1)</script>' },
    }).firstName;
    expect(value).not.toMatch(/[\r\n<>]/);
    expect(plainText('Tom "T" `x`\u2028y')).toBe('Tom T x y');
  });

  it('speaks of the order that started the run', () => {
    expect(data('thank-you-first')).toMatchObject({
      orderNumber: '#1001',
      items: [{ name: 'Product beans', quantity: 2 }],
    });
  });

  it('gives the survey eleven signed answer links, 0 to 10', () => {
    const links = data('nps-survey').npsLinks as { score: number; url: string }[];
    expect(links.map((l) => l.score)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(links[7]?.url).toBe('https://api.example.com/feedback?token=f&score=7');
  });

  it('says when there is nothing worth sending rather than sending an empty email', () => {
    expect(buildTemplateData('cross-sell', context())).toEqual({ skip: 'nothing_to_recommend' });
    expect(buildTemplateData('abandoned-checkout-1', context())).toEqual({ skip: 'checkout_completed' });
    expect(buildTemplateData('replenishment-reminder', context())).toEqual({ skip: 'no_product' });
  });

  it('recommends what is bought together and in stock, without what the customer owns, linked as the catalogue says', () => {
    const model = {
      computedAt: '',
      reportingCurrency: 'USD',
      customersWithOrders: 10,
      products: {
        beans: { name: 'Beans', buyers: 9, boughtWith: ['filter', 'mug', 'grinder', 'beans'] },
        filter: { name: 'Filter', buyers: 5 },
        mug: { name: 'Mug', buyers: 4 },
        grinder: { name: 'Grinder', buyers: 3 },
      },
    };
    const entry = (id: string, availability: 'in_stock' | 'out_of_stock') => ({
      id,
      title: `${id} from the catalogue`,
      url: `https://shop.example.com/products/${id}`,
      price: { amount: 1500, currency: 'USD' },
      availability,
      updatedAt: '2026-05-01T00:00:00.000Z',
    });
    const catalogue = new Map([
      [productKey('generic', 'filter'), entry('filter', 'in_stock')],
      [productKey('generic', 'grinder'), entry('grinder', 'out_of_stock')],
    ]);
    const built = context({ model, catalogue });
    // The dispatcher reads the catalogue for every candidate, in stock or not.
    expect(templateProducts('cross-sell', built).map((ref) => ref.productId)).toEqual(['filter', 'mug', 'grinder']);
    expect(data('cross-sell', { model, catalogue })).toEqual(
      expect.objectContaining({
        basedOn: 'Product beans',
        recommendations: [
          {
            title: 'filter from the catalogue',
            name: 'filter from the catalogue',
            url: 'https://shop.example.com/products/filter',
            price: '$15.00',
          },
          // Not in the catalogue: the name the orders give it, and the store.
          { title: 'Mug', name: 'Mug', url: 'https://shop.example.com/' },
        ],
      }),
    );
  });

  it('every contract accepts what its builder makes for a full customer', () => {
    const full: TemplateContext = context({
      customer: {
        ...customer,
        checkout: {
          key: 'generic:c',
          url: 'https://shop.example.com/c',
          total: { amount: 2499, currency: 'USD' },
          lineItems: [item('beans', 2499)],
          startedAt: '2026-05-01T00:00:00Z',
          updatedAt: '2026-05-01T00:00:00Z',
          status: 'open',
        },
        replenishment: { productId: 'beans', dueAt: '2026-06-01T00:00:00Z' },
        metrics: { ...customer.metrics, orderCount: 2, lastOrderAt: '2026-05-01T00:00:00Z' },
      },
      model: {
        computedAt: '',
        reportingCurrency: 'USD',
        customersWithOrders: 1,
        products: { beans: { name: 'Beans', buyers: 1, boughtWith: ['cup'] }, cup: { name: 'Cup', buyers: 1 } },
      },
      // A run that also knows a product, as one started by a view does, and a date, as a date trigger's does.
      run: {
        ...run,
        context: {
          ...run.context,
          productId: 'beans',
          // As news about the product gives it: its price now and before.
          product: {
            name: 'Beans',
            url: 'https://shop.example.com/p/beans',
            price: { amount: 1800, currency: 'USD' },
            previousPrice: { amount: 2400, currency: 'USD' },
          },
          fieldValue: '2025-05-01T00:00:00Z',
          occurrence: '2026-05-01T00:00:00Z',
        },
      },
    });
    // The confirmation of double opt-in is for someone whose subscription is pending.
    const pending = { ...full, customer: { ...full.customer, consent: { email: 'pending' as const } } };
    for (const template of Object.keys(TEMPLATE_CONTRACTS)) {
      const result = buildTemplateData(template, template === 'confirm-subscription' ? pending : full);
      expect('data' in result, template).toBe(true);
    }
  });

  it('shows news about a product by its safe name, its page, and its prices now and before', () => {
    const news = {
      run: {
        ...run,
        context: {
          eventId: 'evt-n',
          productId: 'apron',
          product: {
            name: 'Linen apron\u202e<>',
            url: 'javascript:alert(1)',
            price: { amount: 1800, currency: 'USD' },
            previousPrice: { amount: 2400, currency: 'USD' },
          },
        },
      },
    };
    expect(data('price-drop', news)).toMatchObject({
      productName: 'Linen apron',
      productUrl: 'https://shop.example.com/',
      price: '$18.00',
      previousPrice: '$24.00',
    });
    expect(buildTemplateData('back-in-stock', context({ run: { ...run, context: { productId: 'apron' } } }))).toEqual({
      skip: 'no_product',
    });
  });

  it("shows the viewed product by the name and page the view gave, else the store model's, else nothing", () => {
    const viewed = (product: { name?: string; url?: string }) => ({
      run: { ...run, context: { eventId: 'evt-v', productId: 'apron', product } },
    });
    expect(
      data('browse-abandonment', viewed({ name: 'Linen apron\u202e<>', url: 'https://shop.example.com/p/apron' })),
    ).toMatchObject({ productName: 'Linen apron', productUrl: 'https://shop.example.com/p/apron' });
    const model = { computedAt: '', reportingCurrency: 'USD', customersWithOrders: 1 };
    expect(
      data('browse-abandonment', {
        ...viewed({}),
        model: { ...model, products: { apron: { name: 'Apron', buyers: 1 } } },
      }),
    ).toMatchObject({ productName: 'Apron', productUrl: 'https://shop.example.com/' });
    expect(buildTemplateData('browse-abandonment', context(viewed({ name: ' <> ' })))).toEqual({ skip: 'no_product' });
  });

  it('counts the years of an anniversary from the first order to the occurrence the run is for', () => {
    const on = (fieldValue: string, occurrence: string) => ({
      run: { ...run, context: { fieldValue, occurrence } },
    });
    expect(data('anniversary', on('2025-03-01T15:00:00Z', '2026-03-01T15:00:00Z'))).toMatchObject({
      years: 1,
      yearsText: 'one year',
    });
    // Through a leap day, and across a change of the clocks: still whole years.
    expect(data('anniversary', on('2023-03-30T23:30:00Z', '2026-03-30T22:30:00Z'))).toMatchObject({
      years: 3,
      yearsText: '3 years',
    });
    expect(buildTemplateData('anniversary', context())).toEqual({ skip: 'no_anniversary' });
  });

  it('asks for a confirmation only while the subscription is pending, with the link and its validity', () => {
    const pending = context({ customer: { ...customer, consent: { email: 'pending' } } });
    expect(buildTemplateData('confirm-subscription', pending)).toEqual({
      data: expect.objectContaining({ confirmUrl: 'https://api.example.com/confirm?token=c', validDays: 7 }),
    });
    expect(buildTemplateData('confirm-subscription', context())).toEqual({ skip: 'not_pending' });
  });
});
