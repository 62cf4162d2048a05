import type { LifecycleConfig } from '../config.js';
import type { Customer, LifecycleStage } from '../customer.js';
import { assess } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { computeMetrics } from '../metrics.js';
import { isPurchase, netValue, type OrderRecord } from '../orders.js';
import type { ReportData } from './report-data.js';

const WEEK_MS = 7 * 86_400_000;

/** The stages of a customer the store is losing: late against their own rhythm. */
export const LOST_STAGES = ['at_risk', 'lapsed'] as const satisfies readonly LifecycleStage[];

/**
 * A journey row of the report. `lift` (the treated group against the holdout, reporting minor units of
 * revenue per customer) is shown and ranked on when the report data carries it.
 */
export type SummaryJourneyRow = Omit<ReportData['journeys'][number], 'lift'> & {
  readonly lift?: { readonly revenuePerCustomer?: { readonly difference: number } | undefined } | undefined;
};

/** One figure of this week beside the same figure of the week before. */
export interface WeekOverWeek {
  readonly thisWeek: number;
  readonly weekBefore: number;
  /** (this week − week before) / week before; absent when the week before is 0. */
  readonly change?: number | undefined;
}

/** The best and the worst of a list of journeys by one figure; absent when the list is empty. */
export interface BestAndWorst {
  readonly best: { readonly journeyId: string; readonly value: number };
  /** Absent when there is only one. */
  readonly worst?: { readonly journeyId: string; readonly value: number } | undefined;
}

/** The week's key figures: what the weekly email says. */
export interface WeeklySummary {
  readonly storeName: string;
  readonly reportingCurrency: string;
  /** The week: the seven days that end at the moment the summary was made. */
  readonly weekStart: string;
  readonly weekEnd: string;
  /** Net revenue of the orders placed in the week, reporting minor units. */
  readonly revenue: WeekOverWeek;
  readonly orders: WeekOverWeek;
  /** People whose first order was placed in the week, by the stage they are in now. */
  readonly newCustomers: { readonly total: number; readonly byStage: readonly StageCount[] };
  /** Customers who moved into at risk or lapsed in the week, by the stage they moved to. */
  readonly lostCustomers: { readonly total: number; readonly byStage: readonly StageCount[] };
  /** Journeys and campaigns by attributed revenue, and by lift when the report has lift figures. */
  readonly journeys: {
    readonly byRevenue?: BestAndWorst | undefined;
    readonly byLift?: BestAndWorst | undefined;
  };
  readonly campaigns: {
    readonly byRevenue?: BestAndWorst | undefined;
    readonly byLift?: BestAndWorst | undefined;
  };
  /** Since the journeys' counters began: delivered, bounced and complained per email sent. */
  readonly deliverability: {
    readonly sent: number;
    readonly delivered: number;
    readonly bounced: number;
    readonly complained: number;
    /** Fractions of `sent`; absent when nothing was sent. */
    readonly deliveryRate?: number | undefined;
    readonly bounceRate?: number | undefined;
    readonly complaintRate?: number | undefined;
  };
}

export interface StageCount {
  readonly stage: LifecycleStage;
  readonly customers: number;
}

/**
 * The week's key figures from what the report gathers (customers, their orders, the store model, the
 * journeys' counters). Pure: the same inputs give the same summary.
 *
 * A customer's stage at the start of the week is their assessment as of then, from their orders placed
 * before then: stages are a function of orders and time (docs/intelligence.md), so no timeline is read.
 * Journey counters are totals since they began: journeys are ranked, and deliverability rated, on those.
 */
