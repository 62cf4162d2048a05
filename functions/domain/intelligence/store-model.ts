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
  /** Median of every interval between two orders of the same customer, store-wide. */
  readonly medianLatencyDays?: number | undefined;
  /** Net revenue (reporting minor units) from which a customer is in the top `vipTopShare`. */
  readonly vipRevenueThreshold?: number | undefined;
  /** The fitted purchase and spend models (functions/domain/intelligence/clv.ts), as plain data. */
  readonly clv?: StoredClvModel | undefined;
}

/** The CLV models as stored: parameters and how far to trust them. */
export interface StoredClvModel {
  readonly method: string;
  readonly confidence: 'high' | 'medium' | 'low';
  readonly bgNbd?: { readonly r: number; readonly alpha: number; readonly a: number; readonly b: number } | undefined;
  readonly gammaGamma?: { readonly p: number; readonly q: number; readonly v: number } | undefined;
  /** Store-wide fallbacks of the heuristic model: purchases per day and average order value. */
  readonly meanPurchaseRatePerDay?: number | undefined;
  readonly meanOrderValue?: number | undefined;
}

/** Predictions for one customer from the CLV models. */
export interface ClvPrediction {
  readonly expectedOrders: number;
  readonly probabilityAlive: number;
  /** Expected value of a future order, reporting minor units. */
  readonly expectedOrderValue: number;
  readonly confidence: 'high' | 'medium' | 'low';
}

/** The CLV maths as a parameter of the assessment, so that it stays one implementation. */
export type ClvPredictor = (
  model: StoredClvModel,
  customer: {
    readonly x: number;
    readonly tx: number;
    readonly T: number;
    readonly monetaryValue?: number | undefined;
  },
  horizonDays: number,
) => ClvPrediction;
