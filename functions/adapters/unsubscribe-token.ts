import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { TemplateContext } from '../domain/build-template-data.js';

/**
 * What a signed link lets its holder do: each purpose has its own signature. `report` opens one stored
 * weekly report (its id in place of a customer id): the team's link, never a customer's.
 */
export type TokenPurpose = 'unsubscribe' | 'feedback' | 'confirm' | 'report';

/**
 * Signed link tokens: `<customer id>.<HMAC-SHA256 of purpose and id with the stack's secret>`. They reveal
 * no email address, cannot be made without the secret, are valid for their own customer only, and a token
 * made for one purpose (answering a survey) cannot be used for another (unsubscribing).
 */
export function createToken(customerId: string, secret: string, purpose: TokenPurpose = 'unsubscribe'): string {
  return `${customerId}.${signature(customerId, secret, purpose)}`;
}

/** The customer id a token was made for, or `undefined` when it is forged, altered, malformed or for another purpose. */
export function verifyToken(token: string, secret: string, purpose: TokenPurpose = 'unsubscribe'): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 200) return undefined;
  const customerId = token.slice(0, dot);
  if (!/^[A-Za-z0-9_-]+$/.test(customerId)) return undefined;
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signature(customerId, secret, purpose));
  return given.length === expected.length && timingSafeEqual(given, expected) ? customerId : undefined;
}

/**
 * A token that stops working at `expiresAt`: `<customer id>.<expiry, epoch seconds in base 36>.<HMAC of
 * purpose, id and expiry>`. Used for double opt-in confirmation links, which must not confirm forever.
 */
export function createExpiringToken(
  customerId: string,
  secret: string,
  purpose: TokenPurpose,
  expiresAt: Date,
): string {
  const expiry = Math.ceil(expiresAt.getTime() / 1000).toString(36);
  return `${customerId}.${expiry}.${signature(`${customerId}.${expiry}`, secret, purpose)}`;
}

/**
 * The customer id of an expiring token: `expired` when it was genuine but is past its time, `undefined`
 * when it is forged, altered, malformed or for another purpose.
 */
export function verifyExpiringToken(
  token: string,
  secret: string,
  purpose: TokenPurpose,
  now: Date,
): { readonly customerId: string; readonly expired: boolean } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 220) return undefined;
  const [customerId, expiry, given] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(customerId) || !/^[0-9a-z]{1,10}$/.test(expiry)) return undefined;
  const expected = Buffer.from(signature(`${customerId}.${expiry}`, secret, purpose));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return { customerId, expired: Number.parseInt(expiry, 36) * 1000 <= now.getTime() };
}

/** The unsubscribe purpose, the most common one. */
export const createUnsubscribeToken = (customerId: string, secret: string) =>
  createToken(customerId, secret, 'unsubscribe');
export const verifyUnsubscribeToken = (token: string, secret: string) => verifyToken(token, secret, 'unsubscribe');

function signature(customerId: string, secret: string, purpose: TokenPurpose): string {
  return createHmac('sha256', keyOf(secret)).update(`${purpose}.v1.${customerId}`).digest('base64url');
}

/** The last secret's key, made once rather than from the text at every signature (the same key bytes: UTF-8). */
let lastKey: { readonly secret: string; readonly key: KeyObject } | undefined;

function keyOf(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(secret, 'utf8') };
  return lastKey.key;
}

function link(baseUrl: string, path: string, parameters: Record<string, string>): string {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}

/** The link of the weekly email to one stored report, valid until `expiresAt`. */
export function reportUrl(baseUrl: string, reportId: string, secret: string, expiresAt: Date): string {
  return link(baseUrl, 'report', { token: createExpiringToken(reportId, secret, 'report', expiresAt) });
}

/** The one-click unsubscribe URL of a customer under the public API's base URL. */
export function unsubscribeUrl(baseUrl: string, customerId: string, secret: string): string {
  return link(baseUrl, 'unsubscribe', { token: createToken(customerId, secret, 'unsubscribe') });
}

/**
 * Every signed link of a customer's emails, under the public API's base URL. The confirmation link of
 * double opt-in expires `confirmation.validForMs` after `confirmation.now()` (the business clock).
 */
export function signedLinks(
  baseUrl: string,
  secret: string,
  confirmation: { readonly now: () => Date; readonly validForMs: number } = {
    now: () => new Date(),
    validForMs: 7 * 86_400_000,
  },
): (customerId: string) => TemplateContext['links'] {
  return (customerId) => {
    const preferences = createToken(customerId, secret, 'unsubscribe');
    const feedback = createToken(customerId, secret, 'feedback');
    const expiresAt = new Date(confirmation.now().getTime() + confirmation.validForMs);
    return {
      unsubscribeUrl: link(baseUrl, 'unsubscribe', { token: preferences }),
      keepSubscribedUrl: link(baseUrl, 'unsubscribe', { token: preferences, keep: '1' }),
      npsUrl: (score: number) => link(baseUrl, 'feedback', { token: feedback, score: String(score) }),
      confirmUrl: link(baseUrl, 'confirm', { token: createExpiringToken(customerId, secret, 'confirm', expiresAt) }),
    };
  };
}
