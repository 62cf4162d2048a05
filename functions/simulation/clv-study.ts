import {
  type BgNbdParams,
  type ClvConfidence,
  expectedPurchases,
  fitClvModels,
  forecastPurchases,
  type GammaGammaParams,
  predictCustomerClv,
  predictPurchaseInterval,
} from '../domain/intelligence/clv.js';
import { simulateBgNbdCustomers, simulateSpend } from './clv-samplers.js';
import type { Random } from './random.js';

/**
 * The CLV models' simulation study (docs/intelligence.md, `npm run study:clv`): stores drawn from known
 * BG/NBD parameters, fitted as the product fits them, and their forecast of the holdout period's purchases
 * compared with what the simulation then made happen, and with an oracle that forecasts from the true
 * parameters. Pure: the randomness comes in as a seeded {@link Random}, one fork per store.
 */

/** A population of customers the study draws stores from. */
export interface StudyScenario {
  readonly name: string;
  readonly truth: BgNbdParams;
  /** Spend, so that the fit is the product's full one (the study scores purchases only). */
  readonly spend: GammaGammaParams;
  /** Observation length of customer i (from their first purchase), in the scenario's time unit. */
  readonly observed: (index: number) => number;
  /** Length of the holdout period (39 weeks), in the same unit. */
  readonly holdout: number;
  /** A year in that unit: the horizon of the forecast the confidence label is read from, as in the product. */
  readonly year: number;
}

/** The published CDNOW estimates (weeks): first purchases over 12 weeks, observed until week 39. */
export const CDNOW_SCENARIO: StudyScenario = {
  name: 'CDNOW (weeks)',
  truth: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  spend: { p: 6.25, q: 3.74, v: 15.44 },
  observed: (index) => 27 + (index % 13),
  holdout: 39,
  year: 52,
};

/** A shop of regulars (days): a purchase every two months on average, 29% dropout after each. */
export const REGULARS_SCENARIO: StudyScenario = {
  name: 'regulars (days)',
  truth: { r: 2, alpha: 120, a: 1.2, b: 3 },
  spend: { p: 4, q: 6, v: 5000 },
  observed: (index) => 180 + (index % 186),
  holdout: 273,
  year: 365,
};

/** What happened to one simulated store. */
export interface StoreOutcome {
  readonly customers: number;
  readonly method: string;
  readonly confidence: ClvConfidence;
  /** The relative half-width of the one-year forecast's 80% interval, which the label is read from. */
  readonly relativeSpread: number;
  /** |forecast − actual| / actual of the store's total holdout purchases (Infinity when actual is 0). */
  readonly error: number;
  /** The same for the oracle's forecast (true parameters). */
  readonly oracleError: number;
  /** The actual total was inside the forecast's 80% interval. */
  readonly covered: boolean;
  /** Share of the store's customers whose own holdout count was inside their 80% interval. */
  readonly customerCoverage: number;
  /** Mean over the customers of |expected − actual| holdout purchases, for the fit and for the oracle. */
  readonly customerError: number;
  readonly oracleCustomerError: number;
}

/** Simulates, fits and scores one store of `customers` customers. */
export function studyStore(scenario: StudyScenario, customers: number, random: Random): StoreOutcome {
  const population = simulateBgNbdCustomers(scenario.truth, customers, scenario.observed, random.next, {
    holdout: scenario.holdout,
  });
  const spend = simulateSpend(
    scenario.spend,
    population.map((customer) => customer.x),
    random.next,
  );
  const withSpend = population.map((customer, index) => ({
    ...customer,
    monetaryValue: spend[index]?.monetaryValue,
  }));
  const models = fitClvModels(withSpend, { confidenceHorizon: scenario.year });
  const forecast = forecastPurchases(models, population, scenario.holdout);
  let actual = 0;
  let oracle = 0;
  let inside = 0;
  let customerError = 0;
  let oracleCustomerError = 0;
  for (const customer of population) {
    actual += customer.holdoutPurchases;
    const truth = expectedPurchases(scenario.truth, scenario.holdout, customer);
    oracle += truth;
    const fitted = predictCustomerClv(models, customer, { horizonDays: scenario.holdout }).expectedPurchases;
    customerError += Math.abs(fitted - customer.holdoutPurchases);
    oracleCustomerError += Math.abs(truth - customer.holdoutPurchases);
    const interval = predictPurchaseInterval(models, customer, scenario.holdout);
    if (customer.holdoutPurchases >= interval.low && customer.holdoutPurchases <= interval.high) inside++;
  }
  const relativeError = (predicted: number) =>
    actual > 0 ? Math.abs(predicted - actual) / actual : predicted > 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    customers,
    method: models.method,
    confidence: models.confidence,
    relativeSpread: models.forecast.relativeSpread,
    error: relativeError(forecast.expected),
    oracleError: relativeError(oracle),
    covered: actual >= forecast.low && actual <= forecast.high,
    customerCoverage: inside / customers,
    customerError: customerError / customers,
    oracleCustomerError: oracleCustomerError / customers,
  };
}

