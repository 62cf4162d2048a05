import type { LifecycleConfig } from '../config.js';
import { type Customer, LIFECYCLE_STAGES } from '../customer.js';
import { assess, BUILT_IN_SEGMENTS } from '../intelligence/assess.js';
import { RFM_SEGMENTS } from '../intelligence/rfm.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { median } from '../metrics.js';
import type { Money } from '../money.js';
import { isPurchase, netValue, type OrderRecord } from '../orders.js';
import type { ExperimentFigures } from '../services/experiment-figures.js';
import type { LiftFigures } from './lift.js';

/** Everything the marketer's report shows, computed from the customers, their orders and the store model. */
export interface ReportData {
  readonly storeName: string;
  readonly generatedAt: string;
  readonly reportingCurrency: string;
  readonly totals: {
    readonly customers: number;
    readonly buyers: number;
    readonly orders: number;
    /** Orders of nobody we can contact (no email), counted for the store. */
    readonly storeOnlyOrders: number;
    readonly revenue: Money;
    readonly averageOrderValue?: Money | undefined;
    /** Share of buyers with two orders or more. */
    readonly repeatRate: number;
  };
  /** 25 cells: recency score (rows) by the mean of frequency and monetary scores (columns). */
  readonly rfmGrid: readonly {
    readonly r: number;
    readonly fm: number;
    readonly customers: number;
    readonly revenue: number;
  }[];
  readonly rfmSegments: readonly { readonly segment: string; readonly customers: number; readonly revenue: number }[];
  /** Retention by month of first order: share of the cohort that ordered again in month k after (k = 0…11). */
  readonly cohorts: readonly {
    readonly month: string;
    readonly customers: number;
    readonly retention: readonly (number | null)[];
  }[];
  readonly clvBySource: readonly {
    readonly source: string;
    readonly customers: number;
    /** Average net revenue so far (historic CLV), reporting minor units. */
    readonly averageHistoricClv: number;
    /** Average predicted value of the next 12 months, when the model gives one. */
    readonly averagePredictedClv12m?: number | undefined;
  }[];
  readonly bySegment: readonly {
    readonly segment: string;
    readonly customers: number;
    readonly averageOrderValue?: number | undefined;
    readonly medianLatencyDays?: number | undefined;
  }[];
  readonly stages: readonly { readonly stage: string; readonly customers: number }[];
  /**
   * Journey figures, per journey (filled once journeys report their results), campaigns' journeys among them:
   * the report shows those in the Campaigns table ({@link campaigns}), the weekly summary ranks them apart.
   */
  readonly journeys: readonly {
    readonly journeyId: string;
    /** A campaign's journey (`campaign-<id>`). @default false */
    readonly campaign?: boolean | undefined;
    readonly entered: number;
    readonly sent: number;
    readonly delivered?: number | undefined;
    readonly bounced?: number | undefined;
    readonly complained?: number | undefined;
    readonly opened?: number | undefined;
    readonly clicked?: number | undefined;
    readonly converted?: number | undefined;
    readonly revenue?: number | undefined;
    /** Single-use offer codes its sends carried, the orders that used one, and their revenue. */
    readonly offersIssued?: number | undefined;
    readonly offersRedeemed?: number | undefined;
    readonly offerRevenue?: number | undefined;
    /** The treated group against the holdout, for a journey that has put anyone in a split's holdout. */
    readonly lift?: LiftFigures | undefined;
  }[];
  /** The experiments of the journeys' send steps: each variant's figures, and the winner once decided. */
  readonly experiments?: readonly ExperimentFigures[] | undefined;
  /** Campaign figures, per campaign of the configuration. @default none */
  readonly campaigns?: readonly CampaignFigures[] | undefined;
  readonly model?: {
    readonly computedAt: string;
    readonly clvMethod?: string | undefined;
    readonly clvConfidence?: string | undefined;
    readonly clvReasons: readonly string[];
  };
}

