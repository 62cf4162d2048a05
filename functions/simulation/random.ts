/**
 * A small seeded pseudo-random number generator for simulations. The domain never calls Math.random():
 * a simulation must replay identically from its seed, so randomness is always passed in.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG: 128 bits of state, passes
 * PractRand far beyond what a simulation draws), seeded through a cyrb128-style string hash so that nearby
 * seeds (1, 2, 3) give unrelated streams. Not for anything secret.
 */

/** A deterministic stream of random numbers. `next` is bound: `random.next` can be passed on as a function. */
export interface Random {
  /** A uniform number in [0, 1). */
  readonly next: () => number;
  /** A uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(items: readonly T[]): T;
  /** An element chosen with probability proportional to its weight; throws when no weight is positive. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** True with probability `p` (p ≤ 0 never, p ≥ 1 always). */
  chance(p: number): boolean;
  /** An exponential variate with the given mean (the waiting time of a Poisson process of rate 1/mean). */
  exponential(mean: number): number;
  /** A normal variate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean?: number, sd?: number): number;
  /**
   * An independent stream derived from this stream's seed and `label`, not from how much has been drawn:
   * giving each concern its own fork means a new feature that draws numbers does not shift the numbers
   * every other concern sees. The same label gives the same stream each time it is forked.
   */
  fork(label: string): Random;
}

type Key = readonly [number, number, number, number];

/** cyrb128's initial state (the fractional digits of square roots of primes, as in SHA-2). */
const ROOT_KEY: Key = [1779033703, 3144134277, 1013904242, 2773480762];

/** A Random for `seed`. The same seed always gives the same stream; any finite number is a valid seed. */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  return new Sfc32Random(hash128(`seed:${seed}`, ROOT_KEY));
}

/**
 * sfc32 over a 128-bit key, warmed up so that similar keys have diverged before the first output. A class
 * with prototype methods rather than an object of closures: simulations fork thousands of streams, and
 * per-instance closures cost allocations (and, under tsx, a defineProperty each for their names).
 */
class Sfc32Random implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;
  readonly next: () => number;

  constructor(private readonly key: Key) {
    [this.a, this.b, this.c, this.d] = key;
    for (let i = 0; i < 15; i++) this.step();
    this.next = () => this.step() / 4294967296;
  }

  private step(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int needs integers min <= max, got ${min}, ${max}`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length !== weights.length) throw new RangeError('items and weights differ in length');
    let total = 0;
    for (const weight of weights) if (weight > 0) total += weight;
    if (!(total > 0)) throw new RangeError('weighted needs at least one positive weight');
    let target = this.next() * total;
    let last = -1;
    for (let i = 0; i < items.length; i++) {
      const weight = weights[i] ?? 0;
      if (!(weight > 0)) continue;
      last = i;
      target -= weight;
      if (target < 0) return items[i] as T;
    }
    // Only reachable through rounding in the running subtraction: the last positive weight takes it.
    return items[last] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  exponential(mean: number): number {
    // 1 - next() is in (0, 1], so the logarithm is finite.
    return -mean * Math.log(1 - this.next());
  }

  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return mean + sd * radius * Math.cos(angle);
  }

  fork(label: string): Random {
    return new Sfc32Random(hash128(`fork:${label}`, this.key));
  }
}

/** cyrb128 (bryc's public-domain 128-bit string hash), starting from `key` so forks depend on their parent. */
function hash128(text: string, key: Key): Key {
  let [h1, h2, h3, h4] = key;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
