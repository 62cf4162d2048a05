import * as z from './zod.js';

/** RFC 5321 §4.5.3.1: a path holds at most 256 octets with its angle brackets, so an address 254. */
export const MAX_EMAIL_LENGTH = 254;
/** RFC 5321 §4.5.3.1.1: the local part, before the `@`. */
export const MAX_EMAIL_LOCAL_PART_LENGTH = 64;
/** RFC 1035 §2.3.4: one label of the domain. */
const MAX_DOMAIN_LABEL_LENGTH = 63;

/**
 * The one normal form of an email address used as a customer's identity: surrounding white space
 * removed and the ASCII letters lower-cased. Local parts are case-sensitive in theory and never in
 * practice; storefronts disagree on case, and one person must be one customer across all of them. Dots
 * and plus tags are kept: they can be real.
 *
 * Only ASCII letters are folded: a full Unicode lower-casing maps characters that are not letters of an
 * address onto ones that are (the Kelvin sign U+212A becomes `k`), which would turn an invalid address
 * into another customer's. Addresses are validated as they arrive, before this runs
 * ({@link EmailAddressSchema}); here, for a lookup, nothing outside ASCII is changed, so such an
 * address finds nobody.
 */
export function normaliseEmail(address: string): string {
  return address.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Why an address (already trimmed) is not one the product accepts, or undefined when it is. */
export function emailAddressProblem(address: string): string | undefined {
  if (address.length > MAX_EMAIL_LENGTH) return `an email address has at most ${MAX_EMAIL_LENGTH} characters`;
  const at = address.lastIndexOf('@');
  if (at > MAX_EMAIL_LOCAL_PART_LENGTH) {
    return `the part of an email address before the @ has at most ${MAX_EMAIL_LOCAL_PART_LENGTH} characters`;
  }
  if (!ADDRESS.safeParse(address).success) return 'invalid email address';
  if (
    address
      .slice(at + 1)
      .split('.')
      .some((label) => label.length > MAX_DOMAIN_LABEL_LENGTH)
  ) {
    return 'invalid email address';
  }
  return undefined;
}

/** Zod's address syntax: ASCII only (a dot-atom local part, a DNS domain); its message never echoes it. */
const ADDRESS = z.email();

/**
 * A valid address, normalised. Validated as given (only surrounding white space removed) and then
 * normalised, never the reverse: see {@link normaliseEmail}. Within RFC 5321's lengths, so it fits every
 * key it becomes. Messages never echo the value.
 */
export const EmailAddressSchema = z
  .pipe(
    z.string().check(
      z.trim(),
      z.maxLength(MAX_EMAIL_LENGTH, { message: `an email address has at most ${MAX_EMAIL_LENGTH} characters` }),
      z.superRefine((address, context) => {
        const problem = emailAddressProblem(address);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    ),
    z.transform(normaliseEmail),
  )
  .register(z.globalRegistry, { format: 'email' });