/** What a campaign did: its journey's counters, with the recipients left out by reason. */
export interface CampaignFigures {
  readonly campaignId: string;
  readonly status?: string | undefined;
  readonly targeted: number;
  readonly sent: number;
  readonly deferred: number;
  /** Recipients who got nothing: dropped as stale and exits before the send, by reason. */
  readonly dropped: Readonly<Record<string, number>>;
  readonly delivered: number;
  readonly opened: number;
  readonly clicked: number;
  readonly converted: number;
  /** Attributed revenue, reporting minor units. */
  readonly revenue: number;
  /** Unsubscribes within the conversion window of the campaign's email. @default 0 */
  readonly unsubscribed?: number | undefined;
  readonly complained: number;
}

const COHORT_MONTHS = 12;

/**
 * Builds the report from everything the store holds. Pure: the same inputs give the same report. Each
 * customer is assessed as of `now` with the store model, so stages and segments are current.
 */
export function buildReport(input: {
  readonly customers: readonly Customer[];
  readonly orders: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[];
  readonly model: StoreModel | undefined;
  readonly config: LifecycleConfig;
  readonly now: Date;
  readonly journeys?: ReportData['journeys'];
  readonly experiments?: ReportData['experiments'];
  readonly campaigns?: ReportData['campaigns'];
}): ReportData {
  const { customers, orders, model, config, now } = input;
  const currency = config.reportingCurrency;
  const assessed = customers.map((customer) => ({ customer, assessment: assess(customer, model, now, config) }));

  const purchases = orders.filter(({ order }) => isPurchase(order));
  const revenue = purchases.reduce(
    (sum, { order }) => sum + (netValue(order, currency, config.currencyRates)?.amount ?? 0),
    0,
  );
  const converted = purchases.filter(
    ({ order }) => netValue(order, currency, config.currencyRates) !== undefined,
  ).length;
  const buyers = customers.filter((c) => c.metrics.orderCount > 0);

  const grid = new Map<string, { customers: number; revenue: number }>();
  const rfmSegments = new Map<string, { customers: number; revenue: number }>();
  for (const { customer, assessment } of assessed) {
    const rfm = assessment.rfm;
    if (!rfm) continue;
    const key = `${rfm.r}/${Math.round((rfm.f + rfm.m) / 2)}`;
    const cell = grid.get(key) ?? { customers: 0, revenue: 0 };
    grid.set(key, { customers: cell.customers + 1, revenue: cell.revenue + customer.metrics.revenue.amount });
    const segment = rfmSegments.get(rfm.segment) ?? { customers: 0, revenue: 0 };
    rfmSegments.set(rfm.segment, {
      customers: segment.customers + 1,
      revenue: segment.revenue + customer.metrics.revenue.amount,
    });
  }

  return {
    storeName: config.storeName,
    generatedAt: now.toISOString(),
    reportingCurrency: currency,
    totals: {
      customers: customers.length,
      buyers: buyers.length,
      orders: purchases.length,
      storeOnlyOrders: purchases.filter(({ customerId }) => customerId === undefined).length,
      revenue: { amount: revenue, currency },
      averageOrderValue: converted > 0 ? { amount: Math.round(revenue / converted), currency } : undefined,
      repeatRate: buyers.length > 0 ? round(buyers.filter((c) => c.metrics.orderCount >= 2).length / buyers.length) : 0,
    },
    rfmGrid: [5, 4, 3, 2, 1].flatMap((r) =>
      [1, 2, 3, 4, 5].map((fm) => ({ r, fm, ...(grid.get(`${r}/${fm}`) ?? { customers: 0, revenue: 0 }) })),
    ),
    rfmSegments: RFM_SEGMENTS.map((segment) => ({
      segment,
      ...(rfmSegments.get(segment) ?? { customers: 0, revenue: 0 }),
    })),
    cohorts: cohorts(purchases, now),
    clvBySource: clvBySource(assessed),
    bySegment: [...BUILT_IN_SEGMENTS, ...config.segments.map((s) => s.id)].map((segment) => {
      const members = assessed
        .filter(({ assessment }) => assessment.segments.includes(segment))
        .map(({ customer }) => customer);
      const aovs = members.map((c) => c.metrics.averageOrderValue?.amount).filter((v): v is number => v !== undefined);
      const latencies = members.map((c) => c.metrics.latency?.medianDays).filter((v): v is number => v !== undefined);
      return {
        segment,
        customers: members.length,
        averageOrderValue: aovs.length > 0 ? Math.round(aovs.reduce((a, b) => a + b, 0) / aovs.length) : undefined,
        medianLatencyDays: latencies.length > 0 ? round(median(latencies)) : undefined,
      };
    }),
    stages: LIFECYCLE_STAGES.map((stage) => ({
      stage,
      customers: assessed.filter(({ assessment }) => assessment.stage === stage).length,
    })),
    journeys: input.journeys ?? [],
    ...(input.experiments && input.experiments.length > 0 ? { experiments: input.experiments } : {}),
    campaigns: input.campaigns ?? [],
    model: model && {
      computedAt: model.computedAt,
      clvMethod: model.clv?.method,
      clvConfidence: model.clv?.confidence,
      clvReasons: model.clv?.reasons ?? [],
    },
  };
}

