/**
 * Customer lifetime value: BG/NBD for how many purchases a customer will make, Gamma-Gamma for what each
 * will be worth, and a heuristic for stores with too little history for either.
 *
 * Models (time is a plain number; the product uses days, and fits and predictions must use the same unit):
 * - BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While alive a customer buys
 *   as a Poisson process of rate λ ~ Gamma(r, alpha) (shape r, rate alpha); after each repeat purchase they
 *   drop out for good with probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases),
 *   tx (time of the last purchase, from the first) and T (time from the first purchase to now).
 * - Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"). Each transaction's value
 *   is Gamma(p, ν) with ν ~ Gamma(q, v) per customer; m is the average of the x repeat transactions.
 *   Independent of the purchase process by assumption (check it: correlation of x and m near 0).
 * - CLV over a horizon H: expected purchases × expected average value, discounted per period. With
 *   periods of length P (default one month, 365.25 / 12 days) ending at t_k = min(kP, H),
 *   CLV = value · Σ_k (E[Y(t_k)] − E[Y(t_(k−1))]) · (1 + d)^(−t_k / month), d the monthly discount rate:
 *   each period's purchases are discounted from the end of the period, a slightly conservative choice.
 *   Without a discount rate it is exactly value · E[Y(H)].
 *
 * Fitting is maximum a posteriori (MAP) over log-parameters with Nelder–Mead (./optimise.ts), from a few
 * starting points and then restarted from its optimum, with weakly informative normal priors on the
 * quantities small stores cannot pin down ({@link BG_NBD_PRIOR}, {@link GAMMA_GAMMA_PRIOR}); without a
 * prior (`fitBgNbd(customers)`) it is plain maximum likelihood, which reaches a likelihood at least that of
 * the true parameters. On thousands of customers the two agree within 1% (tested). How well maximum
 * likelihood recovers parameters on 4,000 simulated customers (tests/unit/domain/clv.test.ts, worst of 80
 * seeds for each of two parameter sets; the tests assert a margin over these): r within 13% and alpha
 * within 16%; a and b only within 42% and 58% (90% of runs within 33%), as the data pin the mean dropout
 * a/(a+b) (within 13%) much better than its spread. Population quantities are better still: mean P(alive)
 * within 0.02 of the simulated share alive, and aggregate purchases in a holdout as long as the calibration
 * within 12% (90% of runs within 6.4%; with the true parameters, within 7.7%). Gamma-Gamma on 5,000
 * simulated repeat customers (worst of 200 seeds, two sets): p within 28%, q within 16%, v within 46% (p and
 * v trade off), the population mean spend p·v/(q − 1) within 3.3%.
 *
 * Uncertainty. Each fit keeps the Laplace approximation of its parameters: a normal on the log-parameters
 * whose covariance is the inverse curvature of the negative log-posterior at the mode. Predictions carry
 * 80% intervals: a customer's count over a horizon from its exact distribution under BG/NBD, mixed over
 * the cubature points of that normal ({@link predictPurchaseInterval}); a group's total from its variance,
 * the customers' own noise plus the parameters' ({@link forecastPurchases}). The confidence label is read
 * from the relative width of the store's own one-year forecast ({@link CONFIDENCE_SPREAD}), with thresholds
 * set by the simulation study (functions/simulation/clv-study.ts).
 *
 * Thin data. With priors, any store with one repeat purchase gets a fit: the data set the mean purchase
 * rate, the priors what the data cannot say, and the interval says how little that is. {@link fitClvModels}
 * falls back to a heuristic, flagged `confidence: 'low'` and `method: 'heuristic-fallback'`, only when
 * even MAP cannot say anything:
 * - no customer has a repeat purchase (the likelihood then keeps falling with the purchase rate), or
 * - the BG/NBD fit did not converge, or a parameter ended within 5% (in log terms) of the optimiser's box
 *   ({@link ML_PARAMETER_RANGE}).
 * The heuristic ({@link fitHeuristic}): the store's mean inter-purchase time ḡ = Σ tx / Σ x over repeat
 * customers (ḡ = Σ T when nobody bought twice; with no customers at all, no purchases are predicted); it is
 * stored as the rate 1/ḡ. Each customer's inter-purchase time is their own, shrunk towards the store's with
 * a Gamma prior worth {@link HEURISTIC_PRIOR_PURCHASES} purchases: g_i = (tx + k·ḡ) / (x + k).
 * P(alive) = exp(−(T − tx) / g_i), the chance that an exponential clock of mean g_i stays silent as long as
 * this customer has (this applies to x = 0 too, unlike BG/NBD, whose P(alive) is 1 there). Expected
 * purchases over t = P(alive) · t / g_i, with no further dropout, so long horizons overstate. Average
 * value = (x·m + k_v·m̄) / (x + k_v), the customer's own mean shrunk towards the store's mean m̄ with a weight
 * of {@link HEURISTIC_PRIOR_TRANSACTIONS} transactions.
 * When BG/NBD is usable but Gamma-Gamma is not (no repeat customer with a value, no convergence, a bound,
 * or q ≤ 1 which makes the mean spend infinite), the method is `'bg-nbd-with-heuristic-value'`, with at
 * most `'medium'` confidence.
 */

import { cholesky, hessian, invertPositiveDefinite, minimise } from './optimise.js';
import {
  hyp2f1Excess,
  integrateWeighted,
  logBeta,
  logGamma,
  type QuadratureWeights,
  unitIntervalWeights,
} from './special-functions.js';

/** One customer's history in the models' terms. Times in one unit throughout (days in the product). */
export interface ClvCustomer {
  /** Repeat purchases: orders after the first. A non-negative integer. */
  readonly x: number;
  /** Time of the last purchase, measured from the first (0 when x = 0). */
  readonly tx: number;
  /** Time from the first purchase to the end of the observation; at least tx. */
  readonly T: number;
  /** Average value of the x repeat purchases; only read when x ≥ 1. */
  readonly monetaryValue?: number | undefined;
}

/** BG/NBD parameters: λ ~ Gamma(shape r, rate alpha), dropout p ~ Beta(a, b). alpha is in time units. */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Gamma-Gamma parameters: value ~ Gamma(shape p, rate ν), ν ~ Gamma(shape q, rate v). v is in money. */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly v: number;
}

/** A maximum-likelihood or maximum a posteriori fit. */
export interface ModelFit<P> {
  readonly params: P;
  /** Total log-likelihood at `params` over the customers used. */
  readonly logLikelihood: number;
  /** ln of the prior density at `params`; 0 for plain maximum likelihood. */
  readonly logPrior: number;
  /**
   * Laplace approximation of the parameters' uncertainty: the covariance of the log-parameters (ln of each
   * parameter, in the order of `params`), the inverse of the curvature of the negative log-posterior (or
   * log-likelihood) at the optimum. Undefined when that curvature is not positive definite.
   */
  readonly covariance?: readonly (readonly number[])[] | undefined;
  /** Nelder–Mead iterations over all starts and restarts. */
  readonly iterations: number;
  /** The optimiser met its tolerances before its iteration limit. */
  readonly converged: boolean;
  /** A parameter ended within 5% (in log terms) of {@link ML_PARAMETER_RANGE}: the data did not pin it. */
  readonly atBound: boolean;
  /** Customers the likelihood was computed over. */
  readonly customers: number;
}

/** A fitted BG/NBD model. */
export type BgNbdFit = ModelFit<BgNbdParams>;
/** A fitted Gamma-Gamma model. */
export type GammaGammaFit = ModelFit<GammaGammaParams>;

/** Settings of the maximum-likelihood fits; all optional. */
export interface FitOptions<P> {
  /** Iteration limit of each Nelder–Mead run. Default 1,500. */
  readonly maxIterations?: number;
  /** Starting points, replacing the defaults derived from the data. */
  readonly starts?: readonly P[];
  /** Size of the first simplex around each start, in log-parameter units. Default 0.5. */
  readonly initialStep?: number;
}

/** A normal prior on a log-parameter, or on a function of the log-parameters; in natural-log units. */
export interface NormalPrior {
  readonly mean: number;
  readonly sd: number;
}

