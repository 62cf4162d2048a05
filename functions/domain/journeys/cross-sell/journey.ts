import { z } from 'zod';
import { DurationSchema } from '../../duration.js';
import { plainText } from '../../template-data.js';
import { safeLink, TemplateLinkSchema } from '../../web-address.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { latestOrder, On, ORDER, PURCHASE_GOAL, runOrder, Text, withCommon } from '../shared.js';

/** `journeys.crossSell` in the configuration. */
export const CrossSellSettingsSchema = z
  .strictObject({
    enabled: On,
    /** After an order. @default P7D */
    after: DurationSchema.default('P7D'),
    maxRecommendations: z.number().int().min(1).max(10).default(3),
  })
  .prefault({});

/** 7. Cross-sell from what is often bought together, excluding what the customer owns. */
export const crossSell = defineJourneyModule({
  id: 'cross-sell',
  settings: { key: 'crossSell', schema: CrossSellSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'cross-sell',
      name: 'Cross-sell',
      description: '"Bought X, often also bought Y", a while after an order.',
      trigger: { event: ORDER },
      reentry: { policy: 'after', coolDown: 'P30D' },
      exitOn: [{ when: { any: [{ segment: 'detractor' }, { stage: ['at_risk', 'lapsed'] }] } }],
      goal: PURCHASE_GOAL,
      topic: 'offers',
      steps: [
        { id: 'later', type: 'wait', duration: s.after },
        { id: 'recommend', type: 'send', template: 'cross-sell', category: 'marketing', priority: 'low' },
      ],
    }),
  templates: {
    'cross-sell': {
      contract: withCommon({
        basedOn: Text,
        recommendations: z
          .array(z.object({ name: Text, url: TemplateLinkSchema }))
          .min(1)
          .max(10),
      }),
      data: (s, context) => {
        const order = runOrder(context) ?? latestOrder(context);
        const owned = new Set([...context.orders.values()].flatMap((o) => o.lineItems.map((item) => item.productId)));
        const products = context.model?.products ?? {};
        // Names that are nothing once made safe (empty, spaces, markup only) cannot be written in an email.
        const basedOn = order?.lineItems.find(
          (item) =>
            plainText(item.name, 120) !== '' &&
            (products[item.productId]?.boughtWith ?? []).some((id) => !owned.has(id)),
        );
        if (!basedOn) return { skip: 'nothing_to_recommend' };
        const recommendations = (products[basedOn.productId]?.boughtWith ?? [])
          .filter((id) => !owned.has(id) && products[id] !== undefined)
          .map((id) => ({
            name: plainText(products[id]?.name ?? id, 120),
            url: safeLink(products[id]?.url, context.config.storeUrl),
          }))
          .filter((recommendation) => recommendation.name !== '')
          .slice(0, s.maxRecommendations);
        if (recommendations.length === 0) return { skip: 'nothing_to_recommend' };
        return { data: { basedOn: plainText(basedOn.name, 120), recommendations } };
      },
    },
  },
});