function cohorts(
  purchases: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[],
  now: Date,
): ReportData['cohorts'] {
  const monthsOf = new Map<string, Set<number>>();
  for (const { customerId, order } of purchases) {
    if (customerId === undefined || order.placedAt === undefined) continue;
    const set = monthsOf.get(customerId) ?? new Set<number>();
    set.add(monthIndex(order.placedAt));
    monthsOf.set(customerId, set);
  }
  const current = monthIndex(now.toISOString());
  const byCohort = new Map<number, number[][]>();
  for (const months of monthsOf.values()) {
    const first = Math.min(...months);
    const list = byCohort.get(first) ?? [];
    list.push([...months].map((m) => m - first));
    byCohort.set(first, list);
  }
  return [...byCohort.entries()]
    .sort(([a], [b]) => a - b)
    .slice(-COHORT_MONTHS)
    .map(([first, members]) => ({
      month: monthLabel(first),
      customers: members.length,
      retention: Array.from({ length: COHORT_MONTHS }, (_, k) =>
        // A month that has not happened yet has no figure, not a zero.
        first + k > current ? null : round(members.filter((offsets) => offsets.includes(k)).length / members.length),
      ),
    }));
}

function clvBySource(
  assessed: readonly { customer: Customer; assessment: ReturnType<typeof assess> }[],
): ReportData['clvBySource'] {
  const groups = new Map<string, { customers: number; historic: number; predicted: number; predictedCount: number }>();
  for (const { customer, assessment } of assessed) {
    if (customer.metrics.orderCount === 0) continue;
    const source = customer.acquisition?.source ?? '(unknown)';
    const group = groups.get(source) ?? { customers: 0, historic: 0, predicted: 0, predictedCount: 0 };
    group.customers++;
    group.historic += customer.metrics.revenue.amount;
    if (assessment.predictions) {
      group.predicted += assessment.predictions.clv12m.amount;
      group.predictedCount++;
    }
    groups.set(source, group);
  }
  return [...groups.entries()]
    .map(([source, g]) => ({
      source,
      customers: g.customers,
      averageHistoricClv: Math.round(g.historic / g.customers),
      averagePredictedClv12m: g.predictedCount > 0 ? Math.round(g.predicted / g.predictedCount) : undefined,
    }))
    .sort((a, b) => b.averageHistoricClv - a.averageHistoricClv);
}

function monthIndex(iso: string): number {
  const date = new Date(iso);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function monthLabel(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
