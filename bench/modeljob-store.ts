/**
 * A synthetic store for the model job's figure: customers and orders made on the fly from their number
 * (seeded, so the same number always gives the same customer), handed out as a DynamoDB parallel scan
 * hands them out: each customer in one segment by the hash of its key, pages of at most 1 MB of items read.
 * A million customers do not fit the in-memory store (emulated-table.ts) of a 2-core bench machine, so the
 * scan's pages are made instead of stored; what the job does with them is its own code.
 *
 * Read units are counted as DynamoDB counts a Scan's: the size of every item read, the ones a filter then
 * drops included, rounded up to 4 KB per page, half a unit each at eventual consistency. The profile and
 * order items are sized as the adapter writes them (items.ts, as JSON text: close to DynamoDB's own
 * size of names and values). The items the scan reads but does not return (timeline entries, look-ups,
 * journey runs) are not made: they are counted at {@link OTHER_ITEM_BYTES} per event of the customer.
 */
import { customerItem, orderItem } from '../functions/adapters/dynamodb/items.js';
import type { Customer, RecentEvent } from '../functions/domain/customer.js';
import { newCustomer } from '../functions/domain/customer.js';
import type { StoreModel } from '../functions/domain/intelligence/store-model.js';
import { computeMetrics } from '../functions/domain/metrics.js';
import type { OrderRecord } from '../functions/domain/orders.js';
import type { AudienceIndexStamping, ScanPage, StoreModelRecords } from '../functions/ports/customer-store.js';

const DAY = 86_400_000;
/** DynamoDB's page limit: a Scan call reads at most 1 MB of items. */
const PAGE_BYTES = 1 << 20;
/** Items read but not returned by the scan, per event of the customer: a timeline entry, a share of runs and look-ups. */
export const OTHER_ITEM_BYTES = 600;
const PRODUCTS = 2_000;
const SHARE_BUYERS = 0.7;
const SHARE_ONE_TIME = 0.55;

export interface SyntheticOptions {
  readonly customers: number;
  /** The histories run up to this time: a day later, the same customers with a day more of history. */
  readonly now: Date;
  readonly seed: number;
  /** The RFM segment and VIP standing stored on buyer `n`: yesterday's job's verdict. */
  readonly stored?: ((n: number) => { readonly segment: string; readonly vip: boolean } | undefined) | undefined;
}

/** Every history starts within 900 days before this time, whatever `now`. */
const ORIGIN = Date.parse('2026-06-01T00:00:00Z');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Zipf-like popularity: product k is bought in proportion to 1 / (k + 10).
const cumulative = (() => {
  const weights = Array.from({ length: PRODUCTS }, (_, k) => 1 / (k + 10));
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return Float64Array.from(weights, (w) => {
    running += w / total;
    return running;
  });
})();

function pickProduct(u: number): number {
  let lo = 0;
  let hi = PRODUCTS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SyntheticCustomer {
  readonly customer: Customer;
  readonly orders: readonly OrderRecord[];
  /** Events of the customer (signup and orders), for the items the scan reads and does not return. */
  readonly events: number;
}

/** Customer number `n`: the same every time for the same seed and time. */
export function syntheticCustomer(n: number, options: SyntheticOptions): SyntheticCustomer {
  const random = mulberry32(options.seed * 2_654_435_761 + n);
  const now = options.now.getTime();
  const id = `cus_${n.toString(36).padStart(8, '0')}`;
  const signedUp = ORIGIN - random() * 900 * DAY;
  const createdAt = new Date(signedUp).toISOString();
  let customer = newCustomer(id, `c${n}@example.com`, createdAt, 'USD');
  const orders: OrderRecord[] = [];
  if (random() < SHARE_BUYERS) {
    let at = signedUp + random() * 30 * DAY;
    const rate = 1 / (20 + random() * 150);
    const oneTime = random() < SHARE_ONE_TIME;
    const dropout = 0.15 + random() * 0.3;
    for (let o = 0; at < now && o < 60; o++) {
      const lineItems = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const product = pickProduct(random());
        const price = 500 + Math.floor(random() * 6_000);
        return {
          productId: `prod-${product}`,
          name: `Product ${product}`,
          quantity: 1,
          unitPrice: { amount: price, currency: 'USD' },
          categories: [`category-${product % 40}`],
        };
      });
      const total = lineItems.reduce((sum, item) => sum + item.unitPrice.amount, 0);
      const placedAt = new Date(at).toISOString();
      orders.push({
        key: `shopify:${n}-${o}`,
        source: 'shopify',
        orderId: `${n}-${o}`,
        number: `#${n}-${o}`,
        placedAt,
        total: { amount: total, currency: 'USD' },
        lineItems,
        refunds: {},
        updatedAt: placedAt,
      });
      if (oneTime || random() < dropout) break;
      at += (-Math.log(1 - random()) / rate) * DAY;
    }
  }
  const metrics = computeMetrics(orders, 'USD', {});
  const recentEvents: RecentEvent[] = [
    ...orders.map((order) => ({ type: 'order.placed', at: order.placedAt as string, ref: order.key })),
    { type: 'customer.signed_up', at: createdAt },
  ]
    .reverse()
    .slice(0, 50);
  customer = {
    ...customer,
    firstName: 'Ada',
    consent: { email: 'subscribed', updatedAt: createdAt },
    stage: orders.length === 0 ? 'subscriber' : orders.length === 1 ? 'first_time_customer' : 'repeat_customer',
    metrics,
    sources: ['shopify'],
    aliases: [`shopify:${n}`],
    recentEvents,
    lastActivityAt: orders.at(-1)?.placedAt ?? createdAt,
  };
  const stored = orders.length > 0 ? options.stored?.(n) : undefined;
  if (stored !== undefined) {
    customer = {
      ...customer,
      rfm: { r: 0, f: 0, m: 0, segment: stored.segment },
      segments: stored.vip ? ['vip'] : [],
    };
  }
  return { customer, orders, events: orders.length + 1 };
}

