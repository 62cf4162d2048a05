import { DurationSchema } from '../../duration.js';
import { CommonTemplateDataSchema } from '../../template-data.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { Discount, Offer, On, ORDER, offer, PURCHASE_GOAL, withCommon } from '../shared.js';

/** `journeys.welcomeSeries` in the configuration. */
export const WelcomeSeriesSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** Wait before the second welcome email. @default P2D */
    secondAfter: z._default(DurationSchema, 'P2D'),
    /** Wait before the third. @default P4D */
    thirdAfter: z._default(DurationSchema, 'P4D'),
    ...Offer,
  }),
  {},
);

/** 1. Welcome series for new subscribers: three emails, ends at the first order. */
export const welcomeSeries = defineJourneyModule({
  id: 'welcome-series',
  settings: { key: 'welcomeSeries', schema: WelcomeSeriesSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'welcome-series',
      name: 'Welcome series',
      description: 'Three emails for a new subscriber; ends at the first order.',
      trigger: { stageEntered: 'subscriber' },
      reentry: { policy: 'once' },
      exitOn: [{ event: ORDER }],
      goal: PURCHASE_GOAL,
      topic: 'newsletter',
      steps: [
        { id: 'welcome-1', type: 'send', template: 'welcome-1', category: 'marketing', priority: 'high' },
        { id: 'pause-1', type: 'wait', duration: s.secondAfter },
        { id: 'welcome-2', type: 'send', template: 'welcome-2', category: 'marketing' },
        { id: 'pause-2', type: 'wait', duration: s.thirdAfter },
        { id: 'welcome-3', type: 'send', template: 'welcome-3', category: 'marketing' },
      ],
    }),
  templates: {
    'welcome-1': { contract: CommonTemplateDataSchema },
    'welcome-2': { contract: CommonTemplateDataSchema },
    'welcome-3': { contract: withCommon(Discount), data: (s) => ({ data: offer(s) }) },
  },
});
