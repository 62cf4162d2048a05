import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalEventSchema, EARLIEST_EVENT_TIME } from '../../functions/domain/events.js';
import { fixtures, invoke, NOW, signatureHeaders, webhookHandler, webhookRequest } from './harness.js';
import { schemaError } from './json-schema.js';

/**
 * The generic format from the other side: bodies that follow docs/generic-webhook.schema.json, built from
 * the fixtures with every free text, id, amount, time and optional part varied (unicode, control
 * characters, markup, braces, lengths up to each limit). Every one is accepted with 200, published as a
 * canonical event whose data is the body's (addresses normalised, nothing added or lost), and is valid
 * under the published JSON Schema. Text is passed on as written: it is made safe where it is used (the
 * template data), not here.
 */

const GENERIC_SEED = 1999;
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const jsonSchema = JSON.parse(
  readFileSync(new URL('../../docs/generic-webhook.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** Text of at most `max` UTF-16 units, including what usually breaks things. */
const text = (max: number, min = 0) =>
  fc.string({
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '9', ' ', '-', '.', 'é', 'ß', '中') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('\r', '\n', '\u0000', '\u2028', '\u202e', '<', '>', '"', '&', '{{', '}}', '😀'),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
    minLength: min,
    // A unit is at most two UTF-16 units ("😀", "{{"); zod counts UTF-16 units.
    maxLength: Math.floor(max / 2),
  });

/** Any time the format accepts when the webhook reads its clock at NOW: from 1995 to now. */
const isoTime = fc
  .date({ min: new Date(EARLIEST_EVENT_TIME), max: NOW, noInvalidDate: true })
  .map((date) => date.toISOString());

/** What each field of the fixtures may become, by its name. Fields not named here keep their value. */
const FIELD_VALUES: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  id: text(200, 1),
  productId: text(200, 1),
  variantId: text(200, 1),
  externalId: text(200, 1),
  firstName: text(200),
  lastName: text(200),
  name: text(300),
  title: text(300, 1),
  availability: fc.constantFrom('in_stock', 'out_of_stock'),
  sku: text(200),
  number: text(100),
  source: text(200),
  medium: text(200),
  campaign: text(200),
  locale: text(35),
  ip: text(64),
  userAgent: text(500),
  // Up to the largest line the format allows: 10^6 units at 10^7 minor units.
  amount: fc.integer({ min: 0, max: 1e7 }),
  quantity: fc.integer({ min: 1, max: 1e6 }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY', 'KWD', 'CHF'),
  occurredAt: isoTime,
  placedAt: isoTime,
  updatedAt: isoTime,
  refundedAt: isoTime,
  cancelledAt: isoTime,
  at: isoTime,
  timezone: fc.constantFrom('Europe/London', 'America/Argentina/Buenos_Aires', 'Asia/Kathmandu', 'UTC', 'Etc/GMT+12'),
  email: fc.constantFrom(
    'ada@example.com',
    '  Ada.Lovelace+shop@Example.COM ',
    "o'brien@example.ie",
    'x@sub.example.co.uk',
  ),
};
/** Fields the format lets a shop leave out. */
const OPTIONAL = new Set([
  'firstName',
  'lastName',
  'timezone',
  'locale',
  'acquisition',
  'variantId',
  'sku',
  'categories',
  'number',
  'discountCodes',
  'url',
  'source',
  'medium',
  'campaign',
  'at',
  'ip',
  'userAgent',
  'price',
  'imageUrl',
  'compareAtPrice',
  'variants',
]);
/** Fields of one event type that its format requires, though another type's field of that name is optional. */
const REQUIRED_BY_TYPE: Readonly<Record<string, ReadonlySet<string>>> = {
  'product.upserted': new Set(['price']),
};

interface Leaf {
  readonly path: readonly (string | number)[];
  readonly key: string;
}

function leaves(value: unknown, path: readonly (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => {
      const here = [...path, key];
      // consent.email is the consent status, not an address.
      if (key === 'email' && path.at(-1) === 'consent') return [];
      const own = FIELD_VALUES[key] !== undefined || OPTIONAL.has(key) ? [{ path: here, key }] : [];
      return typeof child === 'object' && child !== null
        ? [...own.filter((l) => OPTIONAL.has(l.key)), ...leaves(child, here)]
        : own;
    });
  }
  return [];
}

type Change = { readonly kind: 'set'; readonly value: unknown } | { readonly kind: 'drop' } | { readonly kind: 'keep' };

function changeFor(leaf: Leaf, type: string): fc.Arbitrary<Change> {
  const options: fc.Arbitrary<Change>[] = [fc.constant({ kind: 'keep' as const })];
  const value = FIELD_VALUES[leaf.key];
  if (value) options.push(value.map((v) => ({ kind: 'set' as const, value: v })));
  if (OPTIONAL.has(leaf.key) && !REQUIRED_BY_TYPE[type]?.has(leaf.key)) {
    options.push(fc.constant({ kind: 'drop' as const }));
  }
  return fc.oneof(...options);
}

/**
 * What the format requires of a catalogue product beyond its JSON Schema: its prices in the product
 * price's currency, and variant ids unique. Varied bodies are made to follow it.
 */
function asCatalogueProduct(body: Record<string, any>): void {
  const product = body.data?.product;
  if (body.type !== 'product.upserted' || !product) return;
  const currency = product.price.currency;
  if (product.compareAtPrice) product.compareAtPrice.currency = currency;
  (product.variants ?? []).forEach((variant: Record<string, any>, index: number) => {
    if (variant.price) variant.price.currency = currency;
    variant.id = `${index}.${String(variant.id).slice(0, 190)}`;
  });
}

/** A body of the generic format: a fixture with its fields varied within the format's rules. */
const validBody = fc.constantFrom(...fixtures('generic')).chain((fixture) => {
  const base = JSON.parse(fixture.text) as Record<string, unknown>;
  const all = leaves(base).filter((leaf) => leaf.path[0] !== 'type');
  return fc.tuple(...all.map((leaf) => changeFor(leaf, String(base.type)))).map((changes) => {
    const body = JSON.parse(fixture.text) as Record<string, unknown>;
    changes.forEach((change, index) => {
      const leaf = all[index] as Leaf;
      const parent = leaf.path.slice(0, -1).reduce<any>((node, key) => node?.[key], body);
      if (!parent || typeof parent !== 'object') return;
      if (change.kind === 'set') parent[leaf.key] = change.value;
      else if (change.kind === 'drop') delete parent[leaf.key];
    });
    asCatalogueProduct(body);
    return { fixture: fixture.name, body };
  });
});

/** The data as the product keeps it: addresses trimmed and lower-cased. */
function normalised(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalised);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        key === 'email' && typeof child === 'string' ? child.trim().toLowerCase() : normalised(child),
      ]),
    );
  }
  return value;
}

