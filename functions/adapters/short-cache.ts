/**
 * Answers kept for a short while, per container: a worker reads a campaign's state or a template's status
 * once per `ttlMs` of the given clock instead of once per message. A change (a cancellation, a template
 * held) takes effect within `ttlMs`. A failed read is not kept: the next use reads again.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { readonly at: number; readonly value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The answer for `key`, read with `read` unless one younger than the TTL is kept. */
  get(key: string, read: () => Promise<V>): Promise<V> {
    return this.getMany([key], async () => new Map([[key, await read()]])).then((answers) => answers.get(key) as V);
  }

  /** The answers for `keys`; those not kept, or kept too long, read together with `read`. */
  async getMany(keys: readonly string[], read: (missing: readonly string[]) => Promise<Map<string, V>>) {
    const at = this.now();
    const missing = [...new Set(keys)].filter((key) => {
      const entry = this.entries.get(key);
      return entry === undefined || at - entry.at >= this.ttlMs || at < entry.at;
    });
    if (missing.length > 0) {
      const answers = read(missing);
      for (const key of missing) {
        const value = answers.then((found) => found.get(key) as V);
        this.entries.set(key, { at, value });
        value.catch(() => {
          if (this.entries.get(key)?.value === value) this.entries.delete(key);
        });
      }
    }
    const answers = new Map<string, V>();
    for (const key of keys) answers.set(key, await (this.entries.get(key)?.value as Promise<V>));
    return answers;
  }
}
