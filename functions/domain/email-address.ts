import { z } from 'zod';

/**
 * The one normal form of an email address used as a customer's identity: trimmed and lower-cased.
 * Local parts are case-sensitive in theory and never in practice; storefronts disagree on case, and one
 * person must be one customer across all of them. Dots and plus tags are kept: they can be real.
 */
export function normaliseEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** A syntactically valid address, normalised. Zod's messages never echo the value. */
export const EmailAddressSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'invalid email address' }));
