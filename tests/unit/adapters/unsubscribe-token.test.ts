import { describe, expect, it } from 'vitest';
import {
  createExpiringToken,
  createToken,
  createUnsubscribeToken,
  reportUrl,
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

describe('report tokens (the weekly email)', () => {
  const expires = new Date('2026-12-14T08:00:00Z');
  const url = reportUrl('https://api.example.com/prod', '2026-12-07', 'stack-secret', expires);
  const token = new URL(url).searchParams.get('token') as string;

  it('open the report they were made for under /report, until they expire', () => {
    expect(url.startsWith('https://api.example.com/prod/report?token=')).toBe(true);
    expect(verifyExpiringToken(token, 'stack-secret', 'report', new Date('2026-12-10T00:00:00Z'))).toEqual({
      customerId: '2026-12-07',
      expired: false,
    });
    expect(verifyExpiringToken(token, 'stack-secret', 'report', expires)?.expired).toBe(true);
  });

  it('are never a link of a customer, nor the other way round', () => {
    const now = new Date('2026-12-10T00:00:00Z');
    expect(verifyExpiringToken(token, 'stack-secret', 'confirm', now)).toBeUndefined();
    const confirmation = createExpiringToken('2026-12-07', 'stack-secret', 'confirm', expires);
    expect(verifyExpiringToken(confirmation, 'stack-secret', 'report', now)).toBeUndefined();
    const unsubscribe = createUnsubscribeToken('2026-12-07', 'stack-secret');
    expect(verifyExpiringToken(unsubscribe, 'stack-secret', 'report', now)).toBeUndefined();
  });
});
