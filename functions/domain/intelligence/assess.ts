import { type Condition, type ConditionSubject, evaluate, type Facts } from '../conditions.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer, LifecycleStage } from '../customer.js';
import { durationMs } from '../duration.js';
import { daysBetween } from '../metrics.js';
import type { Money } from '../money.js';
import { predictCustomerClv, predictPurchaseInterval, timeToNextPurchase } from './clv.js';
import { type RfmScore, rfmScore } from './rfm.js';
import type { StoreModel } from './store-model.js';

/** What the assessment needs from the configuration. */
export interface AssessmentSettings {
  readonly intelligence: LifecycleConfig['intelligence'];
  readonly segments: LifecycleConfig['segments'];
}

/**
 * Everything the product concludes about a customer at a point in time, from their stored state and the
 * store model: stage, segments, RFM, lateness and predictions. Pure; recomputed on every event, on every
 * due stage check and by the daily model job, so time-driven changes (becoming late, leaving the "new"
 * window) happen on time without scanning.
 */
export interface Assessment {
  readonly stage: LifecycleStage;
  readonly segments: readonly string[];
  readonly rfm?: RfmScore | undefined;
  readonly daysSinceLastOrder?: number | undefined;
  /** The customer's usual time between orders: their own median, else the store's, else the default. */
  readonly expectedLatencyDays?: number | undefined;
  readonly expectedNextOrderAt?: string | undefined;
  /** Days past the expected next order; negative while not yet due. */
  readonly lateByDays?: number | undefined;
  readonly predictions?: Predictions | undefined;
  readonly facts: Facts;
  /** The next moment the stage or a segment can change with time alone, if any. */
  readonly nextChangeAt?: string | undefined;
}

export interface Predictions {
  readonly clv12m: Money;
  /** 80% interval of the CLV: the value of the orders interval's ends, valued and discounted as the CLV is. */
  readonly clv12mInterval: { readonly low: Money; readonly high: Money };
  readonly orders12m: number;
  /** 80% interval of the orders (purchase days) in the next 12 months: whole orders, process noise included. */
  readonly orders12mInterval: { readonly low: number; readonly high: number };
  readonly probabilityAlive: number;
  readonly churnRisk: number;
  readonly confidence: 'high' | 'medium' | 'low';
  readonly method: string;
}

const DAY = 86_400_000;
/** A next order further out than a century is no date to show: the customer has, in effect, no next order. */
const MAX_NEXT_ORDER_DAYS = 36_525;

/** A buyer is VIP as a champion of the store's RFM grid, or at the store's VIP revenue threshold. */
export function isVip(rfmSegment: string | undefined, revenue: number, model: StoreModel | undefined): boolean {
  return (
    rfmSegment === 'champions' || (model?.vipRevenueThreshold !== undefined && revenue >= model.vipRevenueThreshold)
  );
}

/**
 * The built-in segments in families whose members exclude each other: a customer to whom a family applies
 * is in exactly one of its segments (docs/intelligence.md, "Segments").
 */
export const SEGMENT_FAMILIES = {
  /** Every subscriber: engagement measured from the product's own emails and the customer's responses. */
  engagement: ['engaged', 'unengaged', 'engagement_unknown'],
  /** Every buyer: how many orders, and how recent the first. */
  purchases: ['new', 'one_time', 'repeat'],
  /** Every buyer: how late against their usual time between orders. */
  recency: ['active', 'at_risk', 'lapsed'],
  /** Buyers with two intervals between orders or more. */
  rhythm: ['regular', 'irregular'],
  /** Anyone the product has emailed or who has opened or clicked. */
  responsiveness: ['responsive', 'unresponsive'],
  /** Anyone who answered the NPS survey. */
  nps: ['promoter', 'passive', 'detractor'],
} as const;

/** The built-in segments, always evaluated (docs/intelligence.md). */
export const BUILT_IN_SEGMENTS = [
  ...Object.values(SEGMENT_FAMILIES).flat(),
  'loyal',
  'vip',
  'awaiting_confirmation',
] as const;

/**
 * How many of the store's usual intervals the customer's own median is weighed against: one interval of
 * three days says little about a rhythm, ten say a lot. The estimate is (n·own + k·store) / (n + k).
 */