/**
 * Priors of the BG/NBD fit, on the quantities small stores cannot pin down (docs/intelligence.md): the
 * shape r of the purchase rates' spread, the mean dropout a/(a+b) and the concentration a+b of the dropout
 * probabilities. The mean purchase rate r/alpha has a flat prior: every store with a repeat purchase
 * measures it. The change of variables from (ln r, ln alpha, ln a, ln b) to (ln r, ln(r/alpha),
 * logit(a/(a+b)), ln(a+b)) has a unit Jacobian, so the mode does not depend on which of the two is used.
 */
export interface BgNbdPrior {
  readonly logR: NormalPrior;
  readonly logitMeanDropout: NormalPrior;
  readonly logDropoutConcentration: NormalPrior;
}

/** Priors of the Gamma-Gamma fit on ln p and ln q; ln v (the spend scale) is flat. */
export interface GammaGammaPrior {
  readonly logP: NormalPrior;
  readonly logQ: NormalPrior;
}

/**
 * Weakly informative: centred on the middle of published fits (CDNOW r 0.24, a/(a+b) 0.25, a+b 3.2;
 * grocery and apparel fits with r from 0.2 to 3, a+b from 1 to 20), two standard deviations covering
 * them all by a factor of 20 either way. On thousands of customers the likelihood outweighs them: the
 * estimates stay within 1% of plain maximum likelihood (tests/unit/domain/clv.test.ts).
 */
export const BG_NBD_PRIOR: BgNbdPrior = {
  logR: { mean: Math.log(0.5), sd: 1.5 },
  logitMeanDropout: { mean: Math.log(0.25 / 0.75), sd: 1.5 },
  logDropoutConcentration: { mean: Math.log(3), sd: 2 },
};

/** Weakly informative priors of Gamma-Gamma: p and q of published fits lie between 1 and 20. */
export const GAMMA_GAMMA_PRIOR: GammaGammaPrior = {
  logP: { mean: Math.log(4), sd: 1.5 },
  logQ: { mean: Math.log(4), sd: 1.5 },
};

function normalLogDensity(value: number, prior: NormalPrior): number {
  const z = (value - prior.mean) / prior.sd;
  return -0.5 * z * z - Math.log(prior.sd) - 0.5 * Math.log(2 * Math.PI);
}

/** ln prior of BG/NBD log-parameters θ = (ln r, ln alpha(scaled), ln a, ln b). */
function bgNbdLogPrior(theta: readonly number[], prior: BgNbdPrior): number {
  const [logR, , logA, logB] = theta as [number, number, number, number];
  return (
    normalLogDensity(logR, prior.logR) +
    normalLogDensity(logA - logB, prior.logitMeanDropout) +
    normalLogDensity(logAddExp(logA, logB), prior.logDropoutConcentration)
  );
}

function gammaGammaLogPrior(theta: readonly number[], prior: GammaGammaPrior): number {
  return normalLogDensity(theta[0] as number, prior.logP) + normalLogDensity(theta[1] as number, prior.logQ);
}

/** The covariance of the log-parameters at an optimum θ of the total negative log-posterior `f`. */
function laplaceCovariance(f: (theta: readonly number[]) => number, theta: readonly number[]): number[][] | undefined {
  return invertPositiveDefinite(hessian(f, theta));
}

/**
 * The box the optimiser searches, as factors: shape parameters (r, a, b; p, q) within [min, max], scale
 * parameters within [min, max] times the data's own scale (alpha: mean T; v: mean spend). Real stores sit
 * orders of magnitude inside it; ending on its edge means the likelihood is flat in that direction.
 */
export const ML_PARAMETER_RANGE = { min: 1e-4, max: 1e4 } as const;

/** The level of every interval the models give: 80%, from the 10th to the 90th percentile. */
export const INTERVAL_LEVEL = 0.8;
/** The standard normal's 90th percentile: an 80% interval is the mean ± this many standard deviations. */
const Z_INTERVAL = 1.2815515655446004;
/**
 * The confidence labels, from the relative half-width of the 80% interval of the store's own purchase
 * forecast over the next year (process noise and parameter uncertainty; {@link forecastPurchases}). The
 * thresholds come from the simulation study (`npm run study:clv`, docs/intelligence.md): no forecast
 * labelled better than 'low' was more than 50% off.
 */
export const CONFIDENCE_SPREAD = { high: 0.05, medium: 0.15 } as const;
/** Weight, in purchases, of the store's inter-purchase time in the heuristic's per-customer estimate. */
export const HEURISTIC_PRIOR_PURCHASES = 1;
/** Weight, in transactions, of the store's mean value in the heuristic's per-customer average value. */
export const HEURISTIC_PRIOR_TRANSACTIONS = 2;
/** Days in an average month, for monthly discounting. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** How far from the box edge (in log terms) a parameter must end to count as identified. */
const BOUND_MARGIN = Math.log(1.05);
const LOG_MIN = Math.log(ML_PARAMETER_RANGE.min);
const LOG_MAX = Math.log(ML_PARAMETER_RANGE.max);

function checkCustomer(customer: ClvCustomer): void {
  const { x, tx, T } = customer;
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`x must be a non-negative integer, got ${x}`);
  if (!(Number.isFinite(tx) && Number.isFinite(T) && tx >= 0 && T >= tx)) {
    throw new RangeError(`need 0 ≤ tx ≤ T, got tx=${tx}, T=${T}`);
  }
}

/** Throws a RangeError naming the first parameter that is not a positive finite number. */
export function checkPositive(params: object): void {
  for (const [name, value] of Object.entries(params)) {
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new RangeError(`parameter ${name} must be positive and finite, got ${String(value)}`);
    }
  }
}

function logAddExp(u: number, v: number): number {
  if (v === Number.NEGATIVE_INFINITY) return u;
  if (u === Number.NEGATIVE_INFINITY) return v;
  const max = Math.max(u, v);
  return max + Math.log1p(Math.exp(-Math.abs(u - v)));
}

// ---------------------------------------------------------------------------------------------------------
// BG/NBD

/**
 * Customers as columns, grouped twice: those sharing (x, tx, T) share one row, as their terms of the
 * likelihood are equal, and rows sharing x share the Γ terms, computed once per distinct x. The likelihood
 * computes each row's term once and adds the customers' terms in their own order: the same sum, bit for
 * bit, as customer by customer, which a sum weighted by the rows' counts is not (its rounding differs, and
 * the optimiser's path with it).
 */
interface BgNbdData {
  readonly count: number;
  readonly distinctX: Float64Array;
  /** Per row (a distinct triple): its index into distinctX, its tx and its T. */
  readonly group: Int32Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  /** The row of each customer. */
  readonly row: Int32Array;
  /** Room for each evaluation's per-x and per-row terms, allocated once per fit rather than per evaluation. */
  readonly scratch: {
    readonly constant: Float64Array;
    readonly dropoutTerm: Float64Array;
    readonly terms: Float64Array;
  };
}

function prepareBgNbd(customers: readonly ClvCustomer[]): BgNbdData {
  const index = new Map<number, number>();
  const distinct: number[] = [];
  const rowOf = new Map<string, number>();
  const group: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const row = new Int32Array(customers.length);
  customers.forEach((customer, i) => {
    checkCustomer(customer);
    const key = `${customer.x} ${customer.tx} ${customer.T}`;
    let r = rowOf.get(key);
    if (r === undefined) {
      let g = index.get(customer.x);
      if (g === undefined) {
        g = distinct.length;
        index.set(customer.x, g);
        distinct.push(customer.x);
      }
      r = group.length;
      rowOf.set(key, r);
      group.push(g);
      tx.push(customer.tx);
      T.push(customer.T);
    }
    row[i] = r;
  });
  return {
    count: customers.length,
    distinctX: Float64Array.from(distinct),
    group: Int32Array.from(group),
    tx: Float64Array.from(tx),
    T: Float64Array.from(T),
    row,
    scratch: {
      constant: new Float64Array(distinct.length),
      dropoutTerm: new Float64Array(distinct.length),
      terms: new Float64Array(group.length),
    },
  };
}

