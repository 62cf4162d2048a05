import type { Clock } from '../../ports/clock.js';
import type { JourneyStatistics, StoreModelRecords } from '../../ports/customer-store.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { enabledJourneys } from '../journeys/catalogue.js';
import type { OrderRecord } from '../orders.js';
import { buildReport, type ReportData } from '../reporting/report-data.js';
import { scanAllCustomers } from './scan-customers.js';

/** Everything the report is built from, read from the store once. */
export interface StoreReportInput {
  readonly customers: readonly Customer[];
  readonly orders: readonly { readonly customerId?: string | undefined; readonly order: OrderRecord }[];
  readonly model: StoreModel | undefined;
  readonly journeys: ReportData['journeys'];
}

/**
 * Gathers everything the report needs with one parallel scan (customers, their orders, the store's
 * orders without a customer), the store model and the journeys' counters.
 */
export async function gatherStoreReport(
  dependencies: { readonly store: StoreModelRecords & JourneyStatistics; readonly config: LifecycleConfig },
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
  const [model, journeys] = await Promise.all([store.loadModel(), journeyFigures(store, config)]);
  return { customers, orders, model, journeys };
}

/** The report as of now with the current store model, from one read of the store ({@link gatherStoreReport}). */
export async function buildStoreReport(
  dependencies: {
    readonly store: StoreModelRecords & JourneyStatistics;
    readonly clock: Clock;
    readonly config: LifecycleConfig;
  },
  options: { readonly scanSegments?: number; readonly onProgress?: (customers: number) => void } = {},
): Promise<ReportData> {
  const { clock, config } = dependencies;
  const input = await gatherStoreReport(dependencies, options);
  return buildReport({ ...input, config, now: clock.now() });
}

/** The totals of every enabled journey, from the counters the engine keeps as it runs. */
export async function journeyFigures(
  store: JourneyStatistics,
  config: LifecycleConfig,
): Promise<ReportData['journeys']> {
  const ids = [...enabledJourneys(config).keys()];
  const totals = (await store.journeyStats(ids)).filter((row) => row.stepId === undefined);
  return ids.map((journeyId) => {
    const c = totals.find((row) => row.journeyId === journeyId)?.counters ?? {};
    return {
      journeyId,
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
    };
  });
}
