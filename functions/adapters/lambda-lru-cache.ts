/*
 * What the bundled functions use in place of `mnemonist/lru-cache` (lib/lifecycle-function.ts aliases it here
 * when esbuild bundles a function). Its one user in the bundles is the DynamoDB client's cache of discovered
 * endpoints (`@aws-sdk/endpoint-cache`), which every DynamoDB client builds when it is constructed, though the
 * functions never switch endpoint discovery on. mnemonist's LRU, its typed arrays and the iterator library it
 * brings are about 7 KB of every bundle with a DynamoDB client; a Map, which keeps its keys in the order they
 * were set, evicts the least recently used key the same way for the methods that cache calls.
 */

/** A cache of at most `capacity` keys that forgets the least recently used one first, as mnemonist's LRUCache. */
export default class LruCache<K, V> {
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(typeof capacity === 'number' && capacity > 0)) throw new RangeError('LRU cache: capacity must be positive');
  }

  get size(): number {
    return this.items.size;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** The value of `key`, leaving its place as it is. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  /** The value of `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** Sets `key` as the most recently used; past the capacity, the least recently used key is forgotten. */
  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
  }

  clear(): void {
    this.items.clear();
  }
}