function bgNbdLogLikelihoodOf(params: BgNbdParams, data: BgNbdData): number {
  const { r, alpha, a, b } = params;
  const groups = data.distinctX.length;
  const { constant, dropoutTerm, terms } = data.scratch;
  const shared = -logGamma(r) + r * Math.log(alpha) + logGamma(a + b) - logGamma(b);
  for (let g = 0; g < groups; g++) {
    const x = data.distinctX[g] as number;
    // The terms that depend on x only (A1 + A2 in Fader, Hardie & Lee's implementation note):
    // ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x).
    constant[g] = shared + logGamma(r + x) + logGamma(b + x) - logGamma(a + b + x);
    dropoutTerm[g] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
  }
  const rows = data.group.length;
  for (let i = 0; i < rows; i++) {
    const g = data.group[i] as number;
    const x = data.distinctX[g] as number;
    const shape = r + x;
    // A3 = −(r+x) ln(α+T) (alive at T); A4 = ln a − ln(b+x−1) − (r+x) ln(α+tx) (dropped out after tx), which
    // is −∞ when x = 0 (no repeat purchase, no dropout): then the log-sum is A3 alone.
    const alive = -shape * Math.log(alpha + (data.T[i] as number));
    let term = alive;
    if (x > 0) {
      // logAddExp(alive, dropped), written out: this loop is most of a fit's time.
      const dropped = (dropoutTerm[g] as number) - shape * Math.log(alpha + (data.tx[i] as number));
      if (dropped !== Number.NEGATIVE_INFINITY) {
        term =
          alive === Number.NEGATIVE_INFINITY
            ? dropped
            : Math.max(alive, dropped) + Math.log1p(Math.exp(-Math.abs(alive - dropped)));
      }
    }
    terms[i] = (constant[g] as number) + term;
  }
  let total = 0;
  for (let i = 0; i < data.count; i++) total += terms[data.row[i] as number] as number;
  return total;
}

/**
 * BG/NBD log-likelihood of `customers` under `params`: Σ ln L_i with
 * L_i = Γ(r+x)α^r/Γ(r) · B(a, b+x)/B(a, b) · [(α+T)^−(r+x) + δ_(x>0) · a/(b+x−1) · (α+tx)^−(r+x)],
 * computed in logs (log-gamma and a log-sum-exp) so that large x and T neither overflow nor underflow.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, customers: readonly ClvCustomer[]): number {
  checkPositive(params);
  return bgNbdLogLikelihoodOf(params, prepareBgNbd(customers));
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function isAtBound(logFactors: readonly number[]): boolean {
  return logFactors.some((value) => value < LOG_MIN + BOUND_MARGIN || value > LOG_MAX - BOUND_MARGIN);
}

function inBox(logFactors: readonly number[]): boolean {
  return logFactors.every((value) => value >= LOG_MIN && value <= LOG_MAX);
}

/**
 * Maximum-likelihood BG/NBD. Minimises the mean negative log-likelihood over (ln r, ln(alpha/s), ln a, ln b),
 * s the mean T (so the search is the same whether time is in days or weeks), inside
 * {@link ML_PARAMETER_RANGE}, by Nelder–Mead from three starting points (or `options.starts`), then restarts.
 * Check `converged` and `atBound` before trusting the parameters; {@link fitClvModels} does.
 */
export function fitBgNbd(
  customers: readonly ClvCustomer[],
  options: FitOptions<BgNbdParams> & { readonly prior?: BgNbdPrior | undefined } = {},
): BgNbdFit {
  const data = prepareBgNbd(customers);
  if (data.count === 0) throw new RangeError('fitBgNbd needs at least one customer');
  const meanT = meanOf(customers.map((c) => c.T));
  const scale = meanT > 0 ? meanT : 1;
  const purchases = customers.reduce((sum, c) => sum + c.x, 0);
  // A purchase rate that ignores dropout: biased low, but only the starting points depend on it.
  const rate = (purchases + 1) / (scale * data.count);
  const starts = options.starts ?? [
    { r: 1, alpha: 1 / rate, a: 1, b: 3 },
    { r: 0.3, alpha: 0.3 / rate, a: 0.5, b: 1 },
    { r: 3, alpha: 3 / rate, a: 2, b: 10 },
  ];
  const toTheta = (p: BgNbdParams): number[] => [
    Math.log(p.r),
    Math.log(p.alpha / scale),
    Math.log(p.a),
    Math.log(p.b),
  ];
  const fromTheta = (theta: readonly number[]): BgNbdParams => ({
    r: Math.exp(theta[0] as number),
    alpha: Math.exp(theta[1] as number) * scale,
    a: Math.exp(theta[2] as number),
    b: Math.exp(theta[3] as number),
  });
  const { prior } = options;
  const logPrior = (theta: readonly number[]): number => (prior === undefined ? 0 : bgNbdLogPrior(theta, prior));
  const negativeLogPosterior = (theta: readonly number[]): number =>
    inBox(theta) ? -bgNbdLogLikelihoodOf(fromTheta(theta), data) - logPrior(theta) : Number.POSITIVE_INFINITY;
  const result = minimise(
    (theta) => negativeLogPosterior(theta) / data.count,
    starts.map((start) => toTheta(start).map((value) => Math.min(LOG_MAX - 1, Math.max(LOG_MIN + 1, value)))),
    { maxIterations: options.maxIterations ?? 1500, initialStep: options.initialStep },
  );
  const params = fromTheta(result.x);
  return {
    params,
    logLikelihood: bgNbdLogLikelihoodOf(params, data),
    logPrior: logPrior(result.x),
    covariance: laplaceCovariance(negativeLogPosterior, result.x),
    iterations: result.iterations,
    converged: result.converged,
    atBound: isAtBound(result.x),
    customers: data.count,
  };
}

/**
 * P(alive at T | x, tx, T) = 1 / (1 + δ_(x>0) · a/(b+x−1) · ((α+T)/(α+tx))^(r+x)). Exactly 1 when x = 0:
 * in BG/NBD a customer can only drop out right after a repeat purchase.
 */
export function probabilityAlive(params: BgNbdParams, customer: ClvCustomer): number {
  checkPositive(params);
  checkCustomer(customer);
  return probabilityAliveOf(params, customer);
}

function probabilityAliveOf(params: BgNbdParams, customer: ClvCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  if (x === 0) return 1;
  const logOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/** Below this c = a+b+x−1 the series is ill-conditioned (its 1/(c)_n terms blow up): quadrature instead. */
const SERIES_MIN_C = 0.5;
/** Above this z the series needs thousands of terms (they shrink like z^n): quadrature instead. */
const SERIES_MAX_Z = 0.99;

/**
 * E[Y(t) | x, tx, T]: expected purchases in the next t time units of a customer with history (x, tx, T).
 *
 * The paper's closed form is (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)] ·
 * P(alive), z = t/(α+T+t) ∈ [0, 1). It divides by a − 1, and a is often close to 1, so we apply Euler's
 * transformation, (1−z)^(r+x) · 2F1(r+x, b+x; c; z) = (1−z)^(a−1) · 2F1(c−r−x, a−1; c; z), and write
 * 2F1(·, ε; ·; z) = 1 + ε·S with ε = a − 1: the bracket over ε becomes −expm1(ε ln(1−z))/ε − (1−z)^ε·S, which
 * has no cancellation and tends smoothly to −ln(1−z) − S at a = 1. Two regions go to an integral over the
 * dropout probability instead ({@link expectedPurchasesIntegral}, which agrees with the series to about
 * 1e-13 where both apply): c = a+b+x−1 < 0.5 (only with x = 0 and a + b < 1.5), where the series is
 * ill-conditioned, and z > 0.99 (a horizon beyond 99 × (alpha + T)), where it converges too slowly. So any
 * finite t ≥ 0 works.
 */
export function expectedPurchases(params: BgNbdParams, t: number, customer: ClvCustomer): number {
  checkPositive(params);
  checkCustomer(customer);
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`t must be finite and non-negative, got ${t}`);
  return expectedPurchasesOf(params, t, customer);
}

function expectedPurchasesOf(
  params: BgNbdParams,
  t: number,
  customer: ClvCustomer,
  weightsOf: BetaWeights = betaWeights,
): number {
  if (t === 0) return 0;
  const { r, alpha, a, b } = params;
  const { x, T } = customer;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  if (c < SERIES_MIN_C || z > SERIES_MAX_Z) return expectedPurchasesIntegralOf(params, t, customer, weightsOf);
  const shape = r + x;
  const epsilon = a - 1;
  const logOneMinusZ = -Math.log1p(t / (alpha + T));
  const head = epsilon === 0 ? -logOneMinusZ : -Math.expm1(epsilon * logOneMinusZ) / epsilon;
  const bracket = head - Math.exp(epsilon * logOneMinusZ) * hyp2f1Excess(c - shape, epsilon, c, z);
  return Math.max(0, c * bracket * probabilityAliveOf(params, customer));
}

