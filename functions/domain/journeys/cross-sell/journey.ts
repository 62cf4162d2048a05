import { DurationSchema } from '../../duration.js';
import { MAX_RECOMMENDATION_CANDIDATES, recommendProducts } from '../../intelligence/recommendations.js';
import { catalogueEntry, MAX_PRODUCT_CARDS, ProductCardSchema, productCard } from '../../product-cards.js';
import { plainText } from '../../template-data.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext } from '../journey-module.js';
import { latestOrder, On, ORDER, PURCHASE_GOAL, runOrder, Text, withCommon } from '../shared.js';

/** `journeys.crossSell` in the configuration. */
export const CrossSellSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** After an order. @default P7D */
    after: z._default(DurationSchema, 'P7D'),
    /** How many products the email shows; an email shows at most six products, whatever is set. @default 3 */
    maxRecommendations: z._default(z.number().check(z.int(), z.gte(1), z.lte(10)), 3),
  }),
  {},
);

/** The order the recommendations start from, and the line of it the email names. */
function basisOf(context: TemplateContext) {
  const order = runOrder(context) ?? latestOrder(context);
  // A name that is nothing once made safe (empty, spaces, markup only) cannot be written in an email.
  const named = order?.lineItems.find((item) => plainText(item.name, 120) !== '');
  return order && named ? { order, named } : undefined;
}

/** The products to recommend, best first (intelligence/recommendations.ts), at most `max`. */
function recommended(context: TemplateContext, max: number, inStock: boolean): string[] {
  const basis = basisOf(context);
  if (!basis) return [];
  const { source } = basis.order;
  return recommendProducts({
    basis: basis.order.lineItems.map((item) => item.productId),
    owned: new Set([...context.orders.values()].flatMap((o) => o.lineItems.map((item) => item.productId))),
    products: context.model?.products ?? {},
    consumables: context.config.journeys.replenishment,
    availability: inStock
      ? (productId) => catalogueEntry(context.catalogue, { source, productId })?.availability
      : undefined,
    max,
  });
}

/** 7. Cross-sell from what is often bought together and what sells best, excluding what the customer owns. */
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
          .array(z.extend(z.omit(ProductCardSchema, { quantity: true }), { name: Text }))
          .check(z.minLength(1), z.maxLength(MAX_PRODUCT_CARDS)),
      }),
      // Every candidate, in stock or not: the catalogue says which are.
      products: (_s, context) => {
        const source = basisOf(context)?.order.source;
        return source
          ? recommended(context, MAX_RECOMMENDATION_CANDIDATES, false).map((productId) => ({ source, productId }))
          : [];
      },
      data: (s, context) => {
        const basis = basisOf(context);
        if (!basis) return { skip: 'nothing_to_recommend' };
        const { source } = basis.order;
        const products = context.model?.products ?? {};
        const recommendations = recommended(context, MAX_RECOMMENDATION_CANDIDATES, true)
          .flatMap((productId) => {
            const card = productCard(
              { productId, name: products[productId]?.name },
              catalogueEntry(context.catalogue, { source, productId }),
              { storeUrl: context.config.storeUrl, price: 'catalogue' },
            );
            return card ? [{ ...card, name: card.title }] : [];
          })
          .slice(0, Math.min(s.maxRecommendations, MAX_PRODUCT_CARDS));
        if (recommendations.length === 0) return { skip: 'nothing_to_recommend' };
        return { data: { basedOn: plainText(basis.named.name, 120), recommendations } };
      },
    },
  },
});
