import { CANONICAL_EVENT_TYPES, STOREFRONT_EVENT_SOURCE } from './events.js';

/** The Lambda functions that bus events are delivered to. */
export type RouteTarget = 'customer' | 'emailFeedback';

/** The `source` of SES's sending events, which SES puts on the account's default bus. */
export const SES_EVENT_SOURCE = 'aws.ses';

/** The EventBridge detail types of the SES sending events the product reacts to. */
export const SES_DETAIL_TYPES = [
  'Email Sent',
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Opened',
  'Email Clicked',
  'Email Rejected',
  'Email Rendering Failed',
  'Email Delivery Delayed',
] as const;

/**
 * One routing rule: which events on the bus go to which handler. This table is the single source of
 * both the EventBridge rules that the CDK stack creates and the local router of `npm start`.
 */
export interface Route {
  /** Stable name, used for the rule's construct id and in logs. */
  readonly id: string;
  readonly description: string;
  readonly target: RouteTarget;
  /**
   * The bus the rule listens on: the product's own bus, or the account's default bus, the only one SES
   * publishes to (the stack narrows that rule to its own configuration set). @default 'lifecycle'
   */
  readonly bus?: 'lifecycle' | 'default';
  /** An EventBridge event pattern restricted to exact matches on `source` and `detail-type`. */
  readonly pattern: {
    readonly source: readonly string[];
    readonly detailType: readonly string[];
  };
}

export const ROUTES: readonly Route[] = [
  {
    id: 'StorefrontEventsToCustomer',
    description: 'Canonical storefront events update customer state and journeys',
    target: 'customer',
    pattern: { source: [STOREFRONT_EVENT_SOURCE], detailType: [...CANONICAL_EVENT_TYPES] },
  },
  {
    id: 'SesEventsToEmailFeedback',
    description: 'SES sending events (bounces, complaints, engagement) update customers',
    target: 'emailFeedback',
    bus: 'default',
    pattern: { source: [SES_EVENT_SOURCE], detailType: [...SES_DETAIL_TYPES] },
  },
];

/** Whether an event matches a route's pattern, with EventBridge's semantics for exact-match lists. */
export function routeMatches(route: Route, event: { readonly source: string; readonly detailType: string }): boolean {
  return route.pattern.source.includes(event.source) && route.pattern.detailType.includes(event.detailType);
}