/**
 * E[Y(t) | x, tx, T] by a route independent of 2F1: given alive at T, λ ~ Gamma(r+x, α+T) and
 * p ~ Beta(a, b+x) a posteriori, and a customer alive with (λ, p) makes (1 − e^(−λpt))/p purchases in t on
 * average, so E = P(alive) · ∫ (1 − (1 + pt/(α+T))^−(r+x)) / p · Beta(p; a, b+x) dp, by tanh-sinh
 * quadrature. Used by {@link expectedPurchases} where the series is ill-conditioned or slow, and by tests.
 */
export function expectedPurchasesIntegral(params: BgNbdParams, t: number, customer: ClvCustomer): number {
  checkPositive(params);
  checkCustomer(customer);
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`t must be finite and non-negative, got ${t}`);
  return expectedPurchasesIntegralOf(params, t, customer);
}

function expectedPurchasesIntegralOf(
  params: BgNbdParams,
  t: number,
  customer: ClvCustomer,
  weightsOf: BetaWeights = betaWeights,
): number {
  if (t === 0) return 0;
  const { r, alpha, a, b } = params;
  const { x, T } = customer;
  const shape = r + x;
  const k = t / (alpha + T);
  // The integrand, per dropout probability p: 0 ≤ it ≤ shape · k, as 1 − (1 + pk)^−shape ≤ shape · pk
  // (Bernoulli); the bound given is twice that, for rounding. Written in the call, not as a named constant:
  // run from the sources (tsx keeps function names), every named closure costs a property definition, and
  // a forecast makes one per customer and parameter set.
  const integral = integrateWeighted(
    (p) => (p * k < 1e-300 ? shape * k : -Math.expm1(-shape * Math.log1p(p * k)) / p),
    weightsOf(a, b + x),
    2 * shape * k,
  );
  return integral * probabilityAliveOf(params, customer);
}

/** The quadrature's weights for the dropout probability's posterior Beta(a, beta). */
type BetaWeights = (a: number, beta: number) => QuadratureWeights;

function betaWeights(a: number, beta: number): QuadratureWeights {
  const logNorm = logBeta(a, beta);
  return unitIntervalWeights((logP, log1mP) => (a - 1) * logP + (beta - 1) * log1mP - logNorm);
}

/**
 * {@link betaWeights} remembered by their exact inputs, for one group of customers: a forecast's customers
 * with the same x share the density, whatever their T, so its weights (a logarithm and an exponential per
 * node) are computed once per parameter set and x rather than once per customer. The same numbers, so the
 * same sums, bit for bit.
 */
