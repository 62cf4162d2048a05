import type { StoreModel } from '../domain/intelligence/store-model.js';
import type { StoreModelRecords } from '../ports/customer-store.js';

/**
 * The store model, read at most once per `ttlMs` per process: it changes once a day, and every event and
 * every dispatch needs it.
 */
export function cachedModelLoader(
  store: StoreModelRecords,
  ttlMs = 15 * 60_000,
  now: () => number = Date.now,
): () => Promise<StoreModel | undefined> {
  let cached: { at: number; model: Promise<StoreModel | undefined> } | undefined;
  return () => {
    if (!cached || now() - cached.at > ttlMs) {
      const model = store.loadModel();
      cached = { at: now(), model };
      // A failed read is not cached: the next call tries again.
      model.catch(() => {
        cached = undefined;
      });
    }
    return cached.model;
  };
}
