import { DurationSchema } from '../../duration.js';
import { TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule, type TemplateContext, type TemplateDataResult } from '../journey-module.js';
import { On, withCommon } from '../shared.js';

/** `journeys.reengagement` in the configuration. */
export const ReengagementSettingsSchema = z.prefault(
  z.strictObject({
    enabled: On,
    /** Wait before the last call. @default P7D */
    secondAfter: z._default(DurationSchema, 'P7D'),
    /** Wait after the last call before marketing stops (sunset). @default P7D */
    sunsetAfter: z._default(DurationSchema, 'P7D'),
  }),
  {},
);

const ReengagementContract = withCommon({ keepSubscribedUrl: TemplateLinkSchema });

/** Both emails: the link that keeps the person subscribed. */
function reengagementData(_s: unknown, context: TemplateContext): TemplateDataResult {
  return { data: { keepSubscribedUrl: context.links.keepSubscribedUrl } };
}

/** 10. Re-engagement for unengaged subscribers, then sunset: no more marketing unless they come back. */
export const reengagement = defineJourneyModule({
  id: 're-engagement',
  settings: { key: 'reengagement', schema: ReengagementSettingsSchema },
  enabled: (s) => s.enabled,
  journey: (s) =>
    defineJourney({
      id: 're-engagement',
      name: 'Re-engagement and sunset',
      description: 'Asks a silent subscriber whether they still want emails, then stops marketing to them.',
      trigger: { segmentEntered: 'unengaged' },
      reentry: { policy: 'after', coolDown: 'P180D' },
      exitOn: [{ segmentLeft: 'unengaged' }],
      topic: 'newsletter',
      steps: [
        { id: 'still-there', type: 'send', template: 're-engagement-1', category: 'marketing' },
        { id: 'pause', type: 'wait', duration: s.secondAfter },
        { id: 'last-call', type: 'send', template: 're-engagement-2', category: 'marketing' },
        { id: 'grace', type: 'wait', duration: s.sunsetAfter },
        { id: 'sunset', type: 'mark', flag: 'sunset', value: true },
      ],
    }),
  templates: {
    're-engagement-1': { contract: ReengagementContract, data: reengagementData },
    're-engagement-2': { contract: ReengagementContract, data: reengagementData },
  },
});