function rememberedBetaWeights(): BetaWeights {
  const known = new Map<number, Map<number, QuadratureWeights>>();
  return (a, beta) => {
    let byBeta = known.get(a);
    if (byBeta === undefined) {
      byBeta = new Map();
      known.set(a, byBeta);
    }
    let weights = byBeta.get(beta);
    if (weights === undefined) {
      weights = betaWeights(a, beta);
      byBeta.set(beta, weights);
    }
    return weights;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Gamma-Gamma

interface SpendData {
  readonly count: number;
  readonly distinctX: Float64Array;
  readonly group: Int32Array;
  readonly x: Float64Array;
  readonly m: Float64Array;
  /** ln m and ln x per customer, which the likelihood needs at every evaluation and never change. */
  readonly logM: Float64Array;
  readonly logX: Float64Array;
}

function hasSpend(customer: ClvCustomer): boolean {
  const m = customer.monetaryValue;
  return customer.x >= 1 && m !== undefined && Number.isFinite(m) && m > 0;
}

function prepareSpend(customers: readonly ClvCustomer[]): SpendData {
  const used = customers.filter((customer) => {
    checkCustomer(customer);
    return hasSpend(customer);
  });
  const index = new Map<number, number>();
  const distinct: number[] = [];
  const group = new Int32Array(used.length);
  used.forEach((customer, i) => {
    let g = index.get(customer.x);
    if (g === undefined) {
      g = distinct.length;
      index.set(customer.x, g);
      distinct.push(customer.x);
    }
    group[i] = g;
  });
  const x = Float64Array.from(used, (c) => c.x);
  const m = Float64Array.from(used, (c) => c.monetaryValue as number);
  return {
    count: used.length,
    distinctX: Float64Array.from(distinct),
    group,
    x,
    m,
    logM: m.map(Math.log),
    logX: x.map(Math.log),
  };
}

function spendLogLikelihoodOf(params: GammaGammaParams, data: SpendData): number {
  const { p, q, v } = params;
  const constant = data.distinctX.map((x) => logGamma(p * x + q) - logGamma(p * x) - logGamma(q) + q * Math.log(v));
  let total = 0;
  for (let i = 0; i < data.count; i++) {
    const x = data.x[i] as number;
    const m = data.m[i] as number;
    const px = p * x;
    total +=
      (constant[data.group[i] as number] as number) +
      (px - 1) * (data.logM[i] as number) +
      px * (data.logX[i] as number) -
      (px + q) * Math.log(v + m * x);
  }
  return total;
}

/**
 * Gamma-Gamma log-likelihood of the customers with x ≥ 1 and a positive `monetaryValue` (others are
 * skipped: they carry no information on spend). The density of the mean m of x transactions is
 * Γ(px+q)/(Γ(px)Γ(q)) · v^q · x^(px) · m^(px−1) / (v + x·m)^(px+q).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: readonly ClvCustomer[]): number {
  checkPositive(params);
  return spendLogLikelihoodOf(params, prepareSpend(customers));
}

/**
 * Maximum-likelihood Gamma-Gamma on the customers with x ≥ 1 and a positive `monetaryValue`, over
 * (ln p, ln q, ln(v/s)) with s their mean spend, from four starting points (or `options.starts`), then
 * restarts. A fit with q ≤ 1 has an infinite population mean spend: {@link fitClvModels} rejects it.
 */
export function fitGammaGamma(
  customers: readonly ClvCustomer[],
  options: FitOptions<GammaGammaParams> & { readonly prior?: GammaGammaPrior | undefined } = {},
): GammaGammaFit {
  const data = prepareSpend(customers);
  if (data.count === 0) throw new RangeError('fitGammaGamma needs a customer with x ≥ 1 and a monetaryValue');
  const scale = meanOf(Array.from(data.m));
  // Starts match the observed mean spend, E[m] = p·v/(q − 1), for different shapes.
  const starts = options.starts ?? [
    { p: 1, q: 2, v: scale },
    { p: 4, q: 4, v: (scale * 3) / 4 },
    { p: 10, q: 10, v: (scale * 9) / 10 },
    { p: 2, q: 1.5, v: scale / 4 },
  ];
  const toTheta = (s: GammaGammaParams): number[] => [Math.log(s.p), Math.log(s.q), Math.log(s.v / scale)];
  const fromTheta = (theta: readonly number[]): GammaGammaParams => ({
    p: Math.exp(theta[0] as number),
    q: Math.exp(theta[1] as number),
    v: Math.exp(theta[2] as number) * scale,
  });
  const { prior } = options;
  const logPrior = (theta: readonly number[]): number => (prior === undefined ? 0 : gammaGammaLogPrior(theta, prior));
  const negativeLogPosterior = (theta: readonly number[]): number =>
    inBox(theta) ? -spendLogLikelihoodOf(fromTheta(theta), data) - logPrior(theta) : Number.POSITIVE_INFINITY;
  const result = minimise(
    (theta) => negativeLogPosterior(theta) / data.count,
    starts.map((start) => toTheta(start).map((value) => Math.min(LOG_MAX - 1, Math.max(LOG_MIN + 1, value)))),
    { maxIterations: options.maxIterations ?? 1500, initialStep: options.initialStep },
  );
  const params = fromTheta(result.x);
  return {
    params,
    logLikelihood: spendLogLikelihoodOf(params, data),
    logPrior: logPrior(result.x),
    covariance: laplaceCovariance(negativeLogPosterior, result.x),
    iterations: result.iterations,
    converged: result.converged,
    atBound: isAtBound(result.x),
    customers: data.count,
  };
}

/**
 * E[value of a transaction | x, m] = p(v + x·m) / (p·x + q − 1): the customer's mean m weighed against the
 * population mean p·v/(q − 1), more heavily the more transactions they made. With x = 0 or no
 * `monetaryValue` it is the population mean. Infinite when the denominator is not positive (q ≤ 1 with
 * little history), the model's way of saying the mean does not exist.
 */
export function expectedAverageValue(params: GammaGammaParams, customer: ClvCustomer): number {
  checkPositive(params);
  const { p, q, v } = params;
  const known = hasSpend(customer);
  const x = known ? customer.x : 0;
  const m = known ? (customer.monetaryValue as number) : 0;
  const denominator = p * x + q - 1;
  return denominator > 0 ? (p * (v + x * m)) / denominator : Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------------------
// Lifetime value

/** Horizon and discounting of a CLV prediction. Times in days: the models must have been fitted in days. */
export interface ClvOptions {
  readonly horizonDays: number;
  /** Length of the discounting periods. Default one month, {@link DAYS_PER_MONTH}. */
  readonly periodDays?: number;
  /** Discount rate per month, e.g. 0.01. Default 0: no discounting. */
  readonly monthlyDiscountRate?: number;
}

/** A customer's predicted lifetime value over a horizon, with its ingredients. */
export interface ClvEstimate {
  /** Discounted expected purchases × expected average value, in the unit of the monetary values. */
  readonly clv: number;
  /** Expected purchases over the horizon, undiscounted. */
  readonly expectedPurchases: number;
  /** Expected value of each of those purchases. */
  readonly averageValue: number;
  /** P(alive) now, from the model that predicted the purchases. */
  readonly probabilityAlive: number;
}

/** Σ_k (F(t_k) − F(t_(k−1))) · (1 + d)^(−t_k / month) for the cumulative purchases F. */
function discountedPurchases(cumulative: (t: number) => number, options: ClvOptions): number {
  const { horizonDays } = options;
  const period = options.periodDays ?? DAYS_PER_MONTH;
  const rate = options.monthlyDiscountRate ?? 0;
  if (!(horizonDays >= 0 && Number.isFinite(horizonDays))) {
    throw new RangeError(`horizonDays must be finite and non-negative, got ${horizonDays}`);
  }
  if (!(period > 0)) throw new RangeError(`periodDays must be positive, got ${period}`);
  if (!(rate > -1)) throw new RangeError(`monthlyDiscountRate must be above −1, got ${rate}`);
  if (rate === 0) return cumulative(horizonDays);
  let total = 0;
  let previous = 0;
  const periods = Math.ceil(horizonDays / period);
  for (let k = 1; k <= periods; k++) {
    const end = Math.min(k * period, horizonDays);
    const reached = cumulative(end);
    total += (reached - previous) * (1 + rate) ** (-end / DAYS_PER_MONTH);
    previous = reached;
  }
  return total;
}

/**
 * CLV of one customer from fitted BG/NBD and Gamma-Gamma parameters (fitted in days):
 * value · Σ_k (E[Y(t_k)] − E[Y(t_(k−1))]) · (1 + d)^(−t_k / month), see the module documentation.
 */
export function predictClv(
  models: { readonly bgNbd: BgNbdParams; readonly gammaGamma: GammaGammaParams },
  customer: ClvCustomer,
  options: ClvOptions,
): ClvEstimate {
  checkPositive(models.bgNbd);
  checkCustomer(customer);
  const averageValue = expectedAverageValue(models.gammaGamma, customer);
  return predictWith(
    (t) => expectedPurchasesOf(models.bgNbd, t, customer),
    probabilityAliveOf(models.bgNbd, customer),
    averageValue,
    options,
  );
}

function predictWith(
  cumulative: (t: number) => number,
  alive: number,
  averageValue: number,
  options: ClvOptions,
): ClvEstimate {
  const discounted = discountedPurchases(cumulative, options);
  // Undiscounted, the discounted purchases are the expected ones: computed once (it is a series or a
  // quadrature, and every assessment asks for it).
  const expected = (options.monthlyDiscountRate ?? 0) === 0 ? discounted : cumulative(options.horizonDays);
  return {
    clv: discounted === 0 ? 0 : discounted * averageValue,
    expectedPurchases: expected,
    averageValue,
    probabilityAlive: alive,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Heuristic for thin data

/** The store-level quantities the heuristic shrinks towards. Finite, so it stores as JSON. */
export interface HeuristicClvModel {
  /** ρ = Σ x / Σ tx over repeat customers: purchases per time unit while active (1 / ḡ). */
  readonly meanPurchaseRate: number;
  /** m̄ = Σ x·m / Σ x over repeat customers with a value; else the mean of positive values; else 0. */
  readonly meanValue: number;
}

/** The store means of the heuristic (see the module documentation). Never fails on valid customers. */
export function fitHeuristic(customers: readonly ClvCustomer[]): HeuristicClvModel {
  let purchases = 0;
  let activeTime = 0;
  let exposure = 0;
  let valueWeight = 0;
  let valueSum = 0;
  const otherValues: number[] = [];
  for (const customer of customers) {
    checkCustomer(customer);
    exposure += customer.T;
    if (customer.x >= 1) {
      purchases += customer.x;
      activeTime += customer.tx;
    }
    if (hasSpend(customer)) {
      valueWeight += customer.x;
      valueSum += customer.x * (customer.monetaryValue as number);
    } else if (customer.monetaryValue !== undefined && customer.monetaryValue > 0) {
      otherValues.push(customer.monetaryValue);
    }
  }
  let rate: number;
  if (customers.length === 0) rate = 0;
  // No repeat purchase in all that exposure: as far as we can tell, at most one per that much time.
  else if (purchases === 0) rate = 1 / Math.max(exposure, 1);
  // Repeat purchases all on the first day would give an infinite rate; one per 1e-9 of the exposure is the cap.
  else rate = purchases / Math.max(activeTime, 1e-9 * Math.max(exposure, 1));
  const meanValue = valueWeight > 0 ? valueSum / valueWeight : otherValues.length > 0 ? meanOf(otherValues) : 0;
  return { meanPurchaseRate: rate, meanValue };
}

/**
 * The customer's purchase rate, 1 / g_i with g_i = (tx + k/ρ) / (x + k) their own inter-purchase time
 * shrunk towards the store's; written as ρ(x + k) / (ρ·tx + k) so that ρ = 0 (no customers) gives 0.
 */
function heuristicRate(model: HeuristicClvModel, customer: ClvCustomer): number {
  const k = HEURISTIC_PRIOR_PURCHASES;
  const rho = model.meanPurchaseRate;
  return (rho * (customer.x + k)) / (rho * customer.tx + k);
}

/** Heuristic P(alive) = exp(−(T − tx) / g_i), g_i the shrunk inter-purchase time. */
export function heuristicProbabilityAlive(model: HeuristicClvModel, customer: ClvCustomer): number {
  checkCustomer(customer);
  return Math.exp(-(customer.T - customer.tx) * heuristicRate(model, customer));
}

/** Heuristic expected purchases in the next t: P(alive) · t / g_i (no further dropout). */
export function heuristicExpectedPurchases(model: HeuristicClvModel, t: number, customer: ClvCustomer): number {
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`t must be finite and non-negative, got ${t}`);
  return heuristicProbabilityAlive(model, customer) * t * heuristicRate(model, customer);
}

/**
 * Heuristic average value: (x·m + k_v·m̄) / (x + k_v), or m̄ without a repeat value of the customer's own;
 * while the store has no m̄, the customer's own value.
 */
export function heuristicAverageValue(model: HeuristicClvModel, customer: ClvCustomer): number {
  // A store with no value to learn from yet: the customer's own orders are the only estimate there is.
  if (model.meanValue <= 0) return Math.max(0, customer.monetaryValue ?? 0);
  if (!hasSpend(customer)) return model.meanValue;
  const k = HEURISTIC_PRIOR_TRANSACTIONS;
  return (customer.x * (customer.monetaryValue as number) + k * model.meanValue) / (customer.x + k);
}

// ---------------------------------------------------------------------------------------------------------
// Choosing a method

/** How much to trust a store's CLV models. */
export type ClvConfidence = 'high' | 'medium' | 'low';

/**
 * Which models a prediction uses; see the module documentation for when each applies.
 * 'maximum-likelihood' is only read: models stored before the fits had priors used it for what is now
 * 'maximum-a-posteriori'.
 */
export type ClvMethod =
  | 'maximum-a-posteriori'
  | 'maximum-likelihood'
  | 'bg-nbd-with-heuristic-value'
  | 'heuristic-fallback';

/** A covariance matrix of log-parameters, as plain data. */
export type Covariance = readonly (readonly number[])[];

/**
 * The parameters a prediction needs: plain, finite data, so it can be stored as is and given back to
 * {@link predictCustomerClv}. Purchases come from `bgNbd` unless the method is 'heuristic-fallback', value
 * from `gammaGamma` only with both models fitted; whatever is missing falls to the heuristic.
 */
export interface ClvModelParams {
  readonly method: ClvMethod;
  readonly bgNbd?: BgNbdParams | undefined;
  /** Laplace covariance of ln r, ln alpha, ln a, ln b. Absent from models stored before it was kept. */
  readonly bgNbdCovariance?: Covariance | undefined;
  readonly gammaGamma?: GammaGammaParams | undefined;
  readonly heuristic: HeuristicClvModel;
}

/** What {@link fitClvModels} settled on, how far to trust it, why, and the fits behind it. */
export interface ClvModels extends ClvModelParams {
  readonly confidence: ClvConfidence;
  /** Plain-words reasons the confidence is below 'high'; empty when it is 'high'. */
  readonly reasons: readonly string[];
  /** Every fit attempted, kept for diagnostics even when rejected. */
  readonly fits: { readonly bgNbd?: BgNbdFit | undefined; readonly gammaGamma?: GammaGammaFit | undefined };
  /** Customers given, and those with a repeat purchase. */
  readonly customers: number;
  readonly repeatCustomers: number;
  /** The store's purchase forecast over `confidenceHorizon`, from which the confidence is set. */
  readonly forecast: PurchaseForecast;
}

/** Settings of {@link fitClvModels}. */
export interface FitClvOptions {
  /** Iteration limit of each Nelder–Mead run of both fits. Default 1,500. */
  readonly maxIterations?: number;
  /**
   * Parameters of an earlier fit (yesterday's model): each fit starts from them alone, which takes a
   * third of the work, and falls back to the usual starting points when that start does not converge.
   */
  readonly warmStart?: { readonly bgNbd?: BgNbdParams | undefined; readonly gammaGamma?: GammaGammaParams | undefined };
  /** The horizon of the store forecast that sets the confidence, in the customers' time unit. Default 365. */
  readonly confidenceHorizon?: number;
  /** Priors of the fits; default {@link BG_NBD_PRIOR} and {@link GAMMA_GAMMA_PRIOR}. */
  readonly priors?: { readonly bgNbd: BgNbdPrior; readonly gammaGamma: GammaGammaPrior };
}

/** Yesterday's parameters are within a few percent of today's: ln-units of the first simplex around them. */
const WARM_START_STEP = 0.05;

/** A fit from one warm start, or from the default starts when there is none or it leads nowhere. */
function fitFrom<P, F extends ModelFit<P>>(
  run: (options: FitOptions<P>) => F,
  base: FitOptions<P>,
  warm: P | undefined,
): F {
  if (warm !== undefined) {
    // Near the optimum already: a small first simplex, so that the search stays there.
    const warmFit = run({ ...base, starts: [warm], initialStep: WARM_START_STEP });
    if (fitProblem(warmFit) === undefined) return warmFit;
  }
  return run(base);
}

function fitProblem(fit: ModelFit<unknown>): string | undefined {
  if (!Number.isFinite(fit.logLikelihood)) return 'the log-likelihood is not finite';
  if (!fit.converged) return 'the fit did not converge';
  if (fit.atBound) return 'a parameter ended at the edge of the search box';
  return undefined;
}

/**
 * The store forecast the confidence is read from: with the one-time buyers' curves, unless the spread is so
 * near a threshold of the label or a rounding of its percentage that the curves' error could move it
 * across: then buyer by buyer. Either way the label and the percentage are the buyer by buyer ones.
 */
function reportedForecast(models: ClvModelParams, customers: readonly ClvCustomer[], t: number): PurchaseForecast {
  const { forecast, spreadError } = storeForecast(models, customers, t, true);
  if (spreadError === 0) return forecast;
  const spread = forecast.relativeSpread;
  const at = (relativeSpread: number) => {
    const moved = { ...forecast, relativeSpread };
    return `${confidenceOf(moved)} ${percent(relativeSpread)}`;
  };
  const margin = 2 * spreadError;
  if (margin < 1e-3 && at(spread * (1 - margin)) === at(spread * (1 + margin))) return forecast;
  return forecastPurchases(models, customers, t);
}

/** The confidence label of a store forecast (thresholds in {@link CONFIDENCE_SPREAD}). */
export function confidenceOf(forecast: PurchaseForecast): ClvConfidence {
  const spread = forecast.relativeSpread;
  if (spread <= CONFIDENCE_SPREAD.high) return 'high';
  if (spread <= CONFIDENCE_SPREAD.medium) return 'medium';
  return 'low';
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value * 100)}%` : 'unbounded';
}

/**
 * Fits BG/NBD and Gamma-Gamma by maximum a posteriori when the data allow it, and falls back to the
 * heuristic when not (rule in the module documentation). Always returns usable models: predict with
 * {@link predictCustomerClv}; the confidence comes from how uncertain the store's own forecast is.
 */
export function fitClvModels(customers: readonly ClvCustomer[], options: FitClvOptions = {}): ClvModels {
  const heuristic = fitHeuristic(customers);
  const repeatCustomers = customers.filter((customer) => customer.x >= 1).length;
  const counts = { customers: customers.length, repeatCustomers };
  const horizon = options.confidenceHorizon ?? 365;
  const priors = options.priors ?? { bgNbd: BG_NBD_PRIOR, gammaGamma: GAMMA_GAMMA_PRIOR };
  const fallback = (reason: string, bgNbd?: BgNbdFit): ClvModels => {
    const params: ClvModelParams = { method: 'heuristic-fallback', heuristic };
    return {
      ...params,
      confidence: 'low',
      reasons: [reason],
      fits: { bgNbd },
      ...counts,
      forecast: forecastPurchases(params, customers, horizon),
    };
  };
  if (repeatCustomers === 0) {
    return fallback(`no repeat purchase among ${customers.length} customers: no purchase rate to learn`);
  }
  const fitOptions = options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations };
  const bgNbd = fitFrom(
    (o) => fitBgNbd(customers, { ...o, prior: priors.bgNbd }),
    fitOptions,
    options.warmStart?.bgNbd,
  );
  const bgNbdProblem = fitProblem(bgNbd);
  if (bgNbdProblem !== undefined) return fallback(`BG/NBD: ${bgNbdProblem}`, bgNbd);

  const withValue = customers.filter(hasSpend).length;
  let gammaGamma: GammaGammaFit | undefined;
  let spendProblem: string | undefined;
  if (withValue === 0) {
    spendProblem = 'no repeat customer with a value';
  } else {
    gammaGamma = fitFrom(
      (o) => fitGammaGamma(customers, { ...o, prior: priors.gammaGamma }),
      fitOptions,
      options.warmStart?.gammaGamma,
    );
    spendProblem = fitProblem(gammaGamma);
    if (spendProblem === undefined && gammaGamma.params.q <= 1) spendProblem = 'q ≤ 1, an infinite mean spend';
    if (spendProblem !== undefined) spendProblem = `Gamma-Gamma: ${spendProblem}`;
  }
  const params: ClvModelParams = {
    method: spendProblem === undefined ? 'maximum-a-posteriori' : 'bg-nbd-with-heuristic-value',
    bgNbd: bgNbd.params,
    bgNbdCovariance: bgNbd.covariance,
    gammaGamma: spendProblem === undefined ? gammaGamma?.params : undefined,
    heuristic,
  };
  const forecast = reportedForecast(params, customers, horizon);
  let confidence = confidenceOf(forecast);
  const reasons: string[] = [];
  if (confidence !== 'high') {
    reasons.push(
      `the store's forecast of purchases over the next ${horizon} days is uncertain by ±${percent(forecast.relativeSpread)} (80% interval), from ${customers.length} customers, ${repeatCustomers} with a repeat purchase`,
    );
  }
  if (spendProblem !== undefined) {
    reasons.push(spendProblem);
    if (confidence === 'high') confidence = 'medium';
  }
  return { ...params, confidence, reasons, fits: { bgNbd, gammaGamma }, ...counts, forecast };
}

