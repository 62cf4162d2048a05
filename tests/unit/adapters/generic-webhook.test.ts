import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  genericSource,
  genericWebhookJsonSchema,
  signGenericBody,
  verifyGenericSignature,
} from '../../../functions/adapters/webhooks/generic.js';
import { CanonicalEventSchema } from '../../../functions/domain/events.js';
import { signupBody } from '../../helpers/generic-webhook.js';

const FIXTURES = 'tests/fixtures/generic';
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const secret = 'shop-secret';
const now = new Date('2026-11-23T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const body = JSON.stringify(signupBody('ada@example.com', { id: 'evt_1' }));

describe('generic webhook signature', () => {
  it('accepts a body signed with the secret', () => {
    expect(verifyGenericSignature(signGenericBody(body, secret, t), body, secret, now)).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret, a missing or malformed header', () => {
    const header = signGenericBody(body, secret, t);
    expect(verifyGenericSignature(header, `${body} `, secret, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyGenericSignature(header, body, 'other', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyGenericSignature(undefined, body, secret, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyGenericSignature('v1=abc', body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyGenericSignature(`t=${t},v1`, body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a signature older or newer than five minutes, against replays', () => {
    expect(verifyGenericSignature(signGenericBody(body, secret, t - 301), body, secret, now)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyGenericSignature(signGenericBody(body, secret, t + 301), body, secret, now)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyGenericSignature(signGenericBody(body, secret, t - 299), body, secret, now)).toEqual({ ok: true });
  });

  it('accepts either of two signatures while a shop rotates its secret', () => {
    const old = signGenericBody(body, 'old-secret', t).split(',')[1];
    const header = `${signGenericBody(body, secret, t)},${old}`;
    expect(verifyGenericSignature(header, body, 'old-secret', now)).toEqual({ ok: true });
    expect(verifyGenericSignature(header, body, secret, now)).toEqual({ ok: true });
  });
});

describe('generic webhook payloads', () => {
  const parse = (raw: string) => genericSource.parse({ headers: {}, rawBody: raw }, now);

  it('becomes a canonical, versioned event with a source-scoped id and a normalised email', () => {
    const result = parse(JSON.stringify(signupBody('  Ada@Example.COM ', { id: 'evt_9' })));
    expect(result).toMatchObject({
      kind: 'events',
      events: [
        {
          schemaVersion: 1,
          id: 'generic:evt_9',
          source: 'generic',
          type: 'customer.signed_up',
          data: { customer: { email: 'ada@example.com' } },
        },
      ],
    });
  });

  it.each([
    ['not json', '(body)'],
    [JSON.stringify({ ...signupBody('ada@example.com'), type: 'customer.unknown' }), 'type'],
    [JSON.stringify({ ...signupBody('ada@example.com'), occurredAt: 'yesterday' }), 'occurredAt'],
    [JSON.stringify(signupBody('not-an-email')), 'data.customer.email'],
    [JSON.stringify({ ...signupBody('ada@example.com'), id: '' }), 'id'],
  ])('a malformed body names the field (%#)', (raw, field) => {
    const result = parse(raw);
    expect(result).toMatchObject({ kind: 'invalid', field });
  });

  it('carries a birthday of a day that exists, with or without the year; refuses others naming the field', () => {
    const withBirthday = (birthday: string) => {
      const raw = signupBody('ada@example.com') as { data: { customer: Record<string, unknown> } };
      raw.data.customer.birthday = birthday;
      return parse(JSON.stringify(raw));
    };
    for (const valid of ['--03-14', '--02-29', '1990-03-14', '2000-02-29', '1996-02-29', '1990-12-31']) {
      expect(withBirthday(valid), valid).toMatchObject({
        kind: 'events',
        events: [{ data: { customer: { birthday: valid } } }],
      });
    }
    for (const invalid of [
      '--02-30',
      '1990-02-31',
      '1900-02-29',
      '2023-02-29',
      '--04-31',
      '03-14',
      '1990-3-14',
      '1990-03-14T00:00:00Z',
      '--13-01',
      '1850-01-01',
    ]) {
      const result = withBirthday(invalid);
      // The message says what is expected, never the value sent.
      expect(result, invalid).toEqual({
        kind: 'invalid',
        field: 'data.customer.birthday',
        message: 'expected a date that exists, as --MM-DD or YYYY-MM-DD, such as --03-14 or 1990-03-14',
      });
    }
  });

  it('requires consent on a signup, and never echoes the invalid value', () => {
    const bad = signupBody('ada@example.com') as { data: { customer: Record<string, unknown> } };
    delete bad.data.customer.consent;
    expect(parse(JSON.stringify(bad))).toMatchObject({ kind: 'invalid', field: 'data.customer.consent' });
    const wrongEmail = parse(JSON.stringify(signupBody('secret-person@@example.com')));
    expect(JSON.stringify(wrongEmail)).not.toContain('secret-person');
  });
});

describe('every generic event type', () => {
  const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));

  it.each(files)('%s becomes a valid canonical event of the same type', (file) => {
    const raw = fixture(file);
    const result = genericSource.parse({ headers: {}, rawBody: raw }, now);
    expect(result.kind).toBe('events');
    if (result.kind !== 'events') return;
    const [event] = result.events;
    const body = JSON.parse(raw);
    expect(event).toMatchObject({
      id: `generic:${body.id}`,
      type: body.type,
      source: 'generic',
      occurredAt: body.occurredAt,
    });
    expect(() => CanonicalEventSchema.parse(event)).not.toThrow();
  });

  it('covers the twelve event types of the format', () => {
    const types = new Set(files.map((file) => JSON.parse(fixture(file)).type));
    expect([...types].sort()).toEqual([
      'checkout.started',
      'checkout.updated',
      'consent.changed',
      'customer.erased',
      'customer.signed_up',
      'customer.updated',
      'order.cancelled',
      'order.placed',
      'order.refunded',
      'product.deleted',
      'product.upserted',
      'product.viewed',
    ]);
  });

  it('keeps money in integer minor units: a float amount is refused', () => {
    const body = JSON.parse(fixture('order-placed.json'));
    body.data.order.total.amount = 58.98;
    expect(genericSource.parse({ headers: {}, rawBody: JSON.stringify(body) }, now)).toMatchObject({
      kind: 'invalid',
      field: 'data.order.total.amount',
    });
  });

  it('an order without an email is accepted', () => {
    const result = genericSource.parse({ headers: {}, rawBody: fixture('order-placed-jpy-no-email.json') }, now);
    expect(result).toMatchObject({
      kind: 'events',
      events: [{ data: { order: { total: { amount: 4500, currency: 'JPY' } } } }],
    });
  });

  it('refuses a customer.updated that names nobody', () => {
    const body = JSON.parse(fixture('customer-updated.json'));
    body.data.customer = { firstName: 'Ada' };
    expect(genericSource.parse({ headers: {}, rawBody: JSON.stringify(body) }, now)).toMatchObject({
      kind: 'invalid',
      field: 'data.customer',
    });
  });
});

describe('a product of the catalogue', () => {
  const product = () => JSON.parse(fixture('product-upserted.json'));
  const parsed = (body: unknown) => genericSource.parse({ headers: {}, rawBody: JSON.stringify(body) }, now);
  const withProduct = (change: (product: Record<string, any>) => void) => {
    const body = product();
    change(body.data.product);
    return parsed(body);
  };

  it('keeps its links in their normal form', () => {
    const result = withProduct((p) => {
      p.url = " HTTPS://Coffee.Example.com/products/it's ";
    });
    expect(result).toMatchObject({
      kind: 'events',
      events: [{ data: { product: { url: 'https://coffee.example.com/products/it%27s' } } }],
    });
  });

  it.each<[string, (p: Record<string, any>) => void, string]>([
    [
      'a script link as its page',
      (p) => {
        p.url = 'javascript:alert(1)';
      },
      'data.product.url',
    ],
    [
      'a data link as its image',
      (p) => {
        p.imageUrl = 'data:image/png;base64,AAAA';
      },
      'data.product.imageUrl',
    ],
    [
      'a link with a password',
      (p) => {
        p.imageUrl = 'https://a:b@cdn.example.com/x.jpg';
      },
      'data.product.imageUrl',
    ],
    [
      'no title',
      (p) => {
        p.title = '';
      },
      'data.product.title',
    ],
    [
      'a title of a whole page',
      (p) => {
        p.title = 'x'.repeat(301);
      },
      'data.product.title',
    ],
    [
      'a price in floats',
      (p) => {
        p.price.amount = 14.99;
      },
      'data.product.price.amount',
    ],
    [
      'a negative price',
      (p) => {
        p.price.amount = -1;
      },
      'data.product.price.amount',
    ],
    [
      'a price in no currency',
      (p) => {
        p.price.currency = 'XYZ';
      },
      'data.product.price.currency',
    ],
    [
      'a compare-at price in another currency',
      (p) => {
        p.compareAtPrice.currency = 'EUR';
      },
      'data.product.compareAtPrice.currency',
    ],
    [
      'a variant in another currency',
      (p) => {
        p.variants[1].price.currency = 'EUR';
      },
      'data.product.variants.1.price.currency',
    ],
    [
      'two variants of one id',
      (p) => {
        p.variants[1].id = p.variants[0].id;
      },
      'data.product.variants.1.id',
    ],
    [
      'an availability of its own',
      (p) => {
        p.availability = 'maybe';
      },
      'data.product.availability',
    ],
    [
      'more variants than any email shows',
      (p) => {
        p.variants = Array.from({ length: 101 }, (_, i) => ({ ...p.variants[0], id: `v${i}` }));
      },
      'data.product.variants',
    ],
    [
      'more categories than kept',
      (p) => {
        p.categories = Array.from({ length: 21 }, (_, i) => `c${i}`);
      },
      'data.product.categories',
    ],
    [
      'no time of its state',
      (p) => {
        delete p.updatedAt;
      },
      'data.product.updatedAt',
    ],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(withProduct(change)).toMatchObject({ kind: 'invalid', field });
  });

  it('refuses a deletion that names no product', () => {
    const body = JSON.parse(fixture('product-deleted.json'));
    body.data.product.id = '';
    expect(parsed(body)).toMatchObject({ kind: 'invalid', field: 'data.product.id' });
  });
});

describe('the published JSON Schema', () => {
  it('docs/generic-webhook.schema.json is the schema generated from the zod schemas (npm run schema)', () => {
    const committed = JSON.parse(readFileSync('docs/generic-webhook.schema.json', 'utf8'));
    expect(committed).toEqual(genericWebhookJsonSchema());
  });
});
