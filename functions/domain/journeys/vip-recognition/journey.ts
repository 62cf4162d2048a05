import { plainText } from '../../template-data.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { Discount, On, offer, Text, withCommon } from '../shared.js';

/** `journeys.vip` in the configuration. */
export const VipSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    perk: z._default(z.string().check(z.minLength(1)), 'free shipping on every order'),
    discountCode: z.optional(z.string()),
  }),
  {},
);

/** 8. VIP recognition when a customer enters the top segment. */
export const vipRecognition = defineJourneyModule({
  id: 'vip-recognition',
  settings: { key: 'vip', schema: VipSettingsSchema },
  enabled: (s) => s.enabled,
  journey: () =>
    defineJourney({
      id: 'vip-recognition',
      name: 'VIP recognition',
      description: 'Thanks and rewards a customer who becomes a VIP.',
      trigger: { stageEntered: 'vip' },
      reentry: { policy: 'once' },
      topic: 'offers',
      steps: [{ id: 'welcome-vip', type: 'send', template: 'vip-welcome', category: 'marketing', priority: 'high' }],
    }),
  templates: {
    'vip-welcome': {
      contract: withCommon({ vipPerk: Text, ...Discount }),
      data: (s) => ({ data: { vipPerk: plainText(s.perk), ...offer({ discountCode: s.discountCode }) } }),
    },
  },
});
