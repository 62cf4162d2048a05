import fc from 'fast-check';
import type { Fixture } from './harness.js';

/**
 * fast-check arbitraries for fuzzing webhook bodies: arbitrary JSON, valid payloads mutated (wrong types,
 * huge strings, unicode, control characters, prototype-pollution keys, deep nesting, removed and repeated
 * parts), raw text that is not JSON, and bodies cut short.
 */

/** Put in every string the fuzzer writes into a body, so an answer echoing a value is easy to spot. */
export const SENTINEL = 'Qz7Sentinel';

/** Key paths inside a JSON value. */
type Path = readonly (string | number)[];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sets `key` as an own property even when it is `__proto__` (plain assignment would set the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every path of a value (the root included), breadth first, capped so that huge bodies stay cheap. */
function paths(root: unknown, limit = 200): Path[] {
  const found: Path[] = [];
  const queue: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  while (queue.length > 0 && found.length < limit) {
    const { value, path } = queue.shift() as { value: unknown; path: Path };
    found.push(path);
    if (path.length >= 12) continue;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) queue.push({ value: item, path: [...path, index] });
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) queue.push({ value: value[key], path: [...path, key] });
    }
  }
  return found;
}

function get(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  return value;
}

// --- Values -----------------------------------------------------------------------------------------------------

const boundaryNumbers = fc.constantFrom(
  0,
  -0,
  -1,
  1,
  1.5,
  -2.5,
  0.1,
  0.005,
  100,
  101,
  1e21,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  // Seconds and milliseconds at the edges of what a Date and an ISO 8601 year of four digits can hold.
  8.64e12,
  8.64e12 + 1,
  8.64e15,
  9e15,
  253402300799,
  253402300800,
  -62167219201,
);

const boundaryStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'null',
  'true',
  '0',
  '-0',
  '19.99',
  '19,99',
  '1e999',
  '0x10',
  'NaN',
  'Infinity',
  '-1',
  '٣٤٥',
  '１２３',
  '0000-01-01T00:00:00+01:00',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-05:00',
  '9999-12-31T23:59:59Z',
  '2026-02-29T10:00:00Z',
  '2028-02-29T10:00:00+14:00',
  '2026-11-20T09:30:00Z',
  '2026-11-20T09:30:00',
  '2026-11-20',
  '2026-11-20T25:00:00Z',
  'ada@example.com',
  '  ADA@Example.COM ',
  'a@@example.com',
  'a@b',
  '"a b"@example.com',
  'ada@example.com\r\nBcc: victim@example.org',
  '<script>alert(1)</script>',
  '{{firstName}}',
  '{{{unsubscribeUrl}}}',
  '{{#each this}}x{{/each}}',
  'https://shop.example.com/checkout/1?x=<b>',
  'javascript:alert(1)',
  'http://[::1',
  'USD',
  'usd',
  'JPY',
  'KWD',
  'XXX',
  'US',
  'subscribed',
  'unsubscribed',
  'pending',
  'none',
  'opt_in',
  'opt_out',
  'paid',
  'payment',
  'subscription',
  'processing',
  'completed',
  'cancelled',
  'refunded',
  'refund',
  'success',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'Europe/London',
  'Mars/Olympus_Mons',
  'en-GB',
);

/** Strings of control, separator, bidi and non-BMP characters, and lone surrogates. */
const awkwardUnicode = fc.string({
  unit: fc.constantFrom(
    '\r',
    '\n',
    '\t',
    '\u0000',
    '\u0085',
    '\u2028',
    '\u2029',
    '\u202e',
    '\u200b',
    '\ufeff',
    '\ud800',
    '\udfff',
    '😀',
    'é',
    'ß',
    'İ',
    '<',
    '>',
    '&',
    '"',
    "'",
    '`',
    '{{',
    '}}',
    '\\',
  ),
  maxLength: 30,
});

