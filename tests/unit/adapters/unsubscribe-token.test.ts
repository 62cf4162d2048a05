import { describe, expect, it } from 'vitest';
import {
  createUnsubscribeToken,
  unsubscribeUrl,
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
