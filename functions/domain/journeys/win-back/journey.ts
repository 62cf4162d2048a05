import { DurationSchema } from '../../duration.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext, type TemplateDataResult } from '../journey-module.js';
import { Discount, Offer, On, ORDER, offer, SingleUseOffer, withCommon } from '../shared.js';

/** `journeys.winBack` in the configuration. */
export const WinBackSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** Wait before the second win-back email. @default P7D */
    secondAfter: z._default(DurationSchema, 'P7D'),
    ...Offer,
  }),
  {},
);

const WinBackContract = withCommon({
  daysSinceLastOrder: z.number().check(z.int(), z.nonnegative()),
  ...Discount,
  ...SingleUseOffer,
});

/** Both emails: the days since the last order, when the send fell due, and the offer. */
function winBackData(s: z.output<typeof WinBackSettingsSchema>, context: TemplateContext): TemplateDataResult {
  const last = context.customer.metrics.lastOrderAt;
  const days = last
    ? Math.max(0, Math.floor((Date.parse(context.run.dueAt ?? last) - Date.parse(last)) / 86_400_000))
    : 0;
  return { data: { daysSinceLastOrder: days, ...offer(s) } };
}

/** 9. Win-back: a customer late against their own rhythm gets two emails; an order ends it. */
export const winBack = defineJourneyModule({
  id: 'win-back',
  settings: { key: 'winBack', schema: WinBackSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'win-back',
      name: 'Win-back',
      description: 'Two emails for a customer who is late for their usual next order.',
      trigger: { stageEntered: 'at_risk' },
      reentry: { policy: 'after', coolDown: 'P90D' },
      exitOn: [{ event: ORDER }],
      goal: { event: ORDER, within: 'P14D' },
      topic: 'offers',
      steps: [
        { id: 'miss-you', type: 'send', template: 'win-back-1', category: 'marketing', offer: s.offer },
        { id: 'pause', type: 'wait', duration: s.secondAfter },
        { id: 'last-offer', type: 'send', template: 'win-back-2', category: 'marketing', offer: s.offer },
      ],
    }),
  templates: {
    'win-back-1': { contract: WinBackContract, data: winBackData },
    'win-back-2': { contract: WinBackContract, data: winBackData },
  },
});