/** Strings of 1,000 to 100,000 characters: long names, ids and amounts. */
const hugeString = fc
  .record({
    unit: fc.constantFrom('a', '9', 'é', '😀', '\u0001', '<', '{{', ' ', '\\', '"'),
    length: fc.integer({ min: 1_000, max: 100_000 }),
  })
  .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)));

/** Arrays or objects nested 10 to 3,000 levels deep. */
const deeplyNested = fc
  .record({ depth: fc.integer({ min: 10, max: 3_000 }), kind: fc.constantFrom('array', 'object', 'mixed') })
  .map(({ depth, kind }) => {
    let value: unknown = SENTINEL;
    for (let level = 0; level < depth; level++) {
      const asArray = kind === 'array' || (kind === 'mixed' && level % 2 === 0);
      value = asArray ? [value] : { id: value };
    }
    return value;
  });

/** Objects whose own keys are the names prototype pollution uses. */
const pollutingObject = fc
  .constantFrom(
    '{"__proto__":{"polluted":"yes","email":"x@example.com","isAdmin":true}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"__proto__":null,"id":1}',
    '{"toString":"x","valueOf":1,"hasOwnProperty":"y","length":3}',
    '{"__proto__":{"length":1,"0":"x"},"data":{"object":{"__proto__":{"polluted":"yes"}}}}',
  )
  .map((text) => JSON.parse(text) as unknown);

const wrongContainers = fc.constantFrom<() => unknown>(
  () => [],
  () => ({}),
  () => null,
  () => true,
  () => false,
  () => [null],
  () => [[]],
  () => [{}],
  () => ({ id: null }),
);

/** Any value a fuzzed body may get somewhere. Strings the fuzzer makes up carry {@link SENTINEL}. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: boundaryNumbers },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 4, arbitrary: boundaryStrings },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((text) => `${SENTINEL}${text}`) },
  { weight: 2, arbitrary: awkwardUnicode.map((text) => `${text}${SENTINEL}`) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: pollutingObject },
  { weight: 2, arbitrary: wrongContainers.map((make) => make()) },
);

const nastyKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    ' ',
    'id',
    'email',
    'type',
    'data',
    'object',
    'customer',
    'order',
    'refunds',
    'line_items',
    'lineItems',
    'consent',
    'previous_attributes',
  ),
  fc.string({ maxLength: 12 }),
);

// --- Mutations --------------------------------------------------------------------------------------------------

type Mutation =
  | { readonly op: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly op: 'repeat'; readonly at: number; readonly times: number }
  | { readonly op: 'stringify'; readonly at: number }
  | { readonly op: 'retype'; readonly type: string };

function mutation(typeNames: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: nastyValue }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at, key: nastyKey, value: nastyValue }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('repeat' as const), at, times: fc.integer({ min: 2, max: 250 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('stringify' as const), at }) },
    ...(typeNames.length > 0
      ? [
          {
            weight: 1,
            arbitrary: fc.record({ op: fc.constant('retype' as const), type: fc.constantFrom(...typeNames) }),
          },
        ]
      : []),
  );
}

/** Applies a mutation in place; returns the new root (a replaced root is a new value). */
function apply(root: unknown, change: Mutation): unknown {
  if (change.op === 'retype') {
    if (isObject(root)) define(root, 'type', change.type);
    return root;
  }
  const all = paths(root);
  const path = all[change.at % all.length] as Path;
  const target = get(root, path);
  const parent = path.length > 0 ? get(root, path.slice(0, -1)) : undefined;
  const key = path.at(-1);
  const set = (value: unknown): unknown => {
    if (parent === undefined || key === undefined) return value;
    if (Array.isArray(parent)) parent[key as number] = value;
    else define(parent as Record<string, unknown>, key as string, value);
    return root;
  };
  switch (change.op) {
    case 'replace':
      return set(change.value);
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (isObject(parent)) delete parent[key as string];
      return root;
    case 'add':
      if (Array.isArray(target)) target.push(change.value);
      else if (isObject(target)) define(target, change.key, change.value);
      else return set({ [change.key === '__proto__' ? 'proto' : change.key]: change.value });
      return root;
    case 'repeat': {
      // At most about 1 MB of repeats, so that a run stays fast; bodies over the limit are tested apart.
      const unit = Array.isArray(target) && target.length > 0 ? target[0] : target;
      const text = JSON.stringify(unit) ?? 'null';
      const times = Math.max(1, Math.min(change.times, Math.floor(1_000_000 / text.length)));
      const copies = Array.from({ length: times }, () => JSON.parse(text) as unknown);
      if (Array.isArray(target) && target.length > 0) {
        target.push(...copies);
        return root;
      }
      return set(copies);
    }
    case 'stringify':
      return set(typeof target === 'string' ? Number(target) : (JSON.stringify(target) ?? 'undefined'));
  }
}

