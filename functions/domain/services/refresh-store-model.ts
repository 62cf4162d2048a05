import type { StoreModelRecords } from '../../ports/customer-store.js';
import type { Customer } from '../customer.js';
import { clvCustomer, isVip } from '../intelligence/assess.js';
import { type ClvCustomer, fitClvModels } from '../intelligence/clv.js';
import { ProductInsights } from '../intelligence/products.js';
import { rfmScore, rfmThresholds } from '../intelligence/rfm.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { median } from '../metrics.js';
import type { CustomerChangeDependencies } from './customer-change.js';
import { reassessCustomer } from './reassess-customer.js';
import { scanAllCustomers } from './scan-customers.js';

/** At most this many customers are used to fit the CLV models; more changes the estimates little. */
export const CLV_SAMPLE_SIZE = 20_000;
/** VIP by revenue needs this many buyers: in a tiny store the "top 5%" is one or two people. */
export const MIN_BUYERS_FOR_VIP_THRESHOLD = 20;

export interface ModelJobDependencies extends CustomerChangeDependencies {
  readonly store: CustomerChangeDependencies['store'] & StoreModelRecords;
  /** Uniform random numbers in [0, 1), for the CLV sample (seeded in the simulator and tests). */
  readonly random: () => number;
}

export interface ModelJobOptions {
  /** Parallel scan segments read at the same time. @default 4 */
  readonly scanSegments?: number;
}

export interface ModelJobResult {
  readonly model: StoreModel;
  readonly customers: number;
  /** Customers whose RFM segment or VIP standing changed with the new model, and were reassessed. */
  readonly reassessed: number;
}

interface Buyer {
  readonly id: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: number;
  readonly rfmSegment?: string | undefined;
  readonly vip: boolean;
}

/**
 * The daily model job: one parallel scan of the table gathers every buyer's recency, frequency, revenue,
 * latency and CLV inputs, and every order's products; the store model (RFM quintiles, median latency, VIP
 * threshold, CLV fit, product rhythms and co-purchases) is
 * recomputed and saved; then only the customers whose RFM segment or VIP standing moved are reassessed
 * (and their stage changes published). Time-driven changes of single customers do not wait for this job:
 * they have their own reassessment timers.
 */
export async function refreshStoreModel(
  dependencies: ModelJobDependencies,
  options: ModelJobOptions = {},
): Promise<ModelJobResult> {
  const { store, clock, config } = dependencies;
  const now = clock.now();
  const segments = options.scanSegments ?? 4;
  const buyers: Buyer[] = [];
  const latencies: number[] = [];
  const sample: ClvCustomer[] = [];
  let seen = 0;
  let customers = 0;
  const products = new ProductInsights();
  // Yesterday's fit is where today's starts: the data moved by a day.
  const previous = await dependencies.loadModel();

  const take = (customer: Customer) => {
    customers++;
    const { metrics } = customer;
    if (metrics.orderCount === 0 || metrics.lastOrderAt === undefined) return;
    buyers.push({
      id: customer.id,
      recencyDays: (now.getTime() - Date.parse(metrics.lastOrderAt)) / 86_400_000,
      frequency: metrics.orderCount,
      monetary: metrics.revenue.amount,
      rfmSegment: customer.rfm?.segment,
      vip: customer.segments.includes('vip'),
    });
    if (metrics.latency) latencies.push(metrics.latency.medianDays);
    // Reservoir sampling: every buyer has the same chance to be in the CLV sample, whatever the size.
    seen++;
    const input = clvCustomer(customer, now);
    if (sample.length < CLV_SAMPLE_SIZE) sample.push(input);
    else {
      const slot = Math.floor(dependencies.random() * seen);
      if (slot < CLV_SAMPLE_SIZE) sample[slot] = input;
    }
  };

  await scanAllCustomers(store, segments, (page) => {
    for (const { customer } of page.customers) take(customer);
    for (const { customerId, order } of page.orders) if (customerId !== undefined) products.add(customerId, order);
  });

  const revenues = buyers.map((b) => b.monetary).sort((a, b) => a - b);
  const vipIndex = Math.floor(revenues.length * (1 - config.intelligence.vipTopShare));
  const model: StoreModel = {
    computedAt: now.toISOString(),
    reportingCurrency: config.reportingCurrency,
    customersWithOrders: buyers.length,
    rfm: buyers.length > 0 ? rfmThresholds(buyers) : undefined,
    medianLatencyDays: latencies.length > 0 ? Math.round(median(latencies) * 100) / 100 : undefined,
    vipRevenueThreshold:
      buyers.length >= MIN_BUYERS_FOR_VIP_THRESHOLD
        ? Math.max(1, revenues[Math.min(vipIndex, revenues.length - 1)] as number)
        : undefined,
    clv: sample.length > 0 ? storedClv(fitClvModels(sample, { warmStart: previous?.clv })) : undefined,
    products: products.result(),
  };
  await store.saveModel(model);

  let reassessed = 0;
  const changed = buyers.filter((buyer) => {
    if (!model.rfm) return false;
    const score = rfmScore(buyer, model.rfm);
    const vip = isVip(score.segment, buyer.monetary, model);
    return score.segment !== buyer.rfmSegment || vip !== buyer.vip;
  });
  const withModel = { ...dependencies, loadModel: async () => model };
  for (let start = 0; start < changed.length; start += 16) {
    await Promise.all(
      changed.slice(start, start + 16).map(async (buyer) => {
        await reassessCustomer(withModel, buyer.id, `model:${model.computedAt}`);
        reassessed++;
      }),
    );
  }
  return { model, customers, reassessed };
}

function storedClv(models: ReturnType<typeof fitClvModels>): StoreModel['clv'] {
  return {
    method: models.method,
    bgNbd: models.bgNbd,
    bgNbdCovariance: models.bgNbdCovariance,
    gammaGamma: models.gammaGamma,
    heuristic: models.heuristic,
    confidence: models.confidence,
    reasons: models.reasons,
    customers: models.customers,
    repeatCustomers: models.repeatCustomers,
  };
}
