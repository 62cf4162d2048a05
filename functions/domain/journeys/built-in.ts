import { z } from 'zod';
import { DurationSchema } from '../duration.js';
import { WebAddressSchema } from '../web-address.js';
import { defineJourney, type JourneyDefinition } from './definition.js';

/**
 * The built-in journeys, each built from its settings in the configuration. One function per journey,
 * next to the schema of its settings (`journeys.<key>` in lifecycle.config.ts, with their defaults);
 * docs/journeys.md describes each with its timing and templates. Topics group journeys for the
 * preference page: `newsletter`, `orders` (about what they bought) and `offers`.
 */

/** Every built-in journey is on unless switched off. */
const On = z.boolean().default(true);
/** An optional offer a journey's emails mention. */
const Offer = { discountCode: z.string().min(1).optional(), discountText: z.string().min(1).optional() };

const ORDER = 'order.placed';
const PURCHASE_GOAL = { event: ORDER, within: 'P7D' };

/** `journeys.welcomeSeries` in the configuration. */
export const WelcomeSeriesSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Wait before the second welcome email. @default P2D */
    secondAfter: DurationSchema.default('P2D'),
    /** Wait before the third. @default P4D */
    thirdAfter: DurationSchema.default('P4D'),
    ...Offer,
  })
  .prefault({});
export type WelcomeSeriesSettings = z.output<typeof WelcomeSeriesSettingsSchema>;

/** 1. Welcome series for new subscribers: three emails, ends at the first order. */
export function welcomeSeries(s: WelcomeSeriesSettings): JourneyDefinition {
  return defineJourney({
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
  });
}

/** `journeys.postPurchase` in the configuration. */
export const PostPurchaseSettingsSchema = z
  .strictObject({
    enabled: On,
    /** How long after an order the thank-you goes. @default PT2H */
    delay: DurationSchema.default('PT2H'),
  })
  .prefault({});
export type PostPurchaseSettings = z.output<typeof PostPurchaseSettingsSchema>;

/** 2. Thank-you after every order: onboarding help the first time, a warmer note the next times. */
export function postPurchase(s: PostPurchaseSettings): JourneyDefinition {
  return defineJourney({
    id: 'post-purchase',
    name: 'Post-purchase thank-you',
    description: 'A thank-you after each order; onboarding help after the first.',
    trigger: { event: ORDER },
    reentry: { policy: 'restart' },
    exitOn: [{ when: { fact: 'orderCount', op: 'eq', value: 0 } }],
    topic: 'orders',
    steps: [
      { id: 'settle', type: 'wait', duration: s.delay },
      {
        id: 'first-or-repeat',
        type: 'branch',
        condition: { fact: 'orderCount', op: 'eq', value: 1 },
        then: 'thank-you-first',
        else: 'thank-you-repeat',
      },
      {
        id: 'thank-you-first',
        type: 'send',
        template: 'thank-you-first',
        category: 'marketing',
        priority: 'high',
        next: 'end',
      },
      { id: 'thank-you-repeat', type: 'send', template: 'thank-you-repeat', category: 'marketing', priority: 'high' },
    ],
  });
}

/** `journeys.repeatIncentive` in the configuration. */
export const RepeatIncentiveSettingsSchema = z
  .strictObject({
    enabled: On,
    /** After the first order, with no second one. @default P21D */
    after: DurationSchema.default('P21D'),
    discountCode: z.string().min(1).default('COMEBACK10'),
    discountText: z.string().min(1).default('10% off your next order'),
    validDays: z.number().int().positive().default(14),
  })
  .prefault({});
export type RepeatIncentiveSettings = z.output<typeof RepeatIncentiveSettingsSchema>;

/** 3. A reason to come back: a discount some weeks after a first order without a second. */
export function repeatIncentive(s: RepeatIncentiveSettings): JourneyDefinition {
  return defineJourney({
    id: 'repeat-incentive',
    name: 'Repeat-purchase incentive',
    description: `A discount ${s.after} after a first order if no second one came.`,
    trigger: { after: { field: 'firstOrderAt', delay: s.after }, where: { fact: 'orderCount', op: 'eq', value: 1 } },
    reentry: { policy: 'once' },
    exitOn: [{ event: ORDER }],
    goal: { event: ORDER, within: `P${s.validDays}D` },
    topic: 'offers',
    steps: [{ id: 'incentive', type: 'send', template: 'repeat-incentive', category: 'marketing' }],
  });
}

