import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../../functions/domain/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['storeName', 'storeName', 0],
    ['storeNmae', 'storeName', 1], // two neighbouring letters swapped
    ['storName', 'storeName', 1], // a letter left out
    ['storeeName', 'storeName', 1], // a letter typed twice
    ['stareName', 'storeName', 1], // a wrong letter
    ['kitten', 'sitting', 3],
    ['magento', 'generic', 6],
  ])('%s → %s: %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestMatch', () => {
  const topLevel = ['storeName', 'storeUrl', 'sender', 'supportEmail', 'postalAddress', 'sources'];

  it('finds the setting a typo meant', () => {
    expect(closestMatch('storeNmae', topLevel)).toBe('storeName');
    expect(closestMatch('postalAdress', topLevel)).toBe('postalAddress');
    expect(closestMatch('source', topLevel)).toBe('sources');
    expect(closestMatch('senders', topLevel)).toBe('sender');
  });

  it('ignores case', () => {
    expect(closestMatch('storename', topLevel)).toBe('storeName');
    expect(closestMatch('STOREURL', topLevel)).toBe('storeUrl');
  });

  it('suggests nothing for a word that is not near any candidate', () => {
    expect(closestMatch('magento', ['generic', 'shopify', 'woocommerce', 'stripe'])).toBeUndefined();
    expect(closestMatch('colour', topLevel)).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });

  it('allows more edits in longer words: one per three letters, at least one', () => {
    expect(closestMatch('ab', ['ac'])).toBe('ac');
    expect(closestMatch('ab', ['cd'])).toBeUndefined();
    expect(closestMatch('remplyTo', ['replyTo'])).toBe('replyTo');
    expect(closestMatch('rplTo', ['replyTo'])).toBeUndefined();
  });

  it('prefers the nearest candidate, and the first of equally near ones', () => {
    expect(closestMatch('storeUr', ['storeName', 'storeUrl'])).toBe('storeUrl');
    expect(closestMatch('lease', ['leasf', 'leasg'])).toBe('leasf');
  });
});
