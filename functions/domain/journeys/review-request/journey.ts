import { DurationSchema } from '../../duration.js';
import { plainText } from '../../template-data.js';
import { safeLink, TemplateLinkSchema, WebAddressSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { Items, itemsOf, latestOrder, On, ORDER, runOrder, Text, withCommon } from '../shared.js';

/** `journeys.reviewRequest` in the configuration. */
export const ReviewRequestSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** Time for the order to arrive and be tried. @default P10D */
    after: z._default(DurationSchema, 'P10D'),
    /** Where reviews are written. @default the store URL */
    reviewUrl: z.optional(WebAddressSchema),
    /** Where a promoter refers a friend. @default the store URL */
    referralUrl: z.optional(WebAddressSchema),
    referralReward: z._default(z.string().check(z.minLength(1)), 'a gift for you and your friend'),
  }),
  {},
);

/**
 * 4. A review once the order has arrived; promoters are then asked to refer a friend. The referral request is
 * this journey's template (its link and reward are settings of this journey); the NPS survey sends it too.
 */
export const reviewRequest = defineJourneyModule({
  id: 'review-request',
  settings: { key: 'reviewRequest', schema: ReviewRequestSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'review-request',
      name: 'Review request',
      description: 'Asks for a review once the order had time to arrive; promoters are then asked for a referral.',
      trigger: { event: ORDER },
      reentry: { policy: 'after', coolDown: 'P30D' },
      exitOn: [{ when: { any: [{ segment: 'detractor' }, { fact: 'orderCount', op: 'eq', value: 0 }] } }],
      topic: 'orders',
      steps: [
        { id: 'arrive', type: 'wait', duration: s.after },
        { id: 'review', type: 'send', template: 'review-request', category: 'marketing' },
        { id: 'later', type: 'wait', duration: 'P3D' },
        { id: 'promoter', type: 'branch', condition: { segment: 'promoter' }, then: 'referral', else: 'end' },
        { id: 'referral', type: 'send', template: 'referral-request', category: 'marketing' },
      ],
    }),
  templates: {
    'review-request': {
      contract: withCommon({ reviewUrl: TemplateLinkSchema, items: Items }),
      data: (s, context) => ({
        data: {
          reviewUrl: safeLink(s.reviewUrl, context.config.storeUrl),
          items: itemsOf(runOrder(context) ?? latestOrder(context)),
        },
      }),
    },
    'referral-request': {
      contract: withCommon({ referralUrl: TemplateLinkSchema, referralReward: Text }),
      data: (s, context) => ({
        data: {
          referralUrl: safeLink(s.referralUrl, context.config.storeUrl),
          referralReward: plainText(s.referralReward),
        },
      }),
    },
  },
});
