import { describe, expect, it } from 'vitest';
import {
  createExpiringToken,
  createToken,
  createUnsubscribeToken,
  unsubscribeUrl,
  verifyExpiringToken,
  verifyToken,
  verifyUnsubscribeToken,
} from '../../../functions/adapters/unsubscribe-token.js';

describe('unsubscribe tokens', () => {
  it('round-trips to the customer it was made for, and reveals no email', () => {
    const token = createUnsubscribeToken('cus_abc', 'stack-secret');
    expect(verifyUnsubscribeToken(token, 'stack-secret')).toBe('cus_abc');
    expect(token).not.toContain('@');
  });

  it('cannot be forged, altered, or reused for another customer', () => {
    const token = createUnsubscribeToken('cus_abc', 'stack-secret');
    const signature = token.split('.')[1];
    expect(verifyUnsubscribeToken(token, 'other-secret')).toBeUndefined();
    expect(verifyUnsubscribeToken(`cus_xyz.${signature}`, 'stack-secret')).toBeUndefined();
    expect(verifyUnsubscribeToken(`${token}x`, 'stack-secret')).toBeUndefined();
    expect(verifyUnsubscribeToken('cus_abc', 'stack-secret')).toBeUndefined();
    expect(verifyUnsubscribeToken('', 'stack-secret')).toBeUndefined();
  });

  it('builds the link under the API base URL', () => {
    const url = new URL(unsubscribeUrl('https://abc.execute-api.eu-west-1.amazonaws.com', 'cus_abc', 's'));
    expect(url.origin + url.pathname).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/unsubscribe');
    expect(verifyUnsubscribeToken(url.searchParams.get('token') ?? '', 's')).toBe('cus_abc');
  });
});

describe('confirmation tokens (double opt-in)', () => {
  const expires = new Date('2026-11-09T12:00:00Z');
  const token = createExpiringToken('cus_abc', 'stack-secret', 'confirm', expires);

  it('work until they expire, then say so', () => {
    expect(verifyExpiringToken(token, 'stack-secret', 'confirm', new Date('2026-11-09T11:59:00Z'))).toEqual({
      customerId: 'cus_abc',
      expired: false,
    });
    expect(verifyExpiringToken(token, 'stack-secret', 'confirm', expires)).toEqual({
      customerId: 'cus_abc',
      expired: true,
    });
  });

  it('cannot be extended, moved to another customer, or used for another purpose', () => {
    const now = new Date('2026-11-02T00:00:00Z');
    const [id, expiry, signature] = token.split('.');
    const later = (Number.parseInt(expiry as string, 36) + 86_400).toString(36);
    expect(verifyExpiringToken(`${id}.${later}.${signature}`, 'stack-secret', 'confirm', now)).toBeUndefined();
    expect(verifyExpiringToken(`cus_xyz.${expiry}.${signature}`, 'stack-secret', 'confirm', now)).toBeUndefined();
    expect(verifyExpiringToken(token, 'stack-secret', 'feedback', now)).toBeUndefined();
    expect(verifyExpiringToken(token, 'other-secret', 'confirm', now)).toBeUndefined();
    // Tokens of the other kind are refused both ways.
    expect(verifyToken(token, 'stack-secret', 'confirm')).toBeUndefined();
    expect(
      verifyExpiringToken(createToken('cus_abc', 'stack-secret', 'confirm'), 'stack-secret', 'confirm', now),
    ).toBeUndefined();
  });
});
