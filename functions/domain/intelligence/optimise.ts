/**
 * Derivative-free minimisation (Nelder–Mead) for the maximum-likelihood fits of
 * functions/domain/intelligence/clv.ts. The likelihoods have a handful of parameters and cheap, smooth
 * objectives whose gradients would be tedious to write, which is Nelder–Mead's home ground.
 */

/** Settings of {@link nelderMead}; all optional. */
export interface NelderMeadOptions {
  /** Iterations (reflections, expansions, contractions or shrinks) before giving up. Default 2,000. */
  readonly maxIterations?: number;
  /** Size of the initial simplex along each axis, in the units of x. Default 0.5. */
  readonly initialStep?: number;
  /** Converged when the objective spread over the simplex is below this (absolute). Default 1e-10. */
  readonly fTolerance?: number;
  /** ... and every vertex is within this of the best one along each axis. Default 1e-7. */
  readonly xTolerance?: number;
}

/** What {@link nelderMead} found. */
export interface NelderMeadResult {
  readonly x: readonly number[];
  readonly f: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** Both tolerances were met before `maxIterations`. */
  readonly converged: boolean;
}

/**
 * Minimises `objective` from `start` with the Nelder–Mead simplex method, using the dimension-adaptive
 * coefficients of Gao & Han (2012), which keep the method from stalling beyond two or three dimensions.
 * Non-finite objective values count as +∞, so a caller can encode bounds by returning NaN or Infinity
 * outside them (the simplex then contracts away); the start must be finite.
 */
export function nelderMead(
  objective: (x: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 2000;
  const step = options.initialStep ?? 0.5;
  const fTolerance = options.fTolerance ?? 1e-10;
  const xTolerance = options.xTolerance ?? 1e-7;
  const reflect = 1;
  const expand = 1 + 2 / n;
  const contract = 0.75 - 1 / (2 * n);
  const shrink = 1 - 1 / n;

  let evaluations = 0;
  const evaluate = (x: readonly number[]): number => {
    evaluations++;
    const value = objective(x);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };

  const simplex: number[][] = [Array.from(start)];
  for (let i = 0; i < n; i++) {
    const vertex = Array.from(start);
    vertex[i] = (vertex[i] as number) + step;
    simplex.push(vertex);
  }
  const values = simplex.map(evaluate);
  const order = simplex.map((_, i) => i);

  const pointAlong = (centroid: readonly number[], worst: readonly number[], coefficient: number): number[] =>
    centroid.map((c, j) => c + coefficient * (c - (worst[j] as number)));

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    order.sort((i, j) => (values[i] as number) - (values[j] as number));
    const best = order[0] as number;
    const worst = order[n] as number;
    const secondWorst = order[n - 1] as number;
    const bestValue = values[best] as number;
    const worstValue = values[worst] as number;

    const bestVertex = simplex[best] as number[];
    let spread = 0;
    for (const vertex of simplex) {
      for (let j = 0; j < n; j++)
        spread = Math.max(spread, Math.abs((vertex[j] as number) - (bestVertex[j] as number)));
    }
    if (worstValue - bestValue <= fTolerance && spread <= xTolerance) {
      converged = true;
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (const index of order.slice(0, n)) {
      const vertex = simplex[index] as number[];
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (vertex[j] as number) / n;
    }
    const worstVertex = simplex[worst] as number[];

    const reflected = pointAlong(centroid, worstVertex, reflect);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < bestValue) {
      const expanded = pointAlong(centroid, worstVertex, reflect * expand);
      const expandedValue = evaluate(expanded);
      if (expandedValue < reflectedValue) {
        simplex[worst] = expanded;
        values[worst] = expandedValue;
      } else {
        simplex[worst] = reflected;
        values[worst] = reflectedValue;
      }
      continue;
    }
    if (reflectedValue < (values[secondWorst] as number)) {
      simplex[worst] = reflected;
      values[worst] = reflectedValue;
      continue;
    }
    // Contract towards the better of the worst vertex and its reflection.
    const outside = reflectedValue < worstValue;
    const contracted = pointAlong(centroid, worstVertex, outside ? reflect * contract : -contract);
    const contractedValue = evaluate(contracted);
    if (contractedValue < (outside ? reflectedValue : worstValue)) {
      simplex[worst] = contracted;
      values[worst] = contractedValue;
      continue;
    }
    for (const index of order.slice(1)) {
      const vertex = simplex[index] as number[];
      simplex[index] = vertex.map((v, j) => (bestVertex[j] as number) + shrink * (v - (bestVertex[j] as number)));
      values[index] = evaluate(simplex[index] as number[]);
    }
  }

  let best = 0;
  for (let i = 1; i <= n; i++) if ((values[i] as number) < (values[best] as number)) best = i;
  return { x: simplex[best] as number[], f: values[best] as number, iterations, evaluations, converged };
}

