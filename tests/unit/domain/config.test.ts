import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/domain/config.js';
import { ConfigError } from '../../../functions/domain/errors.js';
import { enabledJourneys } from '../../../functions/domain/journeys/catalogue.js';
import defaultConfig from '../../../lifecycle.config.js';

const valid = {
  storeName: 'Shop',
  storeUrl: 'https://shop.example',
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
    expect(config.journeys.welcomeSeries).toEqual({ enabled: true, secondAfter: 'P2D', thirdAfter: 'P4D' });
    expect(config.quietHours).toEqual({ start: '21:00', end: '08:00' });
    expect(config.frequencyCap).toEqual([
      { max: 1, per: 'PT16H' },
      { max: 3, per: 'P7D' },
    ]);
    expect(config.dispatcher).toEqual({ dueShards: 8, lease: 'PT2M' });
  });

  it.each([
    [{ ...valid, sender: { from: 'not an address' } }, 'sender.from'],
    [{ ...valid, postalAddress: 'short' }, 'postalAddress'],
    [{ ...valid, reportingCurrency: 'usd' }, 'reportingCurrency'],
    [{ ...valid, journeys: { welcomeSeries: { secondAfter: 'two days' } } }, 'journeys.welcomeSeries.secondAfter'],
    [{ ...valid, quietHours: { start: '25:00', end: '08:00' } }, 'quietHours.start'],
    [
      { ...valid, journeys: { replenishment: { intervals: [{ every: 'P30D' }] } } },
      'journeys.replenishment.intervals.0',
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

describe('topics and journeyTopics', () => {
  function configError(input: unknown): ConfigError {
    try {
      parseConfig(input);
    } catch (caught) {
      if (caught instanceof ConfigError) return caught;
      throw caught;
    }
    throw new Error('the configuration was accepted');
  }

  it('has the three built-in topics by default, each journey in one of them', () => {
    const config = parseConfig(valid);
    expect(Object.keys(config.topics)).toEqual(['newsletter', 'orders', 'offers']);
    expect(config.topics.offers).toEqual({ label: 'Offers', description: 'Discounts and product recommendations.' });
    expect(config.journeyTopics).toEqual({});
    const topics = Object.fromEntries([...enabledJourneys(config).values()].map((j) => [j.id, j.topic]));
    expect(topics).toMatchObject({
      'welcome-series': 'newsletter',
      'post-purchase': 'orders',
      'cross-sell': 'offers',
      'abandoned-checkout': 'offers',
    });
    expect(Object.values(topics).every((topic) => topic !== undefined && topic in config.topics)).toBe(true);
  });

  it('journeyTopics gives a journey another topic, where journeys are built', () => {
    const config = parseConfig({
      ...valid,
      topics: {
        newsletter: { label: 'News' },
        orders: { label: 'Orders' },
        offers: { label: 'Offers' },
        vip: { label: 'VIP perks', description: 'Thanks and rewards for our best customers.' },
      },
      journeyTopics: { 'cross-sell': 'orders', 'vip-recognition': 'vip' },
    });
    const journeys = enabledJourneys(config);
    expect(journeys.get('cross-sell')?.topic).toBe('orders');
    expect(journeys.get('vip-recognition')?.topic).toBe('vip');
    expect(journeys.get('win-back')?.topic).toBe('offers');
    expect(config.topics.vip?.description).toBe('Thanks and rewards for our best customers.');
  });

  it('refuses an override naming an unknown topic, naming the journey and the topic', () => {
    const error = configError({ ...valid, journeyTopics: { 'cross-sell': 'deals' } });
    expect(error.field).toBe('journeyTopics.cross-sell');
    expect(error.message).toContain('"cross-sell"');
    expect(error.message).toContain('"deals"');
  });

  it('refuses an override for a journey that does not exist', () => {
    const error = configError({ ...valid, journeyTopics: { 'cross-sel': 'offers' } });
    expect(error.field).toBe('journeyTopics.cross-sel');
    expect(error.message).toContain('no journey "cross-sel"');
  });

  it('refuses topics that leave an enabled journey without its topic; a disabled journey does not count', () => {
    const noOrders = { newsletter: { label: 'News' }, offers: { label: 'Offers' } };
    const error = configError({ ...valid, topics: noOrders });
    expect(error.field).toBe('topics');
    expect(error.message).toContain('journey "post-purchase"');
    expect(error.message).toContain('"orders"');

    const moved = {
      'post-purchase': 'newsletter',
      'review-request': 'newsletter',
      'nps-survey': 'newsletter',
    };
    expect(configError({ ...valid, topics: noOrders, journeyTopics: moved }).message).toContain(
      'journey "replenishment"',
    );
    expect(() =>
      parseConfig({
        ...valid,
        topics: noOrders,
        journeyTopics: moved,
        journeys: { replenishment: { enabled: false } },
      }),
    ).not.toThrow();
  });

  it('refuses a topic id that is not a plain lower-case id, and a topic without a label', () => {
    expect(configError({ ...valid, topics: { 'Big Deals': { label: 'Deals' } } }).field).toBe('topics.Big Deals');
    expect(configError({ ...valid, topics: { newsletter: { label: '' } } }).field).toBe('topics.newsletter.label');
  });
});
