import type { Visitor } from '../domain/collect.js';

/**
 * What `POST /collect` keeps in the table: request counters per window, shared by every instance of the
 * function, and the visitors who consented (docs/collect.md).
 */
export interface CollectStore {
  /**
   * Counts one request on `counter` (a window's counter, removed by the table's TTL at `expiresAt`);
   * false, and nothing counted, when it holds `limit` requests already.
   */
  countRequest(counter: string, limit: number, expiresAt: Date): Promise<boolean>;
  /** The visitor kept under this key, if any. */
  visitor(visitorKey: string): Promise<Visitor | undefined>;
  /** Keeps the visitor (replacing what was kept) until `expiresAt`. */
  keepVisitor(visitorKey: string, visitor: Visitor, expiresAt: Date): Promise<void>;
}
