import { z } from 'zod';
import { DurationSchema } from '../../duration.js';
import { formatMoney } from '../../money.js';
import { plainText } from '../../template-data.js';
import { safeLink, TemplateLinkSchema } from '../../web-address.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext, type TemplateDataResult } from '../journey-module.js';
import { Discount, Offer, On, ORDER, offer, Text, withCommon } from '../shared.js';

/** `journeys.abandonedCheckout` in the configuration. */
export const AbandonedCheckoutSettingsSchema = z
  .strictObject({
    enabled: On,
    /** A checkout without an order this long is abandoned. @default PT1H */
    firstAfter: DurationSchema.default('PT1H'),
    /** Wait before the second reminder. @default P1D */
    secondAfter: DurationSchema.default('P1D'),
    ...Offer,
  })
  .prefault({});

const Checkout = {
  checkoutUrl: TemplateLinkSchema,
  items: z.array(z.object({ name: Text, quantity: z.number().int().positive(), price: Text })).max(10),
  total: Text,
};

/** The open checkout: its link, lines and total; nothing to send once it is completed. */
function checkoutData(context: TemplateContext): TemplateDataResult {
  const checkout = context.customer.checkout;
  if (checkout?.status !== 'open') return { skip: 'checkout_completed' };
  return {
    data: {
      checkoutUrl: safeLink(checkout.url, context.config.storeUrl),
      items: checkout.lineItems.slice(0, 10).map((item) => ({
        name: plainText(item.name, 120) || 'Item',
        quantity: item.quantity,
        price: formatMoney(item.unitPrice.amount, item.unitPrice.currency),
      })),
      total: formatMoney(checkout.total.amount, checkout.total.currency),
    },
  };
}

/** 11. Abandoned checkout: a reminder after an hour, another after a day; an order ends it. */
export const abandonedCheckout = defineJourneyModule({
  id: 'abandoned-checkout',
  settings: { key: 'abandonedCheckout', schema: AbandonedCheckoutSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'abandoned-checkout',
      name: 'Abandoned checkout',
      description: 'Two reminders for a checkout left without an order.',
      trigger: { event: 'checkout.started' },
      reentry: { policy: 'restart' },
      exitOn: [{ event: ORDER }, { when: { fact: 'checkoutOpen', op: 'eq', value: false } }],
      goal: { event: ORDER, within: 'P3D' },
      topic: 'offers',
      steps: [
        { id: 'abandoned', type: 'wait', duration: s.firstAfter },
        {
          id: 'reminder-1',
          type: 'send',
          template: 'abandoned-checkout-1',
          category: 'marketing',
          priority: 'high',
          staleAfter: 'PT12H',
        },
        { id: 'pause', type: 'wait', duration: s.secondAfter },
        {
          id: 'reminder-2',
          type: 'send',
          template: 'abandoned-checkout-2',
          category: 'marketing',
          priority: 'high',
          staleAfter: 'P1D',
        },
      ],
    }),
  templates: {
    'abandoned-checkout-1': {
      contract: withCommon(Checkout),
      data: (_s, context) => checkoutData(context),
    },
    'abandoned-checkout-2': {
      contract: withCommon({ ...Checkout, ...Discount }),
      data: (s, context) => {
        const result = checkoutData(context);
        return 'skip' in result ? result : { data: { ...result.data, ...offer(s) } };
      },
    },
  },
});