describe(`the generic format (seed ${GENERIC_SEED})`, () => {
  it(`${RUNS} bodies that follow the format are accepted, published as they came, and valid under the JSON Schema`, async () => {
    const { handler, published } = webhookHandler();
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(validBody, async ({ fixture, body }) => {
        const raw = JSON.stringify({ ...body, id: `${String(body.id).slice(0, 180)}#${++counter}` });
        const sent = JSON.parse(raw) as Record<string, unknown>;
        const refused = schemaError(jsonSchema, sent);
        if (refused) throw new Error(`${fixture}: the JSON Schema refuses it at ${refused}`);
        published.length = 0;
        const answer = await invoke(handler, webhookRequest('generic', raw, signatureHeaders('generic', raw)));
        if (answer.status !== 200 || answer.body.status !== 'accepted' || published.length !== 1) {
          throw new Error(`${fixture}: answered ${answer.status} ${answer.raw.slice(0, 300)}`);
        }
        const event = published[0]?.detail as Record<string, unknown>;
        const canonical = CanonicalEventSchema.safeParse(event);
        if (!canonical.success)
          throw new Error(`${fixture}: not canonical: ${canonical.error.issues[0]?.path.join('.')}`);
        if (event.id !== `generic:${sent.id}` || event.type !== sent.type || event.occurredAt !== sent.occurredAt) {
          throw new Error(`${fixture}: the envelope changed`);
        }
        // Data passes as it came, addresses normalised: compared as JSON (key order is the body's own).
        if (JSON.stringify(event.data) !== JSON.stringify(normalised(sent.data))) {
          expect(event.data).toEqual(normalised(sent.data));
        }
      }),
      { seed: GENERIC_SEED, numRuns: RUNS },
    );
  }, 300_000);
});