/** One row of the study's table: a scenario and a store size over many stores. */
export interface StudyRow {
  readonly scenario: string;
  readonly customers: number;
  readonly stores: number;
  readonly fallbackShare: number;
  readonly medianError: number;
  readonly p90Error: number;
  readonly oracleMedianError: number;
  readonly oracleP90Error: number;
  /** Share of stores whose actual total fell inside the 80% interval. */
  readonly coverage: number;
  /** Mean over stores of the share of customers inside their own 80% interval. */
  readonly customerCoverage: number;
  /** Mean over stores of the customers' mean absolute error, and the oracle's. */
  readonly customerError: number;
  readonly oracleCustomerError: number;
  /** Per label: stores given it, and those of them more than 50% off. */
  readonly labels: Readonly<Record<ClvConfidence, { readonly given: number; readonly offByHalf: number }>>;
}

/** Runs `stores` stores of `customers` customers of a scenario, each from its own fork of `random`. */
export function studyRow(scenario: StudyScenario, customers: number, stores: number, random: Random): StudyRow {
  const outcomes = Array.from({ length: stores }, (_, index) =>
    studyStore(scenario, customers, random.fork(`${scenario.name}:${customers}:${index}`)),
  );
  const labels = {
    high: { given: 0, offByHalf: 0 },
    medium: { given: 0, offByHalf: 0 },
    low: { given: 0, offByHalf: 0 },
  };
  for (const outcome of outcomes) {
    labels[outcome.confidence].given++;
    if (outcome.error > 0.5) labels[outcome.confidence].offByHalf++;
  }
  const errors = outcomes.map((o) => o.error);
  const oracle = outcomes.map((o) => o.oracleError);
  return {
    scenario: scenario.name,
    customers,
    stores,
    fallbackShare: outcomes.filter((o) => o.method === 'heuristic-fallback').length / stores,
    medianError: quantile(errors, 0.5),
    p90Error: quantile(errors, 0.9),
    oracleMedianError: quantile(oracle, 0.5),
    oracleP90Error: quantile(oracle, 0.9),
    coverage: outcomes.filter((o) => o.covered).length / stores,
    customerCoverage: outcomes.reduce((total, o) => total + o.customerCoverage, 0) / stores,
    customerError: outcomes.reduce((total, o) => total + o.customerError, 0) / stores,
    oracleCustomerError: outcomes.reduce((total, o) => total + o.oracleCustomerError, 0) / stores,
    labels,
  };
}

/** The q-quantile of values, interpolated between order statistics. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return high === low ? low : low + (high - low) * (position - below);
}

/** The study's results as a markdown table. */
export function studyTable(rows: readonly StudyRow[]): string {
  const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '∞');
  const label = (row: StudyRow, name: ClvConfidence) =>
    `${row.labels[name].given}${row.labels[name].offByHalf > 0 ? ` (${row.labels[name].offByHalf})` : ''}`;
  const lines = [
    '| scenario | customers | stores | fallback | median error | oracle | ratio | p90 error | oracle p90 | 80% interval covers | customers covered | customer MAE | oracle | high | medium | low |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.scenario} | ${row.customers.toLocaleString('en-US')} | ${row.stores} | ${pct(row.fallbackShare)} | ${pct(row.medianError)} | ${pct(row.oracleMedianError)} | ${(row.medianError / row.oracleMedianError).toFixed(2)} | ${pct(row.p90Error)} | ${pct(row.oracleP90Error)} | ${pct(row.coverage)} | ${pct(row.customerCoverage)} | ${row.customerError.toFixed(3)} | ${row.oracleCustomerError.toFixed(3)} | ${label(row, 'high')} | ${label(row, 'medium')} | ${label(row, 'low')} |`,
    );
  }
  return lines.join('\n');
}
