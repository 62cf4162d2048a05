import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import LruCache from '../../../functions/adapters/lambda-lru-cache.js';

/** mnemonist's own, as the SDK's endpoint cache loads it (a CommonJS module whose export is the class). */
const MnemonistLruCache = createRequire(import.meta.url)('mnemonist/lru-cache') as typeof LruCache;

/*
 * The bundles replace mnemonist's LRU cache with functions/adapters/lambda-lru-cache.ts (an esbuild alias in
 * lib/lifecycle-function.ts), under the DynamoDB client's cache of discovered endpoints. Played against
 * mnemonist's own, every call that cache makes (get, peek, has, set, clear) answers the same, whatever the order.
 */
describe("the bundles' LRU cache", () => {
  it('answers as mnemonist LRUCache does, call after call, for the calls the endpoint cache makes', () => {
    for (const capacity of [1, 2, 3, 5]) {
      const ours = new LruCache<string, number>(capacity);
      const theirs = new MnemonistLruCache<string, number>(capacity);
      let state = capacity;
      const next = (below: number) => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state % below;
      };
      for (let step = 0; step < 2_000; step++) {
        const key = `k${next(capacity + 3)}`;
        const call = next(20);
        const seen =
          call < 6
            ? [ours.get(key), theirs.get(key)]
            : call < 9
              ? [ours.peek(key), theirs.peek(key)]
              : call < 12
                ? [ours.has(key), theirs.has(key)]
                : call < 19
                  ? [ours.set(key, step), theirs.set(key, step)]
                  : [ours.clear(), theirs.clear()];
        expect(seen[0], `capacity ${capacity}, step ${step}`).toEqual(seen[1]);
        expect(ours.size).toBe(theirs.size);
      }
    }
  });

  it('forgets the least recently used key past its capacity, and refuses a capacity that is not positive', () => {
    const cache = new LruCache<string, string>(2);
    cache.set('a', 'first');
    cache.set('b', 'second');
    expect(cache.get('a')).toBe('first');
    cache.set('c', 'third');
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
