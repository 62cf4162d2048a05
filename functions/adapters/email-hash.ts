import { createHash } from 'node:crypto';
import { normaliseEmail } from '../domain/email-address.js';

/**
 * The one-way form in which an address outlives its customer (suppression after erasure, bounces):
 * SHA-256 of the normalised address under a fixed label. Stable for the life of the stack.
 */
export function hashEmail(email: string): string {
  return createHash('sha256')
    .update(`lifecycle-suppression:${normaliseEmail(email)}`)
    .digest('hex');
}