/** CLV of one customer from what {@link fitClvModels} settled on, or the same data read back from storage. */
export function predictCustomerClv(models: ClvModelParams, customer: ClvCustomer, options: ClvOptions): ClvEstimate {
  checkCustomer(customer);
  const purchases = purchaseParams(models);
  const spend = usesSpendModel(models) ? models.gammaGamma : undefined;
  return predictWith(
    purchases === undefined
      ? (t) => heuristicExpectedPurchases(models.heuristic, t, customer)
      : (t) => expectedPurchasesOf(purchases, t, customer),
    purchases === undefined
      ? heuristicProbabilityAlive(models.heuristic, customer)
      : probabilityAliveOf(purchases, customer),
    spend === undefined ? heuristicAverageValue(models.heuristic, customer) : expectedAverageValue(spend, customer),
    options,
  );
}

function purchaseParams(models: ClvModelParams): BgNbdParams | undefined {
  const purchases = models.method === 'heuristic-fallback' ? undefined : models.bgNbd;
  if (purchases !== undefined) checkPositive(purchases);
  return purchases;
}

function usesSpendModel(models: ClvModelParams): boolean {
  return models.method === 'maximum-a-posteriori' || models.method === 'maximum-likelihood';
}

// ---------------------------------------------------------------------------------------------------------
// Uncertainty

