import { DurationSchema } from '../../duration.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { On, ORDER, productNewsContract, productNewsData } from '../shared.js';

/** `journeys.backInStock` in the configuration. */
export const BackInStockSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** How long a view of a product, or a request to be told, keeps a customer interested in it. @default P30D */
    interestFor: z._default(DurationSchema, 'P30D'),
    /** At most one email about the same product this often. @default P14D */
    coolDown: z._default(DurationSchema, 'P14D'),
  }),
  {},
);

/** 15. Back in stock: a product the customer viewed or asked about can be bought again; one email about it. */
export const backInStock = defineJourneyModule({
  id: 'back-in-stock',
  settings: { key: 'backInStock', schema: BackInStockSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'back-in-stock',
      name: 'Back in stock',
      description: `One email when a product viewed or asked about within ${s.interestFor} can be bought again.`,
      trigger: { event: 'product.back_in_stock' },
      reentry: { policy: 'after', coolDown: s.coolDown, per: 'product' },
      exitOn: [],
      goal: { event: ORDER, within: 'P7D' },
      topic: 'offers',
      steps: [
        {
          id: 'news',
          type: 'send',
          template: 'back-in-stock',
          category: 'marketing',
          priority: 'normal',
          staleAfter: 'P1D',
        },
      ],
    }),
  templates: {
    'back-in-stock': { contract: productNewsContract, data: (_s, context) => productNewsData(context, false) },
  },
});
