import { durationMs } from '../../duration.js';
import { TemplateLinkSchema } from '../../web-address.js';
import * as z from '../../zod.js';
import { defineJourney } from '../definition.js';
import { defineJourneyModule } from '../journey-module.js';
import { withCommon } from '../shared.js';

/**
 * Double opt-in: the confirmation email for a sign-up from a source that must confirm. Transactional
 * (the person has not consented to marketing yet); nothing else is sent until the link is used, and using
 * it makes them a subscriber, which starts the welcome series. No settings of its own under `journeys`:
 * `deliverability.doubleOptIn` switches it on, `deliverability.confirmationValidFor` times it.
 */
export const confirmSubscription = defineJourneyModule({
  id: 'confirm-subscription',
  enabled: (_s, config) => config.deliverability.doubleOptIn.length > 0,
  journey: (_s, config) =>
    defineJourney({
      id: 'confirm-subscription',
      name: 'Subscription confirmation',
      description: 'Asks a new sign-up to confirm by email before any marketing (double opt-in).',
      trigger: { segmentEntered: 'awaiting_confirmation' },
      audience: 'everyone',
      reentry: { policy: 'after', coolDown: 'P1D' },
      exitOn: [{ segmentLeft: 'awaiting_confirmation' }],
      steps: [
        {
          id: 'confirm',
          type: 'send',
          template: 'confirm-subscription',
          category: 'transactional',
          priority: 'high',
          staleAfter: config.deliverability.confirmationValidFor,
        },
      ],
    }),
  templates: {
    'confirm-subscription': {
      contract: withCommon({ confirmUrl: TemplateLinkSchema, validDays: z.number().check(z.int(), z.positive()) }),
      data: (_s, context) => {
        // Confirmed (or unsubscribed) since the run started: there is nothing left to ask.
        if (context.customer.consent.email !== 'pending') return { skip: 'not_pending' };
        const validFor = context.config.deliverability.confirmationValidFor;
        return {
          data: {
            confirmUrl: context.links.confirmUrl,
            validDays: Math.max(1, Math.round(durationMs(validFor) / 86_400_000)),
          },
        };
      },
    },
  },
});