export const LATENCY_PRIOR_INTERVALS = 2;

/**
 * A buyer's usual time between orders: their own median shrunk towards the store's by the number of
 * intervals behind it, at least a day.
 */
export function usualLatencyDays(own: number | undefined, intervals: number, store: number): number {
  const n = own === undefined ? 0 : intervals;
  const k = LATENCY_PRIOR_INTERVALS;
  return Math.max(1, (n * (own ?? 0) + k * store) / (n + k));
}

export function assess(
  customer: Customer,
  model: StoreModel | undefined,
  now: Date,
  settings: AssessmentSettings,
): Assessment {
  const s = settings.intelligence;
  const at = now.getTime();
  const metrics = customer.metrics;
  const candidates: number[] = [];
  const days = (iso: string | undefined) => (iso === undefined ? undefined : (at - Date.parse(iso)) / DAY);

  const daysSinceLastOrder = days(metrics.lastOrderAt);
  const ownLatency = metrics.latency?.medianDays;
  const expectedLatencyDays =
    metrics.orderCount === 0
      ? undefined
      : usualLatencyDays(ownLatency, metrics.latency?.intervals ?? 0, model?.medianLatencyDays ?? s.defaultLatencyDays);
  let expectedNextOrderAt: string | undefined;
  let lateByDays: number | undefined;
  if (metrics.lastOrderAt !== undefined && expectedLatencyDays !== undefined && daysSinceLastOrder !== undefined) {
    const last = Date.parse(metrics.lastOrderAt);
    expectedNextOrderAt = new Date(last + expectedLatencyDays * DAY).toISOString();
    lateByDays = round(daysSinceLastOrder - expectedLatencyDays);
    candidates.push(
      last + expectedLatencyDays * s.atRiskFactor * DAY,
      last + expectedLatencyDays * s.lapsedFactor * DAY,
    );
  }

  const rfm =
    model?.rfm && daysSinceLastOrder !== undefined
      ? rfmScore(
          { recencyDays: daysSinceLastOrder, frequency: metrics.orderCount, monetary: metrics.revenue.amount },
          model.rfm,
        )
      : undefined;

  let predictions: Predictions | undefined;
  if (model?.clv && metrics.firstOrderAt !== undefined && metrics.lastOrderAt !== undefined) {
    const input = clvCustomer(customer, now);
    const prediction = predictCustomerClv(model.clv, input, { horizonDays: 365 });
    const orders = predictPurchaseInterval(model.clv, input, 365);
    // The CLV per expected order, applied to the interval's ends.
    const perOrder = prediction.expectedPurchases > 0 ? prediction.clv / prediction.expectedPurchases : 0;
    const money = (amount: number) => ({ amount: Math.round(amount), currency: metrics.revenue.currency });
    predictions = {
      clv12m: money(prediction.clv),
      clv12mInterval: { low: money(orders.low * perOrder), high: money(orders.high * perOrder) },
      orders12m: round(prediction.expectedPurchases),
      orders12mInterval: orders,
      probabilityAlive: round(prediction.probabilityAlive),
      churnRisk: round(1 - prediction.probabilityAlive),
      confidence: model.clv.confidence,
      method: model.clv.method,
    };
    // From the model: when the customer has bought again with probability 1/2; none if likely gone.
    const nextIn = timeToNextPurchase(model.clv, input);
    expectedNextOrderAt =
      nextIn === undefined || nextIn > MAX_NEXT_ORDER_DAYS ? undefined : new Date(at + nextIn * DAY).toISOString();
  }

  const vip = metrics.orderCount > 0 && isVip(rfm?.segment, metrics.revenue.amount, model);
  const stage = stageOf(customer, { expectedLatencyDays, daysSinceLastOrder, vip }, s);

  const facts: Facts = {
    orderCount: metrics.orderCount,
    revenue: metrics.revenue.amount,
    averageOrderValue: metrics.averageOrderValue?.amount,
    daysSinceLastOrder: roundOrUndefined(daysSinceLastOrder),
    daysSinceFirstOrder: roundOrUndefined(days(metrics.firstOrderAt)),
    medianLatencyDays: ownLatency,
    latencyVariation: metrics.latency?.variation,
    lateByDays,
    predictedClv12m: predictions?.clv12m.amount,
    predictedOrders12m: predictions?.orders12m,
    probabilityAlive: predictions?.probabilityAlive,
    churnRisk: predictions?.churnRisk,
    rfmR: rfm?.r,
    rfmF: rfm?.f,
    rfmM: rfm?.m,
    consent: customer.consent.email,
    stage,
    rfmSegment: rfm?.segment,
    timezone: customer.timezone,
    locale: customer.locale,
    acquisitionSource: customer.acquisition?.source,
    acquisitionMedium: customer.acquisition?.medium,
    acquisitionCampaign: customer.acquisition?.campaign,
    npsScore: customer.nps?.score,
    daysSinceLastActivity: roundOrUndefined(days(customer.lastActivityAt)),
    daysSinceLastEmailEngagement: roundOrUndefined(
      days(latest(customer.emailEngagement?.lastOpenAt, customer.emailEngagement?.lastClickAt)),
    ),
    emailsSinceEngagement: customer.emailEngagement?.sentSinceEngagement,
    daysSinceSignup: roundOrUndefined(days(customer.createdAt)),
    checkoutOpen: customer.checkout?.status === 'open',
  };

  const segments = builtInSegments(customer, { stage, vip, now, candidates }, s);
  const subject: ConditionSubject = { facts, segments, recentEvents: customer.recentEvents, now };
  for (const segment of settings.segments) {
    if (evaluate(segment.condition, subject)) segments.push(segment.id);
    for (const window of eventWindows(segment.condition)) {
      for (const event of customer.recentEvents) {
        if (event.type === window.event) candidates.push(Date.parse(event.at) + window.ms);
      }
    }
  }
  const future = candidates.filter((t) => Number.isFinite(t) && t > at);
  return {
    stage,
    segments,
    rfm,
    daysSinceLastOrder: roundOrUndefined(daysSinceLastOrder),
    expectedLatencyDays,
    expectedNextOrderAt,
    lateByDays,
    predictions,
    facts,
    nextChangeAt: future.length > 0 ? new Date(Math.min(...future)).toISOString() : undefined,
  };
}

