import { DurationSchema } from '../../duration.js';
import { plainText } from '../../template-data.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext, type TemplateDataResult } from '../journey-module.js';
import { lineCards, lineRefs, On, ORDER, ProductItems, runOrder, withCommon } from '../shared.js';

/** `journeys.postPurchase` in the configuration. */
export const PostPurchaseSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** How long after an order the thank-you goes. @default PT2H */
    delay: z._default(DurationSchema, 'PT2H'),
  }),
  {},
);

/** The order that started the run: its number, and its lines as product cards. */
function orderData(context: TemplateContext): { orderNumber: string; items: ReturnType<typeof lineCards> } {
  const order = runOrder(context);
  return {
    orderNumber: plainText(order?.number ?? order?.orderId ?? ''),
    items: lineCards(order?.source, order?.lineItems, context),
  };
}

/** The catalogue products of the order's lines. */
const orderProducts = (_s: unknown, context: TemplateContext) => {
  const order = runOrder(context);
  return lineRefs(order?.source, order?.lineItems);
};

/** 2. Thank-you after every order: onboarding help the first time, a warmer note the next times. */
export const postPurchase = defineJourneyModule({
  id: 'post-purchase',
  settings: { key: 'postPurchase', schema: PostPurchaseSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'post-purchase',
      name: 'Post-purchase thank-you',
      description: 'A thank-you after each order; onboarding help after the first.',
      trigger: { event: ORDER },
      reentry: { policy: 'restart' },
      exitOn: [{ when: { fact: 'orderCount', op: 'eq', value: 0 } }],
      topic: 'orders',
      steps: [
        { id: 'settle', type: 'wait', duration: s.delay },
        {
          id: 'first-or-repeat',
          type: 'branch',
          condition: { fact: 'orderCount', op: 'eq', value: 1 },
          then: 'thank-you-first',
          else: 'thank-you-repeat',
        },
        {
          id: 'thank-you-first',
          type: 'send',
          template: 'thank-you-first',
          category: 'marketing',
          priority: 'high',
          next: 'end',
        },
        {
          id: 'thank-you-repeat',
          type: 'send',
          template: 'thank-you-repeat',
          category: 'marketing',
          priority: 'high',
        },
      ],
    }),
  templates: {
    'thank-you-first': {
      contract: withCommon({ orderNumber: z.string(), items: ProductItems }),
      data: (_s, context): TemplateDataResult => ({ data: orderData(context) }),
      products: orderProducts,
    },
    'thank-you-repeat': {
      contract: withCommon({
        orderNumber: z.string(),
        orderCount: z.number().check(z.int(), z.positive()),
        items: ProductItems,
      }),
      products: orderProducts,
      data: (_s, context): TemplateDataResult => ({
        data: { ...orderData(context), orderCount: Math.max(1, context.customer.metrics.orderCount) },
      }),
    },
  },
});
