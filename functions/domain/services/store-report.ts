import type { Clock } from '../../ports/clock.js';
import type {
  CampaignRecords,
  ExperimentRecords,
  JourneyStatistics,
  StoreModelRecords,
} from '../../ports/customer-store.js';
import { campaignIdOf, campaignJourneyId } from '../campaigns/campaign.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { enabledJourneys } from '../journeys/catalogue.js';
import type { OrderRecord } from '../orders.js';
import { countersRow } from '../reporting/counters-row.js';
import { liftGroups, liftOf } from '../reporting/lift.js';
import { buildReport, type CampaignFigures, type ReportData } from '../reporting/report-data.js';
import { experimentFigures } from './experiment-figures.js';
import { scanAllCustomers } from './scan-customers.js';

/** Everything the report is built from, read from the store once. */
export interface StoreReportInput {
  readonly customers: readonly Customer[];
  readonly orders: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[];
  readonly model: StoreModel | undefined;
  readonly journeys: ReportData['journeys'];
  readonly experiments: NonNullable<ReportData['experiments']>;
  readonly campaigns: NonNullable<ReportData['campaigns']>;
}

/** What the report reads of the store. */
export type StoreReportRecords = StoreModelRecords &
  JourneyStatistics &
  Pick<ExperimentRecords, 'experiment'> &
  Partial<Pick<CampaignRecords, 'campaignStatuses'>>;

/**
 * Gathers everything the report needs with one parallel scan (customers, their orders, the store's
 * orders without a customer), the store model and the journeys' counters.
 */
export async function gatherStoreReport(
  dependencies: { readonly store: StoreReportRecords; readonly config: LifecycleConfig },
  options: { readonly scanSegments?: number; readonly onProgress?: (customers: number) => void } = {},
): Promise<StoreReportInput> {
  const { store, config } = dependencies;
  const segments = options.scanSegments ?? 4;
  const customers: Customer[] = [];
  const orders: { customerId?: string | undefined; order: OrderRecord }[] = [];
  await scanAllCustomers(store, segments, (page) => {
    for (const { customer } of page.customers) customers.push(customer);
    orders.push(...page.orders);
    options.onProgress?.(customers.length);
  });
  const [model, journeys, experiments, campaigns] = await Promise.all([
    store.loadModel(),
    journeyFigures(store, config),
    experimentFigures(store, enabledJourneys(config).values()),
    campaignFigures(store, config),
  ]);
  return { customers, orders, model, journeys, experiments, campaigns };
}

/** The report as of now with the current store model, from one read of the store ({@link gatherStoreReport}). */
export async function buildStoreReport(
  dependencies: {
    readonly store: StoreReportRecords;
    readonly clock: Clock;
    readonly config: LifecycleConfig;
  },
  options: { readonly scanSegments?: number; readonly onProgress?: (customers: number) => void } = {},
): Promise<ReportData> {
  const { clock, config } = dependencies;
  const input = await gatherStoreReport(dependencies, options);
  return buildReport({ ...input, config, now: clock.now() });
}

/**
 * The totals of every enabled journey, campaigns' journeys included and marked as such, from the counters the
 * engine keeps as it runs.
 */
export async function journeyFigures(
  store: JourneyStatistics,
  config: LifecycleConfig,
): Promise<ReportData['journeys']> {
  const journeys = enabledJourneys(config);
  const ids = [...journeys.keys()];
  const totals = (await store.journeyStats(ids)).filter((row) => row.stepId === undefined);
  return ids.map((journeyId) => {
    const c = totals.find((row) => row.journeyId === journeyId)?.counters ?? {};
    // Without a goal there is no conversion to compare: the groups are counted, the lift is not shown.
    const groups = journeys.get(journeyId)?.goal ? liftGroups(c) : undefined;
    return {
      journeyId,
      ...(campaignIdOf(journeyId) === undefined ? {} : { campaign: true }),
      entered: c.entered ?? 0,
      sent: c.sent ?? 0,
      delivered: c.delivered,
      bounced: c.bounced,
      complained: c.complained,
      opened: c.opened,
      clicked: c.clicked,
      converted: c.converted,
      revenue: c.revenue,
      offersIssued: c.offersIssued,
      offersRedeemed: c.offersRedeemed,
      offerRevenue: c.offerRevenue,
      lift: groups && liftOf(groups.treated, groups.holdout),
    };
  });
}

/** The figures of every campaign of the configuration, from its journey's counters and its state. */
export async function campaignFigures(
  store: JourneyStatistics & Partial<Pick<CampaignRecords, 'campaignStatuses'>>,
  config: LifecycleConfig,
): Promise<CampaignFigures[]> {
  if (config.campaigns.length === 0) return [];
  const ids = config.campaigns.map((campaign) => campaign.id);
  const [stats, states] = await Promise.all([
    store.journeyStats(ids.map(campaignJourneyId)),
    store.campaignStatuses?.(ids) ?? Promise.resolve(new Map()),
  ]);
  return ids.map((campaignId) => {
    const c = countersRow(
      stats.find((row) => row.journeyId === campaignJourneyId(campaignId) && row.stepId === undefined)?.counters,
    );
    const dropped: Record<string, number> = c.dropped ? { stale: c.dropped } : {};
    for (const [reason, value] of Object.entries(c.exits)) if (value) dropped[reason] = value;
    const state = states.get(campaignId);
    return {
      campaignId,
      status: state?.status,
      targeted: state?.audience?.targeted ?? c.entered,
      sent: c.sent,
      deferred: c.deferred,
      dropped,
      delivered: c.delivered,
      opened: c.opened,
      clicked: c.clicked,
      converted: c.converted,
      revenue: c.revenue,
      unsubscribed: c.unsubscribed,
      complained: c.complained,
    };
  });
}
