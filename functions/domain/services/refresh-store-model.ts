import type { AudienceIndexStamping, StoreModelRecords } from '../../ports/customer-store.js';
import type { Customer } from '../customer.js';
import { clvCustomer, isVip } from '../intelligence/assess.js';
import { type ClvCustomer, fitClvModels } from '../intelligence/clv.js';
import { ProductInsights } from '../intelligence/products.js';
import { quintileBounds, RFM_SEGMENTS, recencyBounds, rfmScore } from '../intelligence/rfm.js';
import type { StoreModel } from '../intelligence/store-model.js';
import { median } from '../metrics.js';
import type { CustomerChangeDependencies } from './customer-change.js';
import { reassessCustomer } from './reassess-customer.js';
import { scanAllCustomers } from './scan-customers.js';

/** At most this many customers are used to fit the CLV models; more changes the estimates little. */
export const CLV_SAMPLE_SIZE = 20_000;
/**
 * Profiles of a page stamped with their audience index key at once: the first pass after the index came
 * writes every profile of the table, and one write at a time would not fit a million in the job's time.
 */
const STAMPS_AT_ONCE = 25;
/** VIP by revenue needs this many buyers: in a tiny store the "top 5%" is one or two people. */
export const MIN_BUYERS_FOR_VIP_THRESHOLD = 20;

export interface ModelJobDependencies extends CustomerChangeDependencies {
  readonly store: CustomerChangeDependencies['store'] & StoreModelRecords & AudienceIndexStamping;
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

/**
 * The store's buyers as the job needs them after the scan, one column per figure, filled page by page:
 * about 40 bytes and the id per buyer, where holding the profiles would take kilobytes. Rows keep the
 * order in which the scan handed the buyers over.
 */
class BuyerColumns {
  length = 0;
  readonly ids: string[] = [];
  recencyDays = new Float64Array(1024);
  frequency = new Float64Array(1024);
  monetary = new Float64Array(1024);
  /** The RFM segment stored on the profile (index into RFM_SEGMENTS + 1; 0 none; 255 one no longer named), +128 when VIP. */
  stored = new Uint8Array(1024);

  add(id: string, recencyDays: number, frequency: number, monetary: number, segment: string | undefined, vip: boolean) {
    if (this.length === this.recencyDays.length) {
      const grow = <A extends Float64Array | Uint8Array>(column: A): A => {
        const larger = new (column.constructor as new (length: number) => A)(column.length * 2);
        larger.set(column);
        return larger;
      };
      this.recencyDays = grow(this.recencyDays);
      this.frequency = grow(this.frequency);
      this.monetary = grow(this.monetary);
      this.stored = grow(this.stored);
    }
    const i = this.length++;
    this.ids.push(id);
    this.recencyDays[i] = recencyDays;
    this.frequency[i] = frequency;
    this.monetary[i] = monetary;
    this.stored[i] = segmentCode(segment) + (vip ? VIP_FLAG : 0);
  }

  column(values: Float64Array): number[] {
    return Array.from(values.subarray(0, this.length));
  }
}

const VIP_FLAG = 128;
const UNNAMED_SEGMENT = 127;

function segmentCode(segment: string | undefined): number {
  if (segment === undefined) return 0;
  const index = (RFM_SEGMENTS as readonly string[]).indexOf(segment);
  return index < 0 ? UNNAMED_SEGMENT : index + 1;
}

/** What the model job computed, before it reassesses anyone. */
export interface StoreModelComputation {
  readonly model: StoreModel;
  readonly customers: number;
  /** The customers whose RFM segment or VIP standing the new model changes, in the order the scan read them. */
  readonly moved: readonly string[];
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
  const { model, customers, moved } = await computeStoreModel(dependencies, options);
  let reassessed = 0;
  const withModel = { ...dependencies, loadModel: async () => model };
  for (let start = 0; start < moved.length; start += 16) {
    await Promise.all(
      moved.slice(start, start + 16).map(async (id) => {
        await reassessCustomer(withModel, id, `model:${model.computedAt}`);
        reassessed++;
      }),
    );
  }
  return { model, customers, reassessed };
}

/**
 * The model job up to the reassessments: the scan, streamed page by page into {@link BuyerColumns}, the
 * CLV sample and the product insights (no profile is kept once its page is read), the store model,
 * saved, and who it moves.
 */
export async function computeStoreModel(
  dependencies: Pick<ModelJobDependencies, 'clock' | 'config' | 'loadModel' | 'random'> & {
    readonly store: StoreModelRecords & AudienceIndexStamping;
  },
  options: ModelJobOptions = {},
): Promise<StoreModelComputation> {
  const { store, clock, config } = dependencies;
  const now = clock.now();
  const segments = options.scanSegments ?? 4;
  const buyers = new BuyerColumns();
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
    buyers.add(
      customer.id,
      (now.getTime() - Date.parse(metrics.lastOrderAt)) / 86_400_000,
      metrics.orderCount,
      metrics.revenue.amount,
      customer.rfm?.segment,
      customer.segments.includes('vip'),
    );
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

  // Profiles written before the audience index lack its key: the scan, which reads them all anyway, stamps
  // it (a profile written since has it already). A whole pass that finds none missing opens the index.
  let unindexed = 0;
  await scanAllCustomers(store, segments, async (page) => {
    for (const { customer } of page.customers) take(customer);
    for (const { customerId, order } of page.orders) if (customerId !== undefined) products.add(customerId, order);
    const missing = page.customers.filter((scanned) => scanned.unindexed === true);
    unindexed += missing.length;
    for (let start = 0; start < missing.length; start += STAMPS_AT_ONCE) {
      await Promise.all(
        missing
          .slice(start, start + STAMPS_AT_ONCE)
          .map(({ customer, version }) => store.stampAudienceKey(customer, version)),
      );
    }
  });
  if (unindexed === 0) await store.markAudienceIndexReady();

  const count = buyers.length;
  const monetary = buyers.column(buyers.monetary);
  const revenues = [...monetary].sort((a, b) => a - b);
  const vipIndex = Math.floor(revenues.length * (1 - config.intelligence.vipTopShare));
  const model: StoreModel = {
    computedAt: now.toISOString(),
    reportingCurrency: config.reportingCurrency,
    customersWithOrders: count,
    rfm:
      count > 0
        ? {
            recencyDays: recencyBounds(buyers.column(buyers.recencyDays)),
            frequency: quintileBounds(buyers.column(buyers.frequency)),
            monetary: quintileBounds(monetary),
            customers: count,
          }
        : undefined,
    medianLatencyDays: latencies.length > 0 ? Math.round(median(latencies) * 100) / 100 : undefined,
    vipRevenueThreshold:
      count >= MIN_BUYERS_FOR_VIP_THRESHOLD
        ? Math.max(1, revenues[Math.min(vipIndex, count - 1)] as number)
        : undefined,
    clv: sample.length > 0 ? storedClv(fitClvModels(sample, { warmStart: previous?.clv })) : undefined,
    products: products.result(),
  };
  await store.saveModel(model);

  const moved: string[] = [];
  const { rfm } = model;
  if (rfm !== undefined) {
    for (let i = 0; i < count; i++) {
      const buyer = {
        recencyDays: buyers.recencyDays[i] as number,
        frequency: buyers.frequency[i] as number,
        monetary: buyers.monetary[i] as number,
      };
      const { segment } = rfmScore(buyer, rfm);
      const vip = isVip(segment, buyer.monetary, model);
      if (segmentCode(segment) + (vip ? VIP_FLAG : 0) !== buyers.stored[i]) moved.push(buyers.ids[i] as string);
    }
  }
  return { model, customers, moved };
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
