import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { Discount, Offer, offer, PURCHASE_GOAL, withCommon } from '../shared.js';

/** `journeys.birthday` in the configuration. */
export const BirthdaySettingsSchema = z.prefault(
  z.strictObject({
    /**
     * Off unless switched on: it needs a birthday no storefront sends by itself (only the generic format
     * carries one), and a shop that starts collecting birthdays decides when to write on them.
     * @default false
     */
    enabled: z._default(z.boolean(), false),
    /** The time of the customer's day the email goes, on their birthday (quiet hours still apply). @default 09:00 */
    sendAt: z._default(
      z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day such as 09:00' })),
      '09:00',
    ),
    ...Offer,
  }),
  {},
);

/** 12. Happy birthday: an email on the customer's birthday, every year, in their time zone. */
export const birthday = defineJourneyModule({
  id: 'birthday',
  settings: { key: 'birthday', schema: BirthdaySettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'birthday',
      name: 'Birthday',
      description: `Wishes a happy birthday every year, at ${s.sendAt} on the day in the customer's time zone.`,
      // Midnight of the birthday, every year: 28 February in common years for someone born on 29 February.
      trigger: { after: { field: 'birthday', delay: 'P0D', every: 'P1Y' } },
      // A birthday changed just after the email (to get another offer) waits for next year's.
      reentry: { policy: 'after', coolDown: 'P11M' },
      goal: PURCHASE_GOAL,
      topic: 'offers',
      steps: [
        { id: 'morning', type: 'wait', until: { localTime: s.sendAt, window: 'PT3H' } },
        { id: 'wish', type: 'send', template: 'birthday', category: 'marketing' },
      ],
    }),
  templates: {
    birthday: {
      contract: withCommon({ ...Discount }),
      data: (s) => ({ data: offer(s) }),
    },
  },
});