/**
 * A customer as the CLV models see them, in days: repeat purchases x, time of the last purchase tx and age
 * T, both from the first purchase, and a value: the average of the repeat purchases, or for a one-time
 * buyer their order's (which the spend model ignores and the heuristic uses when the store has no repeat
 * purchase to learn from). A purchase is a calendar day with orders (metrics.ts): several orders on one
 * day are one purchase, and do not move tx.
 */
export function clvCustomer(
  customer: Customer,
  now: Date,
): { x: number; tx: number; T: number; monetaryValue?: number } {
  const { firstOrderAt, orderCount, purchaseDays } = customer.metrics;
  // Metrics computed before purchase days were kept count every order until the customer's next order.
  const lastAt = customer.metrics.lastPurchaseDayAt ?? customer.metrics.lastOrderAt;
  const repeatValue =
    purchaseDays === undefined ? customer.metrics.repeatAverageValue : customer.metrics.repeatDayAverageValue;
  if (firstOrderAt === undefined || lastAt === undefined) return { x: 0, tx: 0, T: 0 };
  const tx = Math.max(0, daysBetween(firstOrderAt, lastAt));
  const T = Math.max(tx, (now.getTime() - Date.parse(firstOrderAt)) / DAY);
  const x = Math.max(0, (purchaseDays ?? orderCount) - 1);
  const value = x > 0 ? repeatValue : customer.metrics.averageOrderValue;
  return value !== undefined ? { x, tx, T, monetaryValue: value.amount } : { x, tx, T };
}

/**
 * The lifecycle stage state machine (docs/intelligence.md). Lateness wins over everything: a VIP who
 * stopped buying needs a win-back, not a reward.
 */