/** `journeys.reviewRequest` in the configuration. */
export const ReviewRequestSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Time for the order to arrive and be tried. @default P10D */
    after: DurationSchema.default('P10D'),
    /** Where reviews are written. @default the store URL */
    reviewUrl: WebAddressSchema.optional(),
    /** Where a promoter refers a friend. @default the store URL */
    referralUrl: WebAddressSchema.optional(),
    referralReward: z.string().min(1).default('a gift for you and your friend'),
  })
  .prefault({});
export type ReviewRequestSettings = z.output<typeof ReviewRequestSettingsSchema>;

/** 4. A review once the order has arrived; promoters are then asked to refer a friend. */
export function reviewRequest(s: ReviewRequestSettings): JourneyDefinition {
  return defineJourney({
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
  });
}

/** `journeys.npsSurvey` in the configuration. */
export const NpsSurveySettingsSchema = z
  .strictObject({
    enabled: On,
    /** After the latest order. @default P21D */
    after: DurationSchema.default('P21D'),
    /** At most one survey per customer per this long. @default P90D */
    coolDown: DurationSchema.default('P90D'),
  })
  .prefault({});
export type NpsSurveySettings = z.output<typeof NpsSurveySettingsSchema>;

/** 5. NPS: 0–10 links record the answer; promoters are asked to refer, detractors get help, never a promotion. */
export function npsSurvey(s: NpsSurveySettings): JourneyDefinition {
  return defineJourney({
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
  });
}

/** `journeys.replenishment` in the configuration. */
export const ReplenishmentSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Remind this long before the customer is expected to run out. @default P5D */
    leadTime: DurationSchema.default('P5D'),
    /** Known consumption intervals, by product id or category; learned intervals fill the rest. */
    intervals: z
      .array(
        z
          .strictObject({
            productId: z.string().optional(),
            category: z.string().optional(),
            every: DurationSchema,
          })
          .refine((i) => (i.productId === undefined) !== (i.category === undefined), {
            message: 'give exactly one of productId or category',
          }),
      )
      .default([]),
    /** Learn intervals from how often customers rebuy a product (five rebuys or more). @default true */
    learn: z.boolean().default(true),
  })
  .prefault({});
export type ReplenishmentSettings = z.output<typeof ReplenishmentSettingsSchema>;

/** 6. Replenishment: a reminder shortly before the customer is expected to run out. */
export function replenishment(): JourneyDefinition {
  return defineJourney({
    id: 'replenishment',
    name: 'Replenishment reminder',
    description: 'Reminds a customer to reorder a consumable shortly before they run out.',
    trigger: { after: { field: 'replenishmentDueAt', delay: 'PT0S' } },
    reentry: { policy: 'restart' },
    exitOn: [{ event: ORDER }],
    goal: PURCHASE_GOAL,
    topic: 'orders',
    steps: [{ id: 'reminder', type: 'send', template: 'replenishment-reminder', category: 'marketing' }],
  });
}

/** `journeys.crossSell` in the configuration. */
export const CrossSellSettingsSchema = z
  .strictObject({
    enabled: On,
    /** After an order. @default P7D */
    after: DurationSchema.default('P7D'),
    maxRecommendations: z.number().int().min(1).max(10).default(3),
  })
  .prefault({});
export type CrossSellSettings = z.output<typeof CrossSellSettingsSchema>;

/** 7. Cross-sell from what is often bought together, excluding what the customer owns. */
export function crossSell(s: CrossSellSettings): JourneyDefinition {
  return defineJourney({
    id: 'cross-sell',
    name: 'Cross-sell',
    description: '"Bought X, often also bought Y", a while after an order.',
    trigger: { event: ORDER },
    reentry: { policy: 'after', coolDown: 'P30D' },
    exitOn: [{ when: { any: [{ segment: 'detractor' }, { stage: ['at_risk', 'lapsed'] }] } }],
    goal: PURCHASE_GOAL,
    topic: 'offers',
    steps: [
      { id: 'later', type: 'wait', duration: s.after },
      { id: 'recommend', type: 'send', template: 'cross-sell', category: 'marketing', priority: 'low' },
    ],
  });
}

/** `journeys.vip` in the configuration. */
export const VipSettingsSchema = z
  .strictObject({
    enabled: On,
    perk: z.string().min(1).default('free shipping on every order'),
    discountCode: z.string().optional(),
  })
  .prefault({});
export type VipSettings = z.output<typeof VipSettingsSchema>;

