import type { ClvConfidence, ClvModelParams } from './clv.js';
import type { RfmThresholds } from './rfm.js';

/**
 * What the product knows of the store as a whole, refreshed by the daily model job and read by every
 * assessment: RFM thresholds, the store's usual time between orders (for one-time buyers), the revenue
 * above which a customer is VIP, and the fitted CLV models. Kept as one item; small and cached.
 */
export interface StoreModel {
  readonly computedAt: string;
  readonly reportingCurrency: string;
  /** Customers with at least one order that the model was computed from. */
  readonly customersWithOrders: number;
  readonly rfm?: RfmThresholds | undefined;
  /** Median of the customers' own median time between orders, store-wide (repeat buyers only). */
  readonly medianLatencyDays?: number | undefined;
  /** Net revenue (reporting minor units) from which a customer is in the top `vipTopShare`. */
  readonly vipRevenueThreshold?: number | undefined;
  /** The fitted purchase and spend models (clv.ts), in days and reporting minor units. */
  readonly clv?: StoredClvModel | undefined;
  /** What the store sells, as learned from orders: names, rebuy rhythm, bought together. */
  readonly products?: Readonly<Record<string, ProductInsight>> | undefined;
}

/** What the product knows of one product of the store. */
export interface ProductInsight {
  /** Its name in the orders; an email shows the catalogue's title, page and image (product-cards.ts). */
  readonly name: string;
  readonly categories?: readonly string[] | undefined;
  /** Customers who bought it. */
  readonly buyers: number;
  /** Median days between two purchases of it by the same customer, when seen often enough. */
  readonly rebuyDays?: number | undefined;
  /** Products most often in the same customers' orders, best first. */
  readonly boughtWith?: readonly string[] | undefined;
}

/** The CLV models as stored: parameters, and how far to trust them and why. */
export interface StoredClvModel extends ClvModelParams {
  readonly confidence: ClvConfidence;
  readonly reasons: readonly string[];
  /** Customers the models were fitted on (a sample of at most `CLV_SAMPLE_SIZE`). */
  readonly customers: number;
  readonly repeatCustomers: number;
}
