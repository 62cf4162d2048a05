import { DurationSchema } from '../../duration.js';
import { OfferSchema } from '../../offers.js';
import { plainText } from '../../template-data.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { On, ORDER, SingleUseOffer, Text, withCommon } from '../shared.js';

/** `journeys.repeatIncentive` in the configuration. */
export const RepeatIncentiveSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** After the first order, with no second one. @default P21D */
    after: z._default(DurationSchema, 'P21D'),
    discountCode: z._default(z.string().check(z.minLength(1)), 'COMEBACK10'),
    discountText: z._default(z.string().check(z.minLength(1)), '10% off your next order'),
    validDays: z._default(z.number().check(z.int(), z.positive()), 14),
    /** A single-use code per customer instead of `discountCode`, which stays the fallback. */
    offer: z.optional(OfferSchema),
  }),
  {},
);

/** 3. A reason to come back: a discount some weeks after a first order without a second. */
export const repeatIncentive = defineJourneyModule({
  id: 'repeat-incentive',
  settings: { key: 'repeatIncentive', schema: RepeatIncentiveSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'repeat-incentive',
      name: 'Repeat-purchase incentive',
      description: `A discount ${s.after} after a first order if no second one came.`,
      trigger: {
        after: { field: 'firstOrderAt', delay: s.after },
        where: { fact: 'orderCount', op: 'eq', value: 1 },
      },
      reentry: { policy: 'once' },
      exitOn: [{ event: ORDER }],
      goal: { event: ORDER, within: `P${s.validDays}D` },
      topic: 'offers',
      steps: [{ id: 'incentive', type: 'send', template: 'repeat-incentive', category: 'marketing', offer: s.offer }],
    }),
  templates: {
    'repeat-incentive': {
      contract: withCommon({
        ...SingleUseOffer,
        discountCode: Text,
        discountText: Text,
        validDays: z.number().check(z.int(), z.positive()),
      }),
      data: (s) => ({
        data: {
          discountCode: plainText(s.discountCode),
          discountText: plainText(s.discountText),
          validDays: s.validDays,
        },
      }),
    },
  },
});