/**
 * The BG/NBD parameter sets that stand for the estimate's uncertainty: the 2d points θ̂ ± √d·L·e_i of the
 * spherical cubature rule, θ = (ln r, ln alpha, ln a, ln b), L the Cholesky factor of the Laplace
 * covariance. With equal weights they have exactly the mean and covariance of that normal, so averages
 * over them are deterministic (no sampling, no randomness) and cost 2d = 8 evaluations. Without a
 * covariance (models stored before it was kept), the estimate alone.
 */
export function bgNbdParameterPoints(params: BgNbdParams, covariance: Covariance | undefined): BgNbdParams[] {
  checkPositive(params);
  const lower = covariance === undefined ? undefined : cholesky(covariance);
  if (lower === undefined) return [params];
  const theta = [Math.log(params.r), Math.log(params.alpha), Math.log(params.a), Math.log(params.b)];
  const d = theta.length;
  const points: BgNbdParams[] = [];
  for (let axis = 0; axis < d; axis++) {
    for (const sign of [1, -1]) {
      const point = theta.map((value, i) => value + sign * Math.sqrt(d) * ((lower[i] as number[])[axis] as number));
      points.push({
        r: Math.exp(point[0] as number),
        alpha: Math.exp(point[1] as number),
        a: Math.exp(point[2] as number),
        b: Math.exp(point[3] as number),
      });
    }
  }
  return points;
}

/** Tails stop once below this: far enough for 80% quantiles and for variances to 1e-9. */
const TAIL_EPSILON = 1e-12;
/** A bound on the tails' length, for customers with thousands of purchases in the horizon. */
const TAIL_MAX_LENGTH = 100_000;

/**
 * P(Y(t) ≥ k | x, tx, T) for k = 1, 2, … (index k − 1) under BG/NBD, exactly: given alive at T the
 * customer's λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) independently, and k purchases in t need k events of
 * the Poisson process and k − 1 survived dropouts, so
 * P(Y ≥ k) = P(alive) · B(a, b+x+k−1)/B(a, b+x) · P(N ≥ k), N negative binomial (r+x, (α+T)/(α+T+t)).
 * Σ_k P(Y ≥ k) is {@link expectedPurchases} (tested).
 */
function bgNbdTails(params: BgNbdParams, t: number, customer: ClvCustomer, epsilon = TAIL_EPSILON): number[] {
  const tails: number[] = [];
  if (t === 0) return tails;
  const { r, alpha, a, b } = params;
  const { x, T } = customer;
  const shape = r + x;
  const base = alpha + T;
  const logP0 = -shape * Math.log1p(t / base);
  const z = t / (base + t);
  const alive = probabilityAliveOf(params, customer);
  let pmf = Math.exp(logP0);
  let negativeBinomialTail = -Math.expm1(logP0);
  let survival = 1;
  for (let k = 1; k <= TAIL_MAX_LENGTH; k++) {
    const tail = alive * survival * negativeBinomialTail;
    if (!(tail > epsilon)) break;
    tails.push(tail);
    // Next: P(N ≥ k+1) = P(N ≥ k) − P(N = k); B(a, b+x+k)/B(a, b+x+k−1) = (b+x+k−1)/(a+b+x+k−1).
    pmf *= ((shape + k - 1) / k) * z;
    negativeBinomialTail -= pmf;
    survival *= (b + x + k - 1) / (a + b + x + k - 1);
  }
  return tails;
}

/** The heuristic's tails: P(alive) · P(Poisson(t / g_i) ≥ k). */
function heuristicTails(model: HeuristicClvModel, t: number, customer: ClvCustomer, epsilon = TAIL_EPSILON): number[] {
  const tails: number[] = [];
  const mean = t * heuristicRate(model, customer);
  if (!(mean > 0)) return tails;
  const alive = heuristicProbabilityAlive(model, customer);
  let pmf = Math.exp(-mean);
  let poissonTail = -Math.expm1(-mean);
  for (let k = 1; k <= TAIL_MAX_LENGTH; k++) {
    const tail = alive * poissonTail;
    if (!(tail > epsilon)) break;
    tails.push(tail);
    pmf *= mean / k;
    poissonTail -= pmf;
  }
  return tails;
}

/** The tails of a customer's purchases in t under each parameter set standing for the models' uncertainty. */
function tailsUnderUncertainty(models: ClvModelParams, t: number, customer: ClvCustomer): number[][] {
  const purchases = purchaseParams(models);
  if (purchases === undefined) return [heuristicTails(models.heuristic, t, customer)];
  return bgNbdParameterPoints(purchases, models.bgNbdCovariance).map((params) => bgNbdTails(params, t, customer));
}

/** An interval of a prediction, at {@link INTERVAL_LEVEL}. */
export interface PredictionInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * The 80% interval of a customer's purchases in the next t: the 10th and 90th percentiles of their count,
 * with the process noise of their own purchases (exact under BG/NBD, Poisson under the heuristic) and the
 * parameters' uncertainty (an equal mixture over {@link bgNbdParameterPoints}). Whole purchases.
 */
export function predictPurchaseInterval(models: ClvModelParams, customer: ClvCustomer, t: number): PredictionInterval {
  checkCustomer(customer);
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`t must be finite and non-negative, got ${t}`);
  const sets = tailsUnderUncertainty(models, t, customer);
  // P(Y ≥ k) of the mixture, k ≥ 1.
  const tail = (k: number): number => sets.reduce((total, tails) => total + (tails[k - 1] ?? 0), 0) / sets.length;
  const quantile = (probability: number): number => {
    let k = 0;
    while (1 - tail(k + 1) < probability) k++;
    return k;
  };
  const outside = (1 - INTERVAL_LEVEL) / 2;
  return { low: quantile(outside), high: quantile(1 - outside) };
}

/**
 * When the customer will have bought again, with a probability of one half: the time s from now with
 * P(alive) · P(a purchase in s | alive) = 1/2. Under BG/NBD P(a purchase in s | alive) = 1 − ((α+T)/(α+T+s))^(r+x),
 * so s = (α+T) · ((1 − 1/(2·P(alive)))^(−1/(r+x)) − 1); under the heuristic s = −g_i · ln(1 − 1/(2·P(alive))).
 * Undefined when P(alive) ≤ 1/2: the model finds the customer more likely gone than not, and a
 * customer who is gone never buys again. In the customers' time unit (days in the product).
 */
export function timeToNextPurchase(models: ClvModelParams, customer: ClvCustomer): number | undefined {
  checkCustomer(customer);
  const purchases = purchaseParams(models);
  const alive =
    purchases === undefined
      ? heuristicProbabilityAlive(models.heuristic, customer)
      : probabilityAliveOf(purchases, customer);
  if (!(alive > 0.5)) return undefined;
  const logRemaining = Math.log1p(-0.5 / alive);
  if (purchases === undefined) {
    const rate = heuristicRate(models.heuristic, customer);
    return rate > 0 ? -logRemaining / rate : undefined;
  }
  return (purchases.alpha + customer.T) * Math.expm1(-logRemaining / (purchases.r + customer.x));
}

