import { DurationSchema } from '../../duration.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { On, ORDER, productNewsContract, productNewsData } from '../shared.js';

/** `journeys.priceDrop` in the configuration. */
export const PriceDropSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** How long a view of a product keeps a customer interested in its price. @default P30D */
    interestFor: z._default(DurationSchema, 'P30D'),
    /** The least fall of the price, as a share of the old one, that is worth an email. @default 0.1 */
    minimumDrop: z._default(z.number().check(z.gte(0.01), z.lte(0.95)), 0.1),
    /** At most one email about the same product this often. @default P14D */
    coolDown: z._default(DurationSchema, 'P14D'),
  }),
  {},
);

/** 16. Price drop: a product the customer viewed is cheaper by at least `minimumDrop`; one email about it. */
export const priceDrop = defineJourneyModule({
  id: 'price-drop',
  settings: { key: 'priceDrop', schema: PriceDropSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'price-drop',
      name: 'Price drop',
      description: `One email when a product viewed within ${s.interestFor} costs at least ${Math.round(s.minimumDrop * 100)} % less.`,
      trigger: { event: 'product.price_dropped' },
      reentry: { policy: 'after', coolDown: s.coolDown, per: 'product' },
      exitOn: [],
      goal: { event: ORDER, within: 'P7D' },
      topic: 'offers',
      steps: [
        {
          id: 'news',
          type: 'send',
          template: 'price-drop',
          category: 'marketing',
          priority: 'normal',
          staleAfter: 'P1D',
        },
      ],
    }),
  templates: {
    'price-drop': { contract: productNewsContract, data: (_s, context) => productNewsData(context, true) },
  },
});
