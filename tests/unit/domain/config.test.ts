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
    expect(config.dispatcher).toEqual({
      dueShards: 8,
      lease: 'PT2M',
      workers: 20,
      messageSize: 50,
      planLimit: 100_000,
    });
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

describe('messages about a wrong configuration', () => {
  function refusal(input: unknown, source?: string): ConfigError {
    try {
      parseConfig(input, source);
    } catch (caught) {
      if (caught instanceof ConfigError) return caught;
      throw caught;
    }
    throw new Error('the configuration was accepted');
  }

  it('reports a typo as an unknown setting with the one it meant, not as the required setting it leaves out', () => {
    const { storeName, ...rest } = valid;
    const error = refusal({ ...rest, storeNmae: storeName });
    expect(error.field).toBe('storeNmae');
    expect(error.message).toBe('unknown setting storeNmae; did you mean storeName?');
  });

  it.each([
    [
      { sources: { magento: { enabled: true } } },
      'sources.magento',
      'the settings of sources are generic, shopify, woocommerce, stripe',
    ],
    [{ sender: { ...valid.sender, replyto: 'a@shop.example' } }, 'sender.replyto', 'did you mean replyTo?'],
    [
      { journeys: { welcomeSeries: { secondAftr: 'P3D' } } },
      'journeys.welcomeSeries.secondAftr',
      'did you mean secondAfter?',
    ],
    [{ journeys: { winback: { enabled: false } } }, 'journeys.winback', 'did you mean winBack?'],
    [{ quietHours: { strat: '22:00', end: '07:00' } }, 'quietHours.strat', 'did you mean start?'],
    [{ frequencyCap: [{ max: 1, pre: 'P1D' }] }, 'frequencyCap.0.pre', 'did you mean per?'],
    [
      { deliverability: { alarms: { bounceRat: 0.05 } } },
      'deliverability.alarms.bounceRat',
      'did you mean bounceRate?',
    ],
    [
      { segments: [{ id: 'big', nmae: 'Big', condition: { segment: 'vip' } }] },
      'segments.0.nmae',
      'did you mean name?',
    ],
    [
      { topics: { news: { label: 'News', descripton: 'All of it' } } },
      'topics.news.descripton',
      'did you mean description?',
    ],
    [{ collect: { perIPPerMinute: 10 } }, 'collect.perIPPerMinute', 'did you mean perIpPerMinute?'],
    [
      { collect: { keys: [{ name: 'web', writeKey: 'wk_0123456789abcdef', origin: ['https://a.example'] }] } },
      'collect.keys.0.origin',
      'did you mean origins?',
    ],
  ])('names an unknown nested setting by its path (%#)', (settings, field, hint) => {
    const error = refusal({ ...valid, ...settings });
    expect(error.field).toBe(field);
    expect(error.message).toBe(`unknown setting ${field}; ${hint}`);
  });

  it('names every unknown setting of an object', () => {
    const error = refusal({ ...valid, storeNmae: 'Shop', colour: 'blue' });
    expect(error.field).toBe('storeNmae');
    expect(error.message).toBe('unknown settings storeNmae (did you mean storeName?), colour');
  });

  it('refuses an unknown setting at every level of the configuration', () => {
    // Every object of the schema present, with its defaults written out.
    const full = parseConfig({
      ...valid,
      sender: { from: 'Shop <hi@shop.example>', replyTo: 'help@shop.example' },
      journeys: { replenishment: { intervals: [{ category: 'coffee', every: 'P30D' }] } },
      segments: [{ id: 'big', name: 'Big spenders', condition: { fact: 'revenue', op: 'gte', value: 100_000 } }],
      deliverability: { domain: { name: 'shop.example' } },
      report: { recipients: ['team@shop.example'], timeZone: 'Europe/Paris' },
      api: {
        domain: {
          name: 'hooks.shop.example',
          certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0d0c1f58-0a4e-4c4b-9a61-2f4c2cbd6f11',
        },
      },
    });
    // Records, whose keys are names of the user's own (topics, currencies, journeys), take any name.
    const records = new Set(['topics', 'currencyRates', 'journeyTopics']);
    const levels: string[][] = [];
    const visit = (value: unknown, path: string[]) => {
      if (typeof value !== 'object' || value === null) return;
      if (!Array.isArray(value) && !records.has(path.join('.'))) levels.push(path);
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
    };
    visit(full, []);
    expect(levels.length).toBeGreaterThan(30);
    for (const path of levels) {
      const input = structuredClone(full) as Record<string, unknown>;
      const object = path.reduce((node, key) => (node as Record<string, unknown>)[key], input as unknown);
      (object as Record<string, unknown>).colour = 'blue';
      const field = [...path, 'colour'].join('.');
      expect(refusal(input).message, field).toMatch(
        new RegExp(`^unknown setting ${field.replaceAll('.', '\\.')}(;|$)`),
      );
    }
  });

  it('says a required setting is missing in plain words', () => {
    const { sender: _, ...withoutSender } = valid;
    const error = refusal(withoutSender);
    expect(error.field).toBe('sender');
    expect(error.message).toBe('the required setting sender is missing');
    expect(refusal({ ...valid, sender: {} }).message).toBe('the required setting sender.from is missing');
  });

  it('says which kind of value a setting wants', () => {
    expect(refusal({ ...valid, storeName: 42 }).message).toBe('storeName should be text, not a number');
    expect(refusal({ ...valid, frequencyCap: { max: 1 } }).message).toBe(
      'frequencyCap should be a list, not an object',
    );
    expect(refusal({ ...valid, sources: { generic: { enabled: 'yes' } } }).message).toBe(
      'sources.generic.enabled should be true or false, not text',
    );
  });

  it.each([
    [{ storeName: '' }, 'storeName: should not be empty'],
    [{ dispatcher: { dueShards: 0 } }, 'dispatcher.dueShards: should be at least 1'],
    [{ deliverability: { alarms: { bounceRate: 1 } } }, 'deliverability.alarms.bounceRate: should be less than 1'],
    [{ alarmEmail: 'alarms' }, 'alarmEmail: should be an email address'],
    [{ currencyRates: { eur: 1.08 } }, 'currencyRates.eur: expected an ISO 4217 currency code such as USD'],
    [
      { deliverability: { doubleOptIn: ['magento'] } },
      'deliverability.doubleOptIn.0: should be one of "generic", "shopify", "woocommerce", "stripe"',
    ],
    [
      { deliverability: { doubleOptIn: ['shopfy'] } },
      'deliverability.doubleOptIn.0: unknown value; did you mean "shopify"?',
    ],
    [
      { segments: [{ id: 'big', condition: { fact: 'orderCont', op: 'gte', value: 2 } }] },
      'segments.0.condition.fact: unknown value; did you mean "orderCount"?',
    ],
  ])('says what is wrong with a value in plain words (%#)', (settings, sentence) => {
    expect(refusal({ ...valid, ...settings }).message).toBe(`invalid configuration at ${sentence}`);
  });

  it('says a whole number is wanted', () => {
    expect(refusal({ ...valid, dispatcher: { dueShards: 1.5 } }).message).toBe(
      'dispatcher.dueShards should be a whole number',
    );
  });

  it('reports a wrong value inside a setting of several forms (false, or start and end) at that value', () => {
    const error = refusal({ ...valid, quietHours: { start: 2200, end: '08:00' } });
    expect(error.field).toBe('quietHours.start');
    expect(error.message).toBe('quietHours.start should be text, not a number');
    expect(refusal({ ...valid, quietHours: true }).message).toBe('quietHours should be false or an object, not true');
  });

  it('has no weekly report unless recipients are given, and then Monday 08:00 in the store time zone', () => {
    expect(parseConfig(valid).report).toBeUndefined();
    expect(parseConfig({ ...valid, report: { recipients: ['team@shop.example'] } }).report).toEqual({
      recipients: ['team@shop.example'],
      weekday: 'monday',
      hour: 8,
      linkValidFor: 'P7D',
    });
    expect(refusal({ ...valid, report: { recipients: ['not an address'] } }).field).toBe('report.recipients.0');
    expect(refusal({ ...valid, report: { recipients: ['a@b.example'], weekday: 'mon' } }).field).toBe('report.weekday');
    expect(refusal({ ...valid, report: { recipients: ['a@b.example'], hour: 24 } }).field).toBe('report.hour');
    expect(refusal({ ...valid, report: { recipients: [] } }).field).toBe('report.recipients');
  });

  it('names the file the configuration came from, when given', () => {
    const { sender: _, ...withoutSender } = valid;
    expect(refusal(withoutSender, 'lifecycle.config.ts').message).toBe(
      'lifecycle.config.ts: the required setting sender is missing',
    );
    expect(refusal({ ...valid, journeyTopics: { 'cross-sell': 'deals' } }, 'lifecycle.config.ts').message).toMatch(
      /^lifecycle\.config\.ts: invalid configuration at journeyTopics\.cross-sell: /,
    );
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
