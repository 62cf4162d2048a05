import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/domain/config.js';
import { ConfigError } from '../../../functions/domain/errors.js';
import defaultConfig from '../../../lifecycle.config.js';

const valid = {
  storeName: 'Shop',
  sender: { from: 'Shop <hi@shop.example>' },
  postalAddress: '1 Main Street, Springfield 12345',
};

describe('configuration', () => {
  it('the shipped lifecycle.config.ts is valid', () => {
    expect(() => parseConfig(defaultConfig)).not.toThrow();
  });

  it('fills in safe defaults', () => {
    const config = parseConfig(valid);
    expect(config.reportingCurrency).toBe('USD');
    expect(config.sources.generic.enabled).toBe(true);
    expect(config.journeys.welcomeSeries).toEqual({ enabled: true, secondEmailAfter: 'P2D' });
    expect(config.dispatcher).toEqual({ dueShards: 8, lease: 'PT2M' });
  });

  it.each([
    [{ ...valid, sender: { from: 'not an address' } }, 'sender.from'],
    [{ ...valid, postalAddress: 'short' }, 'postalAddress'],
    [{ ...valid, reportingCurrency: 'usd' }, 'reportingCurrency'],
    [
      { ...valid, journeys: { welcomeSeries: { secondEmailAfter: 'two days' } } },
      'journeys.welcomeSeries.secondEmailAfter',
    ],
    [{ ...valid, dispatcher: { dueShards: 0 } }, 'dispatcher.dueShards'],
    [{ sender: valid.sender, postalAddress: valid.postalAddress }, 'storeName'],
  ])('a wrong value fails with a message naming the field (%#)', (input, field) => {
    let error: unknown;
    try {
      parseConfig(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toContain(field);
  });
});