/** The 32-bit FNV-1a hash of the customer's key, which sets its segment as a parallel scan's hash does. */
function segmentOf(n: number, segments: number): number {
  let hash = 0x811c9dc5;
  const text = `CUSTOMER#${n}`;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return Math.floor((hash / 4_294_967_296) * segments);
}

/** What the scan read, as DynamoDB would bill and page it. */
export interface ScanMeter {
  pages: number;
  itemsRead: number;
  bytesRead: number;
  /** Bytes of the items the scan returned (profiles and orders): what the function receives. */
  bytesReturned: number;
  readUnits: number;
}

/** A store with the synthetic customers, that only the model job's scan reads, and its own model item. */
export class SyntheticStore implements StoreModelRecords, AudienceIndexStamping {
  readonly meter: ScanMeter = { pages: 0, itemsRead: 0, bytesRead: 0, bytesReturned: 0, readUnits: 0 };
  private model: StoreModel | undefined;
  savedModelBytes = 0;
  /** Time spent making the pages (and sizing their items), wall and CPU: not the job's, taken off its time. */
  makingSeconds = 0;
  makingCpuSeconds = 0;

  constructor(private readonly options: SyntheticOptions) {}

  async loadModel(): Promise<StoreModel | undefined> {
    return this.model;
  }

  async saveModel(model: StoreModel): Promise<void> {
    this.savedModelBytes = JSON.stringify(model).length;
    this.model = model;
  }

  /** Its profiles are written as the product writes them, with their audience index key: none to stamp. */
  async stampAudienceKey(): Promise<boolean> {
    return true;
  }

  async markAudienceIndexReady(): Promise<void> {}

  async scanCustomers(segment: number, segments: number, resumeAfter: string | undefined): Promise<ScanPage> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const customers: { customer: Customer; version: number }[] = [];
    const orders: { customerId?: string; order: OrderRecord }[] = [];
    let n = resumeAfter === undefined ? 0 : Number(resumeAfter);
    let bytes = 0;
    for (; n < this.options.customers && bytes < PAGE_BYTES; n++) {
      if (segmentOf(n, segments) !== segment) continue;
      const made = syntheticCustomer(n, this.options);
      const profile = JSON.stringify(customerItem(made.customer, 1)).length;
      bytes += profile + made.events * OTHER_ITEM_BYTES;
      this.meter.bytesReturned += profile;
      this.meter.itemsRead += 1 + made.orders.length + made.events;
      customers.push({ customer: made.customer, version: 1 });
      for (const order of made.orders) {
        const size = JSON.stringify(orderItem(made.customer.id, order)).length;
        bytes += size;
        this.meter.bytesReturned += size;
        orders.push({ customerId: made.customer.id, order });
      }
    }
    this.makingSeconds += (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    this.makingCpuSeconds += (used.user + used.system) / 1e6;
    // Await something, as a network call would: segments interleave.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.meter.pages++;
    this.meter.bytesRead += bytes;
    this.meter.readUnits += Math.ceil(bytes / 4_096) * 0.5;
    return { customers, orders, resumeAfter: n < this.options.customers ? String(n) : undefined };
  }
}
