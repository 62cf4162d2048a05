import { DurationSchema } from '../../duration.js';
import type { LineItem, SourceName } from '../../events.js';
import { catalogueEntry, ProductCardSchema, productCard } from '../../product-cards.js';
import { TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext } from '../journey-module.js';
import { On, ORDER, PURCHASE_GOAL, Text, withCommon } from '../shared.js';

/** `journeys.replenishment` in the configuration. */
export const ReplenishmentSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** Remind this long before the customer is expected to run out. @default P5D */
    leadTime: z._default(DurationSchema, 'P5D'),
    /** Known consumption intervals, by product id or category; learned intervals fill the rest. */
    intervals: z._default(
      z.array(
        z
          .strictObject({
            productId: z.optional(z.string()),
            category: z.optional(z.string()),
            every: DurationSchema,
          })
          .check(
            z.refine((i) => (i.productId === undefined) !== (i.category === undefined), {
              message: 'give exactly one of productId or category',
            }),
          ),
      ),
      [],
    ),
    /** Learn intervals from how often customers rebuy a product (five rebuys or more). @default true */
    learn: z._default(z.boolean(), true),
  }),
  {},
);

/** The product due for a refill, and the customer's latest order line of it (its source, name and price). */
function refill(context: TemplateContext): { productId: string; source?: SourceName; line?: LineItem } | undefined {
  const productId = context.customer.replenishment?.productId;
  if (productId === undefined) return undefined;
  const order = [...context.orders.values()]
    .filter((o) => o.lineItems.some((line) => line.productId === productId))
    .sort((a, b) => (b.placedAt ?? '').localeCompare(a.placedAt ?? ''))[0];
  return { productId, source: order?.source, line: order?.lineItems.find((line) => line.productId === productId) };
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
      contract: withCommon({
        productName: Text,
        reorderUrl: TemplateLinkSchema,
        product: z.omit(ProductCardSchema, { quantity: true }),
      }),
      products: (_s, context) => {
        const due = refill(context);
        return due?.source ? [{ source: due.source, productId: due.productId }] : [];
      },
      data: (_s, context) => {
        const due = refill(context);
        if (!due) return { skip: 'no_product' };
        const insight = context.model?.products?.[due.productId];
        // The catalogue's title, page, image and today's price; else the model's name, the order's line.
        const product = productCard(
          { productId: due.productId, name: insight?.name ?? due.line?.name, unitPrice: due.line?.unitPrice },
          due.source ? catalogueEntry(context.catalogue, { source: due.source, productId: due.productId }) : undefined,
          { storeUrl: context.config.storeUrl, price: 'catalogue' },
        );
        // A name that is nothing once made safe (empty, spaces, markup only) cannot be written in an email.
        if (!product) return { skip: 'no_product' };
        return { data: { productName: product.title, reorderUrl: product.url, product } };
      },
    },
  },
});
