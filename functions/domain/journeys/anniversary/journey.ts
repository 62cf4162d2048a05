import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { Discount, Offer, On, offer, PURCHASE_GOAL, Text, withCommon } from '../shared.js';

/** `journeys.anniversary` in the configuration. */
export const AnniversarySettingsSchema = z.prefault(
  z.strictObject({
    /** On: the date of the first order, which every storefront sends, is all it needs. @default true */
    enabled: On,
    ...Offer,
  }),
  {},
);

/** The average length of a year, to count whole years between two dates a whole number of years apart. */
const YEAR_MS = 365.2425 * 86_400_000;

/** 14. Anniversary: every year on the date of the customer's first order, in their time zone. */
export const anniversary = defineJourneyModule({
  id: 'anniversary',
  settings: { key: 'anniversary', schema: AnniversarySettingsSchema },
  enabled: (s) => s.enabled,
  journey: () =>
    defineJourney({
      id: 'anniversary',
      name: 'Anniversary',
      description: "Celebrates each year since the first order, on its date in the customer's time zone.",
      // A year after the first order, at the time of day it was placed, and every year after; quiet hours
      // hold one that falls in the night until the morning.
      trigger: { after: { field: 'firstOrderAt', delay: 'P1Y', every: 'P1Y' } },
      reentry: { policy: 'after', coolDown: 'P11M' },
      goal: PURCHASE_GOAL,
      topic: 'offers',
      steps: [{ id: 'celebrate', type: 'send', template: 'anniversary', category: 'marketing' }],
    }),
  templates: {
    anniversary: {
      contract: withCommon({ years: z.number().check(z.int(), z.positive()), yearsText: Text, ...Discount }),
      data: (s, context) => {
        const { fieldValue, occurrence } = context.run.context ?? {};
        const years =
          fieldValue === undefined || occurrence === undefined
            ? 0
            : Math.round((Date.parse(occurrence) - Date.parse(fieldValue)) / YEAR_MS);
        if (!(years >= 1)) return { skip: 'no_anniversary' };
        return { data: { years, yearsText: years === 1 ? 'one year' : `${years} years`, ...offer(s) } };
      },
    },
  },
});