/** Settings of {@link minimise}: those of {@link nelderMead} plus restarts. */
export interface MinimiseOptions extends NelderMeadOptions {
  /** Restarts from the best point after a run, until one improves by less than `fTolerance`. Default 3. */
  readonly maxRestarts?: number;
}

/** What {@link minimise} found: the best over all starts and restarts. */
export interface MinimiseResult extends NelderMeadResult {
  /** The run that produced the best point converged, and so did its last restart. */
  readonly converged: boolean;
}

/**
 * Runs {@link nelderMead} from each of `starts` and keeps the best, then restarts it from its own optimum
 * with a fresh simplex: a collapsed simplex can stop short of the minimum on a curved valley, and a
 * restart is the standard remedy. `iterations` and `evaluations` add up every run.
 */
export function minimise(
  objective: (x: readonly number[]) => number,
  starts: readonly (readonly number[])[],
  options: MinimiseOptions = {},
): MinimiseResult {
  if (starts.length === 0) throw new RangeError('minimise needs at least one start');
  const fTolerance = options.fTolerance ?? 1e-10;
  const maxRestarts = options.maxRestarts ?? 3;
  let iterations = 0;
  let evaluations = 0;
  let best: NelderMeadResult | undefined;
  for (const start of starts) {
    const run = nelderMead(objective, start, options);
    iterations += run.iterations;
    evaluations += run.evaluations;
    if (best === undefined || run.f < best.f) best = run;
  }
  let current = best as NelderMeadResult;
  for (let restart = 0; restart < maxRestarts; restart++) {
    const run = nelderMead(objective, current.x, { ...options, initialStep: (options.initialStep ?? 0.5) / 5 });
    iterations += run.iterations;
    evaluations += run.evaluations;
    const improvement = current.f - run.f;
    if (run.f <= current.f) current = run;
    if (improvement <= fTolerance * 10) break;
  }
  return { ...current, iterations, evaluations };
}

/**
 * The matrix of second derivatives of `f` at `x` by central differences with step `h` (in the units of x):
 * 1 + 2n + 2n(n − 1) evaluations. For the Laplace approximation of a fit: the curvature of the negative
 * log-posterior at its mode.
 */
export function hessian(f: (x: readonly number[]) => number, x: readonly number[], h = 1e-3): number[][] {
  const n = x.length;
  const at = (steps: readonly (readonly [number, number])[]): number => {
    const point = Array.from(x);
    for (const [i, s] of steps) point[i] = (point[i] as number) + s * h;
    return f(point);
  };
  const centre = f(x);
  const result = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    (result[i] as number[])[i] = (at([[i, 1]]) - 2 * centre + at([[i, -1]])) / (h * h);
    for (let j = 0; j < i; j++) {
      const value =
        (at([
          [i, 1],
          [j, 1],
        ]) -
          at([
            [i, 1],
            [j, -1],
          ]) -
          at([
            [i, -1],
            [j, 1],
          ]) +
          at([
            [i, -1],
            [j, -1],
          ])) /
        (4 * h * h);
      (result[i] as number[])[j] = value;
      (result[j] as number[])[i] = value;
    }
  }
  return result;
}

/** The lower Cholesky factor L of a symmetric matrix (A = L·Lᵀ), or undefined when A is not positive definite. */
export function cholesky(matrix: readonly (readonly number[])[]): number[][] | undefined {
  const n = matrix.length;
  const lower = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (matrix[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) sum -= ((lower[i] as number[])[k] as number) * ((lower[j] as number[])[k] as number);
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return undefined;
        (lower[i] as number[])[i] = Math.sqrt(sum);
      } else {
        (lower[i] as number[])[j] = sum / ((lower[j] as number[])[j] as number);
      }
    }
  }
  return lower;
}

/** The inverse of a symmetric positive definite matrix through its Cholesky factor; undefined if it is not. */
export function invertPositiveDefinite(matrix: readonly (readonly number[])[]): number[][] | undefined {
  const lower = cholesky(matrix);
  if (lower === undefined) return undefined;
  const n = matrix.length;
  // Solve L·Lᵀ·X = I column by column.
  const inverse = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let column = 0; column < n; column++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= ((lower[i] as number[])[k] as number) * (y[k] as number);
      y[i] = sum / ((lower[i] as number[])[i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i] as number;
      for (let k = i + 1; k < n; k++)
        sum -= ((lower[k] as number[])[i] as number) * ((inverse[k] as number[])[column] as number);
      (inverse[i] as number[])[column] = sum / ((lower[i] as number[])[i] as number);
    }
  }
  return inverse;
}
