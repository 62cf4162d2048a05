import { DurationSchema } from '../../duration.js';
import { TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { npsLinks, On, supportAddress, withCommon } from '../shared.js';

/** `journeys.npsSurvey` in the configuration. */
export const NpsSurveySettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** After the latest order. @default P21D */
    after: z._default(DurationSchema, 'P21D'),
    /** At most one survey per customer per this long. @default P90D */
    coolDown: z._default(DurationSchema, 'P90D'),
  }),
  {},
);

/**
 * 5. NPS: 0–10 links record the answer; promoters are asked to refer (the review request's template),
 * detractors get help, never a promotion.
 */
export const npsSurvey = defineJourneyModule({
  id: 'nps-survey',
  settings: { key: 'npsSurvey', schema: NpsSurveySettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 'nps-survey',
      name: 'NPS survey',
      description: 'How likely are you to recommend us? Promoters get a referral ask, detractors a support follow-up.',
      trigger: { after: { field: 'lastOrderAt', delay: s.after } },
      reentry: { policy: 'after', coolDown: s.coolDown },
      topic: 'orders',
      steps: [
        { id: 'survey', type: 'send', template: 'nps-survey', category: 'marketing' },
        {
          id: 'answer',
          type: 'waitForEvent',
          event: 'survey.answered',
          timeout: 'P14D',
          onEvent: 'promoter',
          onTimeout: 'end',
        },
        { id: 'promoter', type: 'branch', condition: { segment: 'promoter' }, then: 'referral', else: 'detractor' },
        { id: 'referral', type: 'send', template: 'referral-request', category: 'marketing', next: 'end' },
        { id: 'detractor', type: 'branch', condition: { segment: 'detractor' }, then: 'support', else: 'end' },
        // A reply to the customer's own feedback about a problem: service, not marketing.
        { id: 'support', type: 'send', template: 'support-follow-up', category: 'transactional', priority: 'high' },
      ],
    }),
  templates: {
    'nps-survey': {
      contract: withCommon({
        npsLinks: z
          .array(z.object({ score: z.number().check(z.int(), z.gte(0), z.lte(10)), url: TemplateLinkSchema }))
          .check(z.length(11)),
      }),
      data: (_s, context) => ({ data: { npsLinks: npsLinks(context.links) } }),
    },
    'support-follow-up': {
      contract: withCommon({ supportEmail: z.email() }),
      data: (_s, context) => ({ data: { supportEmail: supportAddress(context.config) } }),
    },
  },
});