/** A forecast of a group of customers' purchases in the next t. */
export interface PurchaseForecast {
  readonly horizon: number;
  /** Σ of the customers' expected purchases, at the estimated parameters. */
  readonly expected: number;
  /** Standard deviation of the total: the customers' own process noise and the parameters' uncertainty. */
  readonly sd: number;
  /** The 80% interval, expected ± 1.28 sd (normal approximation of a sum of many counts), at least 0. */
  readonly low: number;
  readonly high: number;
  /** Half the interval's width over the expected total: what the confidence label is read from. */
  readonly relativeSpread: number;
}

/**
 * The total purchases of `customers` in the next t, with the 80% interval: variance = Σ_i Var(Y_i) at the
 * estimate (each customer's own count, independent given the parameters) + the variance of Σ_i E[Y_i] over
 * {@link bgNbdParameterPoints} (the parameters' uncertainty, shared by all the customers).
 */
export function forecastPurchases(
  models: ClvModelParams,
  customers: readonly ClvCustomer[],
  t: number,
): PurchaseForecast {
  return storeForecast(models, customers, t, false).forecast;
}

/**
 * {@link forecastPurchases}, and with `curves` the one-time buyers' part of the parameters' uncertainty
 * read from one curve per parameter set ({@link oneTimeBuyerCurve}) instead of a quadrature per buyer and
 * parameter set. `spreadError` bounds, relative, how far that may move `relativeSpread` from the buyer by
 * buyer figure (0 without curves): the estimate itself is not touched, only the spread's last digits.
 */
function storeForecast(
  models: ClvModelParams,
  customers: readonly ClvCustomer[],
  t: number,
  curves: boolean,
): { readonly forecast: PurchaseForecast; readonly spreadError: number } {
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`t must be finite and non-negative, got ${t}`);
  const purchases = purchaseParams(models);
  const points = purchases === undefined ? [] : bgNbdParameterPoints(purchases, models.bgNbdCovariance);
  const totals = new Float64Array(points.length);
  const weightsOf = rememberedBetaWeights();
  // One-time buyers differ by T alone: with enough of them, one curve per parameter set serves them all.
  let oneTime = 0;
  let lowT = Number.POSITIVE_INFINITY;
  let highT = 0;
  if (curves && points.length > 1) {
    for (const customer of customers) {
      if (customer.x !== 0) continue;
      oneTime++;
      lowT = Math.min(lowT, customer.T);
      highT = Math.max(highT, customer.T);
    }
  }
  const curveOf =
    oneTime >= MIN_BUYERS_PER_CURVE
      ? points.map((params) => oneTimeBuyerCurve(params, t, lowT, highT, weightsOf))
      : points.map(() => undefined);
  // Σ over one-time buyers read from curves, per parameter set: the scale of what the curves' error moves.
  const fromCurves = new Float64Array(points.length);
  let expected = 0;
  let processVariance = 0;
  for (const customer of customers) {
    checkCustomer(customer);
    const tails =
      purchases === undefined ? heuristicTails(models.heuristic, t, customer) : bgNbdTails(purchases, t, customer);
    let mean = 0;
    let square = 0;
    tails.forEach((tail, index) => {
      mean += tail;
      square += (2 * index + 1) * tail;
    });
    expected += mean;
    processVariance += Math.max(0, square - mean * mean);
    for (let j = 0; j < points.length; j++) {
      const curve = customer.x === 0 ? curveOf[j] : undefined;
      const value =
        curve === undefined
          ? expectedPurchasesOf(points[j] as BgNbdParams, t, customer, weightsOf)
          : curve.at(customer.T);
      if (curve !== undefined) fromCurves[j] = (fromCurves[j] as number) + value;
      totals[j] = (totals[j] as number) + value;
    }
  }
  let parameterVariance = 0;
  let largestDeviation = 0;
  if (points.length > 1) {
    const centre = totals.reduce((total, value) => total + value, 0) / points.length;
    parameterVariance = totals.reduce((total, value) => total + (value - centre) ** 2, 0) / points.length;
    for (const value of totals) largestDeviation = Math.max(largestDeviation, Math.abs(value - centre));
  }
  const sd = Math.sqrt(processVariance + parameterVariance);
  // Each total is off by at most e (the curves' relative error times the buyers' sum); the variance by at
  // most 4e·(largest deviation + e), and the spread, a square root of it, relatively by less than that over
  // the variance.
  let totalError = 0;
  curveOf.forEach((curve, j) => {
    if (curve !== undefined) totalError = Math.max(totalError, curve.relativeError * (fromCurves[j] as number));
  });
  const variance = processVariance + parameterVariance;
  const spreadError =
    totalError === 0 ? 0 : variance > 0 ? (4 * totalError * (largestDeviation + totalError)) / variance : 1;
  return {
    forecast: {
      horizon: t,
      expected,
      sd,
      low: Math.max(0, expected - Z_INTERVAL * sd),
      high: expected + Z_INTERVAL * sd,
      relativeSpread: expected > 0 ? (Z_INTERVAL * sd) / expected : Number.POSITIVE_INFINITY,
    },
    spreadError,
  };
}

/** Chebyshev nodes of a one-time buyers' curve; twice as many buyers, or the curve does not pay. */
const CURVE_NODES = 32;
const MIN_BUYERS_PER_CURVE = 2 * CURVE_NODES;
/** A curve whose last coefficients are above this, relative, is not trusted: its buyers are summed one by one. */
const CURVE_TOLERANCE = 1e-11;
/** The error assumed of a trusted curve: its last coefficients' size times this (they fall geometrically). */
const CURVE_SAFETY = 100;

/**
 * E[Y(t) | x = 0, T] for every T in [lowT, highT] under one parameter set, as a Chebyshev series in
 * ln(α + T) from {@link CURVE_NODES} values computed as {@link expectedPurchasesOf} computes them. A one-time
 * buyer's expectation depends on T alone, through t/(α + T), and is analytic in ln(α + T) within a strip
 * of half-width π (its singularity is at t/(α + T) = −1): the series converges geometrically, and its last
 * coefficients tell how far it is from the values. Undefined when they are not small enough.
 */
function oneTimeBuyerCurve(
  params: BgNbdParams,
  t: number,
  lowT: number,
  highT: number,
  weightsOf: BetaWeights,
): { readonly at: (T: number) => number; readonly relativeError: number } | undefined {
  const { alpha } = params;
  const low = Math.log(alpha + lowT);
  const high = Math.log(alpha + highT);
  const middle = (low + high) / 2;
  const half = (high - low) / 2;
  const n = CURVE_NODES;
  const values = new Float64Array(n);
  let largest = 0;
  for (let m = 0; m < n; m++) {
    const T = Math.min(highT, Math.max(lowT, Math.exp(middle + half * Math.cos((Math.PI * (m + 0.5)) / n)) - alpha));
    values[m] = expectedPurchasesOf(params, t, { x: 0, tx: 0, T }, weightsOf);
    largest = Math.max(largest, Math.abs(values[m] as number));
  }
  const coefficients = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let m = 0; m < n; m++) sum += (values[m] as number) * Math.cos((Math.PI * k * (m + 0.5)) / n);
    coefficients[k] = (2 / n) * sum;
  }
  const tail = Math.max(
    Math.abs(coefficients[n - 1] as number),
    Math.abs(coefficients[n - 2] as number),
    Math.abs(coefficients[n - 3] as number),
  );
  if (!(largest > 0) || !(tail <= CURVE_TOLERANCE * largest)) return undefined;
  return {
    // Relative to the smallest value a buyer can have: the curve decreases with T, and is positive.
    relativeError: (CURVE_SAFETY * Math.max(tail, Number.EPSILON * largest)) / Math.min(...values),
    at: (T) => {
      if (half === 0) return values[0] as number;
      const y = (Math.log(alpha + T) - middle) / half;
      let next = 0;
      let after = 0;
      for (let k = n - 1; k >= 1; k--) {
        const current = 2 * y * next - after + (coefficients[k] as number);
        after = next;
        next = current;
      }
      return y * next - after + (coefficients[0] as number) / 2;
    },
  };
}
