import { DurationSchema } from '../../duration.js';
import { formatMoney } from '../../money.js';
import type { ProductRef } from '../../product-cards.js';
import { safeLink, TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext, type TemplateDataResult } from '../journey-module.js';
import {
  checkoutSource,
  Discount,
  lineCards,
  lineRefs,
  Offer,
  On,
  ORDER,
  offer,
  ProductItems,
  Text,
  withCommon,
} from '../shared.js';

/** `journeys.abandonedCheckout` in the configuration. */
export const AbandonedCheckoutSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** A checkout without an order this long is abandoned. @default PT1H */
    firstAfter: z._default(DurationSchema, 'PT1H'),
    /** Wait before the second reminder. @default P1D */
    secondAfter: z._default(DurationSchema, 'P1D'),
    ...Offer,
  }),
  {},
);

const Checkout = { checkoutUrl: TemplateLinkSchema, items: ProductItems, total: Text };

/** The catalogue products of the open checkout's lines. */
function checkoutProducts(context: TemplateContext): ProductRef[] {
  const checkout = context.customer.checkout;
  return checkout?.status === 'open' ? lineRefs(checkoutSource(checkout.key), checkout.lineItems) : [];
}

/**
 * The open checkout: its link, its lines as product cards, and its total; nothing to send once it is completed.
 */
function checkoutData(context: TemplateContext): TemplateDataResult {
  const checkout = context.customer.checkout;
  if (checkout?.status !== 'open') return { skip: 'checkout_completed' };
  return {
    data: {
      checkoutUrl: safeLink(checkout.url, context.config.storeUrl),
      items: lineCards(checkoutSource(checkout.key), checkout.lineItems, context),
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
      products: (_s, context) => checkoutProducts(context),
    },
    'abandoned-checkout-2': {
      contract: withCommon({ ...Checkout, ...Discount }),
      data: (s, context) => {
        const result = checkoutData(context);
        return 'skip' in result ? result : { data: { ...result.data, ...offer(s) } };
      },
      products: (_s, context) => checkoutProducts(context),
    },
  },
});
