import { CANONICAL_EVENT_TYPES, STOREFRONT_EVENT_SOURCE } from './events.js';

/** The Lambda functions that bus events are delivered to. */
export type RouteTarget = 'customer';

/**
 * One routing rule: which events on the bus go to which handler. This table is the single source of
 * both the EventBridge rules that the CDK stack creates and the local router of `npm start`.
 */
export interface Route {
  /** Stable name, used for the rule's construct id and in logs. */
  readonly id: string;
  readonly description: string;
  readonly target: RouteTarget;
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
];

/** Whether an event matches a route's pattern, with EventBridge's semantics for exact-match lists. */
export function routeMatches(route: Route, event: { readonly source: string; readonly detailType: string }): boolean {
  return route.pattern.source.includes(event.source) && route.pattern.detailType.includes(event.detailType);
}