/** 8. VIP recognition when a customer enters the top segment. */
export function vipRecognition(): JourneyDefinition {
  return defineJourney({
    id: 'vip-recognition',
    name: 'VIP recognition',
    description: 'Thanks and rewards a customer who becomes a VIP.',
    trigger: { stageEntered: 'vip' },
    reentry: { policy: 'once' },
    topic: 'offers',
    steps: [{ id: 'welcome-vip', type: 'send', template: 'vip-welcome', category: 'marketing', priority: 'high' }],
  });
}

/** `journeys.winBack` in the configuration. */
export const WinBackSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Wait before the second win-back email. @default P7D */
    secondAfter: DurationSchema.default('P7D'),
    ...Offer,
  })
  .prefault({});
export type WinBackSettings = z.output<typeof WinBackSettingsSchema>;

/** 9. Win-back: a customer late against their own rhythm gets two emails; an order ends it. */
export function winBack(s: WinBackSettings): JourneyDefinition {
  return defineJourney({
    id: 'win-back',
    name: 'Win-back',
    description: 'Two emails for a customer who is late for their usual next order.',
    trigger: { stageEntered: 'at_risk' },
    reentry: { policy: 'after', coolDown: 'P90D' },
    exitOn: [{ event: ORDER }],
    goal: { event: ORDER, within: 'P14D' },
    topic: 'offers',
    steps: [
      { id: 'miss-you', type: 'send', template: 'win-back-1', category: 'marketing' },
      { id: 'pause', type: 'wait', duration: s.secondAfter },
      { id: 'last-offer', type: 'send', template: 'win-back-2', category: 'marketing' },
    ],
  });
}

/** `journeys.reengagement` in the configuration. */
export const ReengagementSettingsSchema = z
  .strictObject({
    enabled: On,
    /** Wait before the last call. @default P7D */
    secondAfter: DurationSchema.default('P7D'),
    /** Wait after the last call before marketing stops (sunset). @default P7D */
    sunsetAfter: DurationSchema.default('P7D'),
  })
  .prefault({});
export type ReengagementSettings = z.output<typeof ReengagementSettingsSchema>;

/** 10. Re-engagement for unengaged subscribers, then sunset: no more marketing unless they come back. */
export function reengagement(s: ReengagementSettings): JourneyDefinition {
  return defineJourney({
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
  });
}

/** `journeys.abandonedCheckout` in the configuration. */
export const AbandonedCheckoutSettingsSchema = z
  .strictObject({
    enabled: On,
    /** A checkout without an order this long is abandoned. @default PT1H */
    firstAfter: DurationSchema.default('PT1H'),
    /** Wait before the second reminder. @default P1D */
    secondAfter: DurationSchema.default('P1D'),
    ...Offer,
  })
  .prefault({});
export type AbandonedCheckoutSettings = z.output<typeof AbandonedCheckoutSettingsSchema>;

/** 11. Abandoned checkout: a reminder after an hour, another after a day; an order ends it. */
export function abandonedCheckout(s: AbandonedCheckoutSettings): JourneyDefinition {
  return defineJourney({
    id: 'abandoned-checkout',
    name: 'Abandoned checkout',
    description: 'Two reminders for a checkout left without an order.',
    trigger: { event: 'checkout.started' },
    reentry: { policy: 'restart' },
    exitOn: [{ event: ORDER }, { when: { fact: 'checkoutOpen', op: 'eq', value: false } }],
    goal: { event: ORDER, within: 'P3D' },
    topic: 'offers',
    steps: [
      { id: 'abandoned', type: 'wait', duration: s.firstAfter },
      {
        id: 'reminder-1',
        type: 'send',
        template: 'abandoned-checkout-1',
        category: 'marketing',
        priority: 'high',
        staleAfter: 'PT12H',
      },
      { id: 'pause', type: 'wait', duration: s.secondAfter },
      {
        id: 'reminder-2',
        type: 'send',
        template: 'abandoned-checkout-2',
        category: 'marketing',
        priority: 'high',
        staleAfter: 'P1D',
      },
    ],
  });
}

/**
 * Double opt-in: the confirmation email for a sign-up from a source that must confirm. Transactional
 * (the person has not consented to marketing yet); nothing else is sent until the link is used, and using
 * it makes them a subscriber, which starts the welcome series.
 */
export function confirmSubscription(validFor: string): JourneyDefinition {
  return defineJourney({
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
        staleAfter: validFor,
      },
    ],
  });
}