/** A fuzzed body: the text to sign and send, and the fixture it was made from (for its topic). */
export interface FuzzedBody {
  readonly text: string;
  readonly fixture?: Fixture;
  /** A fixture sent exactly as written: must be accepted. */
  readonly unchanged: boolean;
  readonly kind: string;
}

/**
 * Bodies for one source: mostly its fixtures mutated 1 to 4 times, and some arbitrary JSON, raw text, cut
 * fixtures and fixtures sent unchanged. `typeNames` are the body `type` values the source dispatches on.
 */
export function fuzzedBody(
  sourceFixtures: readonly Fixture[],
  typeNames: readonly string[] = [],
): fc.Arbitrary<FuzzedBody> {
  const fixture = fc.constantFrom(...sourceFixtures);
  return fc.oneof(
    {
      weight: 14,
      arbitrary: fc
        .record({ fixture, mutations: fc.array(mutation(typeNames), { minLength: 1, maxLength: 4 }) })
        .map(({ fixture, mutations }) => {
          let root: unknown = JSON.parse(fixture.text);
          for (const change of mutations) root = apply(root, change);
          const text = JSON.stringify(root) ?? 'null';
          return { text, fixture, unchanged: false, kind: 'mutated' };
        }),
    },
    {
      weight: 1,
      arbitrary: fixture.map((fixture) => ({ text: fixture.text, fixture, unchanged: true, kind: 'fixture' })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fixture, fc.jsonValue({ maxDepth: 4 })).map(([fixture, value]) => ({
        text: JSON.stringify(value) ?? 'null',
        fixture,
        unchanged: false,
        kind: 'json',
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fixture, fc.string({ unit: 'binary', maxLength: 200 }))
        .map(([fixture, text]) => ({ text, fixture, unchanged: false, kind: 'text' })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fixture, fc.nat()).map(([fixture, cut]) => ({
        text: fixture.text.slice(0, cut % fixture.text.length),
        fixture,
        unchanged: false,
        kind: 'cut',
      })),
    },
    {
      weight: 1,
      // Keys JSON.parse keeps as own properties: duplicated keys (the last wins) and __proto__ at the top.
      arbitrary: fc
        .tuple(
          fixture,
          fc.constantFrom(
            '"__proto__":{"type":"customer.signed_up","polluted":"yes"},',
            '"constructor":{"prototype":{"polluted":"yes"}},',
            '"id":"dup-first","type":"ignored.first",',
          ),
        )
        .map(([fixture, prefix]) => ({
          text: fixture.text.replace('{', `{${prefix}`),
          fixture,
          unchanged: false,
          kind: 'raw-keys',
        })),
    },
  );
}

/** A header value: mostly `valid`, sometimes missing, empty, odd or made up. */
export function headerValue(valid: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '__proto__',
        'constructor',
        'toString',
        'x\r\ny: z',
        '\u0000',
        'é'.repeat(300),
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
}
