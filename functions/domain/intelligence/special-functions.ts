/**
 * Special functions for the customer-lifetime models (functions/domain/intelligence/clv.ts): log-gamma,
 * log-beta, the Gaussian hypergeometric function 2F1 and a tanh-sinh quadrature. Pure numbers in, numbers
 * out, no dependencies.
 */

/** Lanczos coefficients for g = 7, n = 9: about 15 significant digits over the positive reals. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln Γ(x) for x > 0 (Lanczos approximation, reflection below 1/2). About 1e-15 relative error, which is
 * what the likelihoods need: they add thousands of these, so a sloppier approximation would show in the
 * optimum. Returns NaN for x ≤ 0 or NaN, where the models never need it.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x < 0.5) {
    // Reflection keeps the accuracy near 0, where ln Γ(x) ≈ −ln x grows without bound.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Relative accuracy the hypergeometric series aim for. */
const SERIES_TOLERANCE = 1e-15;
/**
 * Most terms a hypergeometric series may take. Terms shrink like n^k·z^n, so this reaches full precision up
 * to z ≈ 0.9995 (a horizon about 2,000 times the model's alpha + T); closer to 1 the series gives up.
 */
const SERIES_MAX_TERMS = 200_000;

/**
 * Sums t_n for n ≥ `start`, with t_start = `first` and t_{n+1} = t_n · (a+n)(b+n) / ((c+n)(n+1)) · z, which
 * is the series of 2F1(a, b; c; z) from term `start` on. Stops when a geometric bound on the remaining tail
 * falls under the tolerance: once n is large the term ratio is monotone and tends to z, so the tail after
 * t_n is at most |t_n|·ρ/(1 − ρ) with ρ the larger of the current ratio and |z|.
 */
function hypergeometricSeries(a: number, b: number, c: number, z: number, first: number, start: number): number {
  let term = first;
  let sum = first;
  for (let n = start; n < start + SERIES_MAX_TERMS; n++) {
    if (term === 0) return sum;
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    const rho = Math.max(Math.abs(ratio), Math.abs(z));
    // Before n passes |a|, |b| and |c| the ratio may still grow, and the bound would be wrong.
    if (rho < 1 && n > Math.abs(a) + Math.abs(b) + Math.abs(c) + 2) {
      if ((Math.abs(term) * rho) / (1 - rho) <= SERIES_TOLERANCE * Math.abs(sum)) return sum;
    }
  }
  throw new RangeError(`hypergeometric series did not converge for a=${a}, b=${b}, c=${c}, z=${z}`);
}

function checkC(c: number): void {
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`2F1 is undefined for c = ${c} (a non-positive integer)`);
}

/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) for real z < 1.
 *
 * For 0 ≤ z < 1 the power series is summed with a convergence check (full precision up to z ≈ 0.9995; a
 * `RangeError` beyond, rather than a silently wrong value). For z < 0 the Pfaff transformation
 * 2F1(a, b; c; z) = (1 − z)^−a · 2F1(a, c − b; c; z / (z − 1)) brings the argument into [0, 1), so any
 * negative z works. z ≥ 1 (where the function is singular or multi-valued) and c a non-positive integer
 * throw a `RangeError`. BG/NBD only needs z = t / (alpha + T + t), inside [0, 1).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  checkC(c);
  if (!(z < 1)) throw new RangeError(`2F1 needs z < 1, got ${z}`);
  if (z === 0) return 1;
  if (z < 0) return (1 - z) ** -a * hyp2f1(a, c - b, c, z / (z - 1));
  return hypergeometricSeries(a, b, c, z, 1, 0);
}

/**
 * (2F1(a, b; c; z) − 1) / b for 0 ≤ z < 1, summed directly so that it stays exact as b → 0 (where the
 * quotient tends to Σ (a)_n (n−1)! / ((c)_n n!) z^n). BG/NBD's conditional expectation needs this with
 * b = a_dropout − 1, which is often near 0.
 */
