import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  moneyText as formatMoney,
  majorToMinor,
  toReportingCurrency,
} from '../../../functions/domain/money.js';

describe('money', () => {
  it.each([
    ['19.99', 'USD', 1999],
    ['19.9', 'USD', 1990],
    ['19', 'USD', 1900],
    ['0.015', 'USD', 2],
    ['0.014', 'USD', 1],
    ['4500', 'JPY', 4500],
    ['4500.00', 'JPY', 4500],
    ['12.345', 'KWD', 12345],
    ['-10.00', 'EUR', -1000],
    ['1234567.89', 'EUR', 123456789],
  ])('%s %s is %i minor units, exactly', (text, currency, minor) => {
    expect(majorToMinor(text, currency)).toBe(minor);
  });

  it('never goes through binary floating point for decimal text', () => {
    // 0.1 + 0.2 style errors: 1.005 * 100 = 100.49999… in floats.
    expect(majorToMinor('1.005', 'USD')).toBe(101);
    expect(majorToMinor(1.15, 'USD')).toBe(115);
  });

  it.each(['', 'abc', '1,5', '1e3', '--1', '1.2.3'])('refuses %j', (text) => {
    expect(majorToMinor(text, 'USD')).toBeUndefined();
  });

  it('knows the ISO 4217 exponents', () => {
    expect([
      currencyExponent('USD'),
      currencyExponent('JPY'),
      currencyExponent('KRW'),
      currencyExponent('BHD'),
      currencyExponent('HUF'),
    ]).toEqual([2, 0, 0, 3, 2]);
  });

  it('converts with a configured rate, across exponents, rounding once', () => {
    expect(toReportingCurrency({ amount: 1000, currency: 'EUR' }, 'USD', { EUR: 1.08 })).toEqual({
      amount: 1080,
      currency: 'USD',
    });
    expect(toReportingCurrency({ amount: 4500, currency: 'JPY' }, 'USD', { JPY: 0.0067 })).toEqual({
      amount: 3015,
      currency: 'USD',
    });
    expect(toReportingCurrency({ amount: 999, currency: 'USD' }, 'USD', {})).toEqual({ amount: 999, currency: 'USD' });
    expect(toReportingCurrency({ amount: 1000, currency: 'GBP' }, 'USD', { EUR: 1.08 })).toBeUndefined();
  });

  it('formats exactly from minor units', () => {
    expect(formatMoney(1999, 'EUR')).toBe('19.99 EUR');
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(4500, 'JPY')).toBe('4500 JPY');
    expect(formatMoney(-12345, 'KWD')).toBe('-12.345 KWD');
  });
});
