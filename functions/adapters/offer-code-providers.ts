import { createHash } from 'node:crypto';

/* What the clients of storefronts' discount APIs share: the code of a send, and a Retry-After. */

/** The code of a send: the offer's name and a digest of the send's key, the same for every attempt. */
export function derivedCode(offer: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${offer}\u0000${idempotencyKey}`).digest('hex');
  return `${offer
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 16)}-${digest.slice(0, 12).toUpperCase()}`;
}

/** `Retry-After` in seconds, as Shopify and WooCommerce send it; none when absent or not a number. */
export function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
