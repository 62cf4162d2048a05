import { describe, expect, it } from 'vitest';
import { ShortCache } from '../../../functions/adapters/short-cache.js';

/**
 * The worker's per-container cache of campaigns' states and templates' statuses: one read per key for
 * every message within the TTL, and a change (a cancellation) seen once the TTL has passed on the clock.
 */
describe('a short-lived cache of send states', () => {
  it('reads a key once for every message within the TTL, and again once it has passed', async () => {
    let now = 0;
    let status = 'sending';
    const reads: string[][] = [];
    const cache = new ShortCache<string | undefined>(15_000, () => now);
    const read = (keys: readonly string[]) => {
      reads.push([...keys]);
      return Promise.resolve(new Map(keys.filter((key) => key === 'spring').map((key) => [key, status])));
    };
    for (let message = 0; message < 50; message++) {
      expect(await cache.getMany(['spring', 'gone'], read)).toEqual(
        new Map([
          ['spring', 'sending'],
          ['gone', undefined],
        ]),
      );
      now += 200;
    }
    expect(reads).toEqual([['spring', 'gone']]);

    status = 'cancelled';
    now = 14_999;
    expect((await cache.getMany(['spring'], read)).get('spring')).toBe('sending');
    now = 15_000;
    expect((await cache.getMany(['spring'], read)).get('spring')).toBe('cancelled');
    expect(reads).toEqual([['spring', 'gone'], ['spring']]);
  });

  it('keeps no failed read: the next message reads again', async () => {
    const cache = new ShortCache<boolean>(15_000, () => 0);
    await expect(cache.get('welcome-1', () => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    expect(await cache.get('welcome-1', () => Promise.resolve(true))).toBe(true);
  });
});
