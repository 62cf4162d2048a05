import { ConcurrentUpdateError } from '../errors.js';

/**
 * Writes to a customer are optimistic: a write made from a stale read is refused (`conflict`), and the
 * change is made again from a fresh read. After this many attempts the change gives up with a
 * ConcurrentUpdateError, and the event goes back to its sender (the bus, SES, a person's click) for a
 * later retry.
 */
export const CHANGE_ATTEMPTS = 8;

/**
 * Runs `attempt` (read, decide, write) until it returns anything but `'conflict'`, at most
 * CHANGE_ATTEMPTS times. Then throws a ConcurrentUpdateError naming `what`, unless `exhausted` gives the
 * answer to return instead (for work that a later run redoes anyway).
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: () => Promise<T | 'conflict'>,
  exhausted?: () => T,
): Promise<T> {
  for (let round = 1; round <= CHANGE_ATTEMPTS; round++) {
    const result = await attempt();
    if (result !== 'conflict') return result;
  }
  if (exhausted) return exhausted();
  throw new ConcurrentUpdateError(what);
}
