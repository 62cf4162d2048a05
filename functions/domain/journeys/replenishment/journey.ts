import { z } from 'zod';
import { DurationSchema } from '../../duration.js';
import { plainText } from '../../template-data.js';
import { safeLink, TemplateLinkSchema } from '../../web-address.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext } from '../journey-module.js';
import { On, ORDER, PURCHASE_GOAL, Text, withCommon } from '../shared.js';

/** `journeys.replenishment` in the configuration. */
export const ReplenishmentSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Remind this long before the customer is expected to run out. @default P5D */
    leadTime: DurationSchema.default('P5D'),
    /** Known consumption intervals, by product id or category; learned intervals fill the rest. */
    intervals: z
      .array(
        z
          .strictObject({
            productId: z.string().optional(),
            category: z.string().optional(),
            every: DurationSchema,
          })
          .refine((i) => (i.productId === undefined) !== (i.category === undefined), {
            message: 'give exactly one of productId or category',
          }),
      )
      .default([]),
    /** Learn intervals from how often customers rebuy a product (five rebuys or more). @default true */
    learn: z.boolean().default(true),
  })
  .prefault({});

/** A product's name as the customer's orders have it. */
function productName(context: TemplateContext, productId: string): string | undefined {
  for (const order of context.orders.values()) {
    const item = order.lineItems.find((line) => line.productId === productId);
    if (item) return item.name;
  }
  return undefined;
}

/**
 * 6. Replenishment: a reminder shortly before the customer is expected to run out. When that is, the
 * customer's events work out from these settings (`replenishmentDueAt`).
 */
export const replenishment = defineJourneyModule({
  id: 'replenishment',
  settings: { key: 'replenishment', schema: ReplenishmentSettingsSchema },
  enabled: (s) => s.enabled,
  journey: () =>
    defineJourney({
      id: 'replenishment',
      name: 'Replenishment reminder',
      description: 'Reminds a customer to reorder a consumable shortly before they run out.',
      trigger: { after: { field: 'replenishmentDueAt', delay: 'PT0S' } },
      reentry: { policy: 'restart' },
      exitOn: [{ event: ORDER }],
      goal: PURCHASE_GOAL,
      topic: 'orders',
      steps: [{ id: 'reminder', type: 'send', template: 'replenishment-reminder', category: 'marketing' }],
    }),
  templates: {
    'replenishment-reminder': {
      contract: withCommon({ productName: Text, reorderUrl: TemplateLinkSchema }),
      data: (_s, context) => {
        const productId = context.customer.replenishment?.productId;
        const product = productId ? context.model?.products?.[productId] : undefined;
        const name = plainText(product?.name ?? (productId ? productName(context, productId) : undefined) ?? '', 120);
        // A name that is nothing once made safe (empty, spaces, markup only) cannot be written in an email.
        if (!name) return { skip: 'no_product' };
        return { data: { productName: name, reorderUrl: safeLink(product?.url, context.config.storeUrl) } };
      },
    },
  },
});
