import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe tokens: `<customer id>.<HMAC-SHA256 of the id with the stack's secret>`. They reveal no
 * email address, cannot be made without the secret, and a token is valid for its own customer only.
 */
export function createUnsubscribeToken(customerId: string, secret: string): string {
  return `${customerId}.${signature(customerId, secret)}`;
}

/** The customer id a token was made for, or `undefined` when it is forged, altered or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 200) return undefined;
  const customerId = token.slice(0, dot);
  if (!/^[A-Za-z0-9_-]+$/.test(customerId)) return undefined;
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signature(customerId, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? customerId : undefined;
}

function signature(customerId: string, secret: string): string {
  return createHmac('sha256', secret).update(`unsubscribe.v1.${customerId}`).digest('base64url');
}

/** The one-click unsubscribe URL of a customer under the public API's base URL. */
export function unsubscribeUrl(baseUrl: string, customerId: string, secret: string): string {
  const url = new URL('unsubscribe', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('token', createUnsubscribeToken(customerId, secret));
  return url.toString();
}