export function hyp2f1Excess(a: number, b: number, c: number, z: number): number {
  checkC(c);
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1Excess needs 0 ≤ z < 1, got ${z}`);
  if (z === 0) return 0;
  // The n-th term of the quotient is (a)_n (b+1)_{n-1} z^n / ((c)_n n!): same ratio as 2F1, from n = 1.
  return hypergeometricSeries(a, b, c, z, (a * z) / c, 1);
}

/** ln(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * ∫₀¹ g(p) · e^{logDensity(ln p, ln(1 − p))} dp by tanh-sinh (double-exponential) quadrature, which copes
 * with integrable singularities at both ends (p^(a−1) with a < 1). The density is taken in logs, and ln p,
 * ln(1 − p) are computed without the cancellation 1 − p would suffer near 1, so that a Beta density at
 * p = 1e-400 neither overflows nor loses its tail. `g` must be bounded. Step 1/32 over t ∈ [−6.5, 6.5]:
 * roughly 1e-12 relative for the smooth-times-Beta integrands of the lifetime models.
 */
export function integrateUnitInterval(
  g: (p: number) => number,
  logDensity: (logP: number, log1mP: number) => number,
): number {
  return integrateWeighted(g, unitIntervalWeights(logDensity));
}

/**
 * The part of {@link integrateUnitInterval} that depends on the density alone: the nodes whose term is not
 * below e^−745 (where it is 0 in doubles), with each one's weight, the density times the quadrature's
 * weight. Integrals of many g against one density compute it once; the sum is the same, bit for bit.
 */
export interface QuadratureWeights {
  /** The abscissae p of the nodes kept, in the order of the sum. */
  readonly p: Float64Array;
  readonly weights: Float64Array;
  /** The largest weight from each node to the last. */
  readonly largestFrom: Float64Array;
}

export function unitIntervalWeights(logDensity: (logP: number, log1mP: number) => number): QuadratureWeights {
  const { logP, log1mP, p, logWeight } = TANH_SINH;
  const kept: number[] = [];
  const weights: number[] = [];
  for (let k = 0; k < p.length; k++) {
    const lp = logP[k] as number;
    const l1mp = log1mP[k] as number;
    const logTerm = logDensity(lp, l1mp) + (logWeight[k] as number) + lp + l1mp;
    if (logTerm > -745) {
      kept.push(p[k] as number);
      weights.push(Math.exp(logTerm));
    }
  }
  const largestFrom = Float64Array.from(weights);
  for (let k = largestFrom.length - 2; k >= 0; k--) {
    largestFrom[k] = Math.max(largestFrom[k] as number, largestFrom[k + 1] as number);
  }
  return { p: Float64Array.from(kept), weights: Float64Array.from(weights), largestFrom };
}

/** 2^−54: a non-negative term below this times a sum is below half its unit in the last place. */
const BELOW_HALF_ULP = 2 ** -54;

/**
 * ∫₀¹ g(p) · density dp with the density's {@link unitIntervalWeights}. With `bound`, g is known to lie in
 * [0, bound / 2] (half, for the rounding of g and of each term): the sum stops at the first node from
 * which every remaining term is under half a unit in the last place of the sum so far. Adding such a term
 * leaves a sum of non-negative terms unchanged, so the result is the full sum's, bit for bit.
 */
export function integrateWeighted(
  g: (p: number) => number,
  { p, weights, largestFrom }: QuadratureWeights,
  bound = Number.POSITIVE_INFINITY,
): number {
  let sum = 0;
  for (let k = 0; k < p.length; k++) {
    if (bound * (largestFrom[k] as number) < sum * BELOW_HALF_ULP) break;
    sum += g(p[k] as number) * (weights[k] as number);
  }
  return sum * TANH_SINH_STEP;
}

const TANH_SINH_STEP = 1 / 32;

/**
 * The nodes of {@link integrateUnitInterval}, the same for every integrand, computed once: for t = kh,
 * k = −208…208, u = π/2 · sinh t, p = 1 / (1 + e^(−2u)), 1 − p = 1 / (1 + e^(2u)), and the weight
 * dp/dt / (p(1 − p)) = π·cosh t, all in logs.
 */
const TANH_SINH = ((h: number) => {
  const steps = Math.round(6.5 / h);
  const count = 2 * steps + 1;
  const nodes = {
    logP: new Float64Array(count),
    log1mP: new Float64Array(count),
    p: new Float64Array(count),
    logWeight: new Float64Array(count),
  };
  for (let k = -steps; k <= steps; k++) {
    const t = k * h;
    const u = (Math.PI / 2) * Math.sinh(t);
    const i = k + steps;
    nodes.logP[i] = -softplus(-2 * u);
    nodes.log1mP[i] = -softplus(2 * u);
    nodes.p[i] = Math.exp(nodes.logP[i] as number);
    nodes.logWeight[i] = Math.log(Math.PI * Math.cosh(t));
  }
  return nodes;
})(TANH_SINH_STEP);