export function weeklySummary(input: {
  readonly customers: readonly Customer[];
  readonly orders: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[];
  readonly model: StoreModel | undefined;
  readonly config: LifecycleConfig;
  readonly now: Date;
  readonly journeys: readonly SummaryJourneyRow[];
}): WeeklySummary {
  const { customers, orders, model, config, now } = input;
  const currency = config.reportingCurrency;
  const end = now.getTime();
  const start = end - WEEK_MS;
  const before = start - WEEK_MS;
  const placedAt = (order: OrderRecord) => (order.placedAt === undefined ? Number.NaN : Date.parse(order.placedAt));

  const purchases = orders.filter(({ order }) => isPurchase(order));
  const inWeek = (from: number, to: number) =>
    purchases.filter(({ order }) => placedAt(order) >= from && placedAt(order) < to);
  const revenueOf = (list: typeof purchases) =>
    list.reduce((sum, { order }) => sum + (netValue(order, currency, config.currencyRates)?.amount ?? 0), 0);
  const thisWeek = inWeek(start, end);
  const weekBefore = inWeek(before, start);

  const ordersOf = new Map<string, OrderRecord[]>();
  for (const { customerId, order } of orders) {
    if (customerId === undefined) continue;
    const list = ordersOf.get(customerId) ?? [];
    list.push(order);
    ordersOf.set(customerId, list);
  }

  const newByStage = new Map<LifecycleStage, number>();
  const lostByStage = new Map<LifecycleStage, number>();
  const lost: readonly LifecycleStage[] = LOST_STAGES;
  for (const customer of customers) {
    const first = customer.metrics.firstOrderAt === undefined ? Number.NaN : Date.parse(customer.metrics.firstOrderAt);
    const stageNow = assess(customer, model, now, config).stage;
    if (first >= start && first < end) newByStage.set(stageNow, (newByStage.get(stageNow) ?? 0) + 1);
    if (!lost.includes(stageNow) || Date.parse(customer.createdAt) >= start) continue;
    const earlier = (ordersOf.get(customer.id) ?? []).filter((order) => placedAt(order) < start);
    const then: Customer = { ...customer, metrics: computeMetrics(earlier, currency, config.currencyRates) };
    const stageThen = assess(then, model, new Date(start), config).stage;
    // at risk → lapsed is a loss too: the customer went further away.
    if (stageThen !== stageNow && !(stageThen === 'lapsed' && stageNow === 'at_risk'))
      lostByStage.set(stageNow, (lostByStage.get(stageNow) ?? 0) + 1);
  }

  const rows = input.journeys;
  const campaigns = rows.filter((row) => row.campaign);
  const journeys = rows.filter((row) => !row.campaign);
  const sum = (field: 'sent' | 'delivered' | 'bounced' | 'complained') =>
    rows.reduce((total, row) => total + (row[field] ?? 0), 0);
  const sent = sum('sent');
  const rate = (count: number) => (sent > 0 ? round(count / sent) : undefined);

  return {
    storeName: config.storeName,
    reportingCurrency: currency,
    weekStart: new Date(start).toISOString(),
    weekEnd: now.toISOString(),
    revenue: weekOverWeek(revenueOf(thisWeek), revenueOf(weekBefore)),
    orders: weekOverWeek(thisWeek.length, weekBefore.length),
    newCustomers: counted(newByStage),
    lostCustomers: counted(lostByStage),
    journeys: { byRevenue: bestAndWorst(journeys, revenueOfRow), byLift: bestAndWorst(journeys, liftOf) },
    campaigns: { byRevenue: bestAndWorst(campaigns, revenueOfRow), byLift: bestAndWorst(campaigns, liftOf) },
    deliverability: {
      sent,
      delivered: sum('delivered'),
      bounced: sum('bounced'),
      complained: sum('complained'),
      deliveryRate: rate(sum('delivered')),
      bounceRate: rate(sum('bounced')),
      complaintRate: rate(sum('complained')),
    },
  };
}

function weekOverWeek(thisWeek: number, weekBefore: number): WeekOverWeek {
  return { thisWeek, weekBefore, change: weekBefore === 0 ? undefined : round((thisWeek - weekBefore) / weekBefore) };
}

function counted(byStage: ReadonlyMap<LifecycleStage, number>): WeeklySummary['newCustomers'] {
  const list = [...byStage].map(([stage, customers]) => ({ stage, customers }));
  return {
    total: list.reduce((total, entry) => total + entry.customers, 0),
    byStage: list.sort((a, b) => b.customers - a.customers || a.stage.localeCompare(b.stage)),
  };
}

const revenueOfRow = (row: SummaryJourneyRow) => (row.sent > 0 ? (row.revenue ?? 0) : undefined);
const liftOf = (row: SummaryJourneyRow) => row.lift?.revenuePerCustomer?.difference;

/** Rows without the figure (a journey that sent nothing, or no lift measured) are left out; ties go by id. */
function bestAndWorst(
  rows: readonly SummaryJourneyRow[],
  figure: (row: SummaryJourneyRow) => number | undefined,
): BestAndWorst | undefined {
  const ranked = rows
    .flatMap((row) => {
      const value = figure(row);
      return value === undefined ? [] : [{ journeyId: row.journeyId, value }];
    })
    .sort((a, b) => b.value - a.value || a.journeyId.localeCompare(b.journeyId));
  const best = ranked[0];
  if (best === undefined) return undefined;
  return { best, worst: ranked.length > 1 ? ranked[ranked.length - 1] : undefined };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
