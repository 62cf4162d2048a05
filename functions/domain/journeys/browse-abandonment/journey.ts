import type { Condition } from '../../conditions.js';
import { DurationSchema } from '../../duration.js';
import { ProductCardSchema } from '../../product-cards.js';
import { TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { On, ORDER, runProductCard, runProductRef, Text, withCommon } from '../shared.js';

/** `journeys.browseAbandonment` in the configuration. */
export const BrowseAbandonmentSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** A view without a checkout or an order this long is abandoned. @default PT4H */
    after: z._default(DurationSchema, 'PT4H'),
    /** At most one email about the same product this often. @default P30D */
    coolDown: z._default(DurationSchema, 'P30D'),
  }),
  {},
);

/**
 * A checkout the abandoned-checkout journey is about: open, and started within the two days its reminders
 * take. An older open checkout (never ordered) does not keep browse reminders away for ever.
 */
const CHECKOUT_UNDER_WAY: Condition = {
  all: [
    { fact: 'checkoutOpen', op: 'eq', value: true },
    { event: 'checkout.started', within: 'P2D' },
  ],
};

/** 13. Browse abandonment: a product viewed, neither put in a checkout nor bought; one email about it. */
export const browseAbandonment = defineJourneyModule({
  id: 'browse-abandonment',
  settings: { key: 'browseAbandonment', schema: BrowseAbandonmentSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'browse-abandonment',
      name: 'Browse abandonment',
      description: `One email about a product viewed without a checkout or an order within ${s.after}.`,
      trigger: { event: 'product.viewed', where: { not: CHECKOUT_UNDER_WAY } },
      reentry: { policy: 'after', coolDown: s.coolDown, per: 'product' },
      exitOn: [{ event: ORDER }, { event: 'checkout.started' }, { when: CHECKOUT_UNDER_WAY }],
      goal: { event: ORDER, within: 'P3D' },
      topic: 'offers',
      steps: [
        { id: 'browsing', type: 'wait', duration: s.after },
        {
          id: 'reminder',
          type: 'send',
          template: 'browse-abandonment',
          category: 'marketing',
          priority: 'low',
          staleAfter: 'P1D',
        },
      ],
    }),
  templates: {
    'browse-abandonment': {
      contract: withCommon({
        productName: Text,
        productUrl: TemplateLinkSchema,
        product: z.omit(ProductCardSchema, { quantity: true }),
      }),
      products: (_s, context) => runProductRef(context),
      data: (_s, context) => {
        // The catalogue's title, page, image and today's price; else as the view described it.
        const product = runProductCard(context, 'catalogue');
        if (!product) return { skip: 'no_product' };
        return { data: { productName: product.title, productUrl: product.url, product } };
      },
    },
  },
});