function stageOf(
  customer: Customer,
  context: {
    readonly expectedLatencyDays?: number | undefined;
    readonly daysSinceLastOrder?: number | undefined;
    readonly vip: boolean;
  },
  s: AssessmentSettings['intelligence'],
): LifecycleStage {
  const orders = customer.metrics.orderCount;
  if (orders === 0) return customer.consent.email === 'subscribed' ? 'subscriber' : 'prospect';
  const { expectedLatencyDays, daysSinceLastOrder } = context;
  if (expectedLatencyDays !== undefined && daysSinceLastOrder !== undefined) {
    if (daysSinceLastOrder > expectedLatencyDays * s.lapsedFactor) return 'lapsed';
    if (daysSinceLastOrder > expectedLatencyDays * s.atRiskFactor) return 'at_risk';
  }
  if ((customer.nps?.score ?? -1) >= 9) return 'advocate';
  if (context.vip) return 'vip';
  if (orders >= s.loyalOrderCount) return 'loyal';
  if (orders >= 2) return 'repeat_customer';
  return 'first_time_customer';
}

function builtInSegments(
  customer: Customer,
  context: { readonly stage: LifecycleStage; readonly vip: boolean; readonly now: Date; readonly candidates: number[] },
  s: AssessmentSettings['intelligence'],
): string[] {
  const segments: string[] = [];
  const at = context.now.getTime();
  const window = durationMs(s.engagementWindow);
  const within = (iso: string | undefined, ms: number) => {
    if (iso === undefined) return false;
    const until = Date.parse(iso) + ms;
    if (until > at) context.candidates.push(until);
    return until > at;
  };
  const engagement = customer.emailEngagement;
  const lastEngagement = latest(
    engagement?.lastOpenAt,
    engagement?.lastClickAt,
    customer.lastActivityAt,
    customer.metrics.lastOrderAt,
  );
  const contactable = customer.consent.email === 'subscribed';
  if (within(lastEngagement, window)) segments.push('engaged');
  else if (contactable) {
    // Unengaged only once this product's marketing has reached them for the whole window without a response:
    // the age of a consent record says nothing about whether someone reads the emails. Profiles from before
    // the first send was kept start counting at the last one.
    const mailedSince = engagement?.firstSentAt ?? engagement?.lastSentAt;
    const hadTheChance = (engagement?.sentSinceEngagement ?? 0) > 0 && mailedSince !== undefined;
    segments.push(hadTheChance && !within(mailedSince, window) ? 'unengaged' : 'engagement_unknown');
  }
  if (within(latest(engagement?.lastOpenAt, engagement?.lastClickAt), window)) segments.push('responsive');
  else if ((engagement?.sentSinceEngagement ?? 0) >= s.unresponsiveAfterEmails) segments.push('unresponsive');

  const latency = customer.metrics.latency;
  if (latency && latency.intervals >= 2)
    segments.push(latency.variation <= s.regularMaxVariation ? 'regular' : 'irregular');
  const orders = customer.metrics.orderCount;
  if (orders >= s.loyalOrderCount && context.stage !== 'lapsed') segments.push('loyal');
  if (orders >= 2) segments.push('repeat');
  else if (orders === 1) {
    segments.push(within(customer.metrics.firstOrderAt, durationMs(s.newCustomerWindow)) ? 'new' : 'one_time');
  }
  if (context.vip) segments.push('vip');
  if (orders > 0) {
    segments.push(context.stage === 'at_risk' || context.stage === 'lapsed' ? context.stage : 'active');
  }
  const score = customer.nps?.score;
  if (score !== undefined) segments.push(score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor');
  // Signed up from a double opt-in source and not confirmed yet: the confirmation email's audience.
  if (customer.consent.email === 'pending' && customer.consent.confirmation) segments.push('awaiting_confirmation');
  return segments;
}

function eventWindows(condition: Condition): { event: string; ms: number }[] {
  if ('all' in condition) return condition.all.flatMap(eventWindows);
  if ('any' in condition) return condition.any.flatMap(eventWindows);
  if ('not' in condition) return eventWindows(condition.not);
  if ('event' in condition) return [{ event: condition.event, ms: durationMs(condition.within) }];
  return [];
}

function latest(...times: (string | undefined)[]): string | undefined {
  return times
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A figure shown to people, to two decimals: days, orders, probabilities. */
export function roundOrUndefined(value: number | undefined): number | undefined {
  return value === undefined ? undefined : round(value);
}
