import { buildTemplateData, type TemplateContext } from '../../functions/domain/build-template-data.js';
import type { Customer } from '../../functions/domain/customer.js';
import type { StoreModel } from '../../functions/domain/intelligence/store-model.js';
import { emptyOrder, withOrderPlaced } from '../../functions/domain/orders.js';
import { testConfig } from './config.js';
import { aCustomer, orderRun } from './customers.js';

/**
 * A send context in which every default template has something to say: a placed order, an open checkout, a
 * product due for a refill and another bought with it. `text`, when given, is every storefront text (product
 * names, the order number, the end of the checkout link); `firstName` is the customer's, absent when undefined.
 */
export function everyTemplateContext(options: { firstName?: string | undefined; text?: string }): TemplateContext {
  const { text } = options;
  const product = (id: string) => ({
    productId: id,
    name: text ?? `Product ${id}`,
    quantity: 1,
    unitPrice: { amount: 2499, currency: 'USD' },
  });
  const order = withOrderPlaced(
    emptyOrder('generic', 'o1'),
    {
      id: 'o1',
      number: text ?? '#1001',
      placedAt: '2026-05-01T00:00:00Z',
      total: { amount: 2499, currency: 'USD' },
      lineItems: [product('beans')],
    },
    '2026-05-01T00:00:00Z',
  );
  const customer: Customer = {
    ...aCustomer('cus_templates', 'ada@example.com'),
    firstName: options.firstName,
    checkout: {
      key: 'generic:c',
      // The storefront's link carries the text too, as a checkout URL can.
      url: `https://shop.example.com/c${text ?? ''}`,
      total: { amount: 2499, currency: 'USD' },
      lineItems: [product('beans')],
      startedAt: '2026-05-01T00:00:00Z',
      updatedAt: '2026-05-01T00:00:00Z',
      status: 'open',
    },
    replenishment: { productId: 'beans', dueAt: '2026-06-01T00:00:00Z' },
    metrics: { orderCount: 2, revenue: { amount: 4998, currency: 'USD' }, lastOrderAt: '2026-05-01T00:00:00Z' },
  };
  const model: StoreModel = {
    computedAt: '',
    reportingCurrency: 'USD',
    customersWithOrders: 1,
    products: {
      beans: { name: product('beans').name, buyers: 1, boughtWith: ['cup'] },
      cup: { name: product('cup').name, buyers: 1 },
    },
  } as StoreModel;
  const run = orderRun(order.key);
  return {
    config: testConfig(),
    customer,
    orders: new Map([[order.key, order]]),
    run,
    model,
    links: {
      unsubscribeUrl: 'https://api.example.com/unsubscribe?token=cus_templates.sig',
      keepSubscribedUrl: 'https://api.example.com/unsubscribe?token=cus_templates.sig&keep=1',
      npsUrl: (score) => `https://api.example.com/feedback?token=cus_templates.f&score=${score}`,
      confirmUrl: 'https://api.example.com/confirm?token=cus_templates.x.c',
    },
  };
}

/**
 * What started the run of `template`, when it is not the order of `context`: the view of, or news about,
 * the product due for a refill (named as the store model names it), or the first order's anniversary.
 */
function runContextOf(template: string, context: TemplateContext): TemplateContext['run']['context'] {
  const product = {
    name: context.model?.products?.beans?.name,
    url: 'https://shop.example.com/products/beans',
    price: { amount: 1999, currency: 'USD' },
    previousPrice: { amount: 2499, currency: 'USD' },
  };
  switch (template) {
    case 'browse-abandonment':
    case 'back-in-stock':
    case 'price-drop':
      return { productId: 'beans', source: 'generic', product };
    case 'anniversary':
      return { fieldValue: '2025-05-01T00:00:00.000Z', occurrence: '2026-05-01T00:00:00.000Z' };
    default:
      return context.run.context;
  }
}

/**
 * The template data the dispatcher would send in `context` (the confirmation only while consent is pending;
 * the emails about a product or a date in a run started by it), or why it would send nothing.
 */
export function templateDataIn(template: string, context: TemplateContext): ReturnType<typeof buildTemplateData> {
  const pending = { ...context, customer: { ...context.customer, consent: { email: 'pending' as const } } };
  const run = { ...context, run: { ...context.run, context: runContextOf(template, context) } };
  return buildTemplateData(template, template === 'confirm-subscription' ? pending : run);
}
