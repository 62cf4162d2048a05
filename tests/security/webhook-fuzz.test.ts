import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GenericWebhookSchema } from '../../functions/adapters/webhooks/generic.js';
import { SHOPIFY_TOPICS } from '../../functions/adapters/webhooks/shopify.js';
import { CANONICAL_EVENT_TYPES, CanonicalEventSchema, type SourceName } from '../../functions/domain/events.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../functions/handlers/webhook.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { type FuzzedBody, fuzzedBody, headerValue, SENTINEL } from './arbitraries.js';
import { fixtures, invoke, signatureHeaders, webhookHandler, webhookRequest } from './harness.js';
import { schemaError } from './json-schema.js';

/**
 * Property-based fuzzing of every webhook source through the webhook function (the whole middy chain, in
 * process, with a recording publisher), each body signed with the source's valid signature so that parsing
 * is what is exercised. For every input:
 * - the function never throws (the parser runs inside it: an exception from it would reject the call,
 *   a 5xx in Lambda);
 * - it answers 200 (accepted or ignored), 400 `InvalidPayload` naming the field (`field`, and a message
 *   starting with it) without echoing any value of the body, or 413 for a body over 4 MiB or an event over
 *   256 KB; never 401 (the signature is valid), never 5xx;
 * - every event it publishes is a valid canonical event (the customer function would otherwise dead-letter
 *   it after a 200) that fits in one EventBridge entry (256 KB);
 * - a fixture sent unchanged with its documented headers is answered 200;
 * - nothing is written to Object.prototype (prototype pollution);
 * - for the generic format, a body the parser accepts is valid under docs/generic-webhook.schema.json.
 *
 * The seed is fixed; on failure the message starts with it, and fast-check adds the counterexample and
 * its path. FUZZ_SEED=<n> runs another seed, FUZZ_RUNS=<n> another number of runs.
 */

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const genericJsonSchema = JSON.parse(
  readFileSync(new URL('../../docs/generic-webhook.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
/** EventBridge's limit of one PutEvents entry (Time, Source, DetailType and Detail, in UTF-8 bytes). */
const EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;

/** The `type` values each source dispatches on, plus neighbours it must not use. */
const BODY_TYPES: Readonly<Record<SourceName, readonly string[]>> = {
  generic: [
    ...GenericWebhookSchema.def.options.flatMap((option) => option.shape.type.def.values),
    ...CANONICAL_EVENT_TYPES,
  ],
  stripe: [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'customer.created',
    'invoice.paid',
    'charge.refunded',
    'product.created',
    'product.updated',
    'product.deleted',
    'price.created',
    'price.updated',
    'price.deleted',
    'payment_intent.succeeded',
  ],
  shopify: [],
  woocommerce: [],
};

/** Topic headers: the sources' own, and others. */
const TOPICS: Readonly<Record<'shopify' | 'woocommerce', readonly string[]>> = {
  shopify: [...Object.keys(SHOPIFY_TOPICS), 'products/create', 'app/uninstalled'],
  woocommerce: [
    'customer.created',
    'customer.updated',
    'order.created',
    'order.updated',
    'order.deleted',
    'product.created',
    'product.updated',
    'product.restored',
    'product.deleted',
    'action.woocommerce_x',
  ],
};

/** Shopify trigger times that are fine; the fuzz also sends odd ones. */
const VALID_TRIGGERED_AT = ['2026-11-23T11:59:58.123456Z', '2026-11-23T12:59:58+01:00'];

interface FuzzCase {
  readonly body: FuzzedBody;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly base64: boolean;
}

/** Stands for the fixture's own topic in a generated header: mutated payloads mostly reach their topic's parser. */
const OWN_TOPIC = '(own topic)';

function topicHeader(source: 'shopify' | 'woocommerce'): fc.Arbitrary<string | undefined> {
  return headerValue(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(OWN_TOPIC) },
      { weight: 1, arbitrary: fc.constantFrom(...TOPICS[source]) },
    ),
  );
}

/** The headers besides the signature, built once (not per run: building arbitraries is costly). */
function sourceHeaders(source: SourceName): fc.Arbitrary<Record<string, string | undefined>> {
  if (source === 'shopify') {
    return fc.record({
      'x-shopify-topic': topicHeader('shopify'),
      'x-shopify-webhook-id': headerValue(fc.uuid()),
      'x-shopify-triggered-at': headerValue(
        fc.constantFrom(...VALID_TRIGGERED_AT, '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59-05:00', '2026-11-23'),
      ),
      'x-shopify-shop-domain': headerValue(fc.constant('northwind-linen.myshopify.com')),
    });
  }
  if (source === 'woocommerce') {
    return fc.record({
      'x-wc-webhook-topic': topicHeader('woocommerce'),
      'x-wc-webhook-delivery-id': headerValue(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
      ),
    });
  }
  return fc.constant({});
}

function fuzzCase(source: SourceName): fc.Arbitrary<FuzzCase> {
  let bodies = fuzzedBody(fixtures(source), BODY_TYPES[source]);
  if (source === 'woocommerce') {
    // WooCommerce's unsigned ping, and bodies that only look like it.
    const pings = fc.constantFrom(
      'webhook_id=12',
      'webhook_id=',
      'webhook_id=12&x=1',
      'webhook_id=12\n',
      'Webhook_id=1',
    );
    bodies = fc.oneof(
      { weight: 30, arbitrary: bodies },
      { weight: 1, arbitrary: pings.map((text) => ({ text, unchanged: false, kind: 'ping' })) },
    );
  }
  const base64 = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  const fallbackTopic = source === 'shopify' || source === 'woocommerce' ? TOPICS[source][0] : undefined;
  return fc.record({ body: bodies, headers: sourceHeaders(source), base64 }).map(({ body, headers, base64 }) => ({
    body,
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name,
        value === OWN_TOPIC ? (body.fixture?.topic ?? fallbackTopic) : value,
      ]),
    ),
    base64,
  }));
}

/** Whether the headers are the ones the storefront sends with that fixture (the topic, a delivery id...). */
function deliveredAsDocumented(source: SourceName, body: FuzzedBody, headers: FuzzCase['headers']): boolean {
  if (source === 'shopify') {
    return (
      headers['x-shopify-topic'] === body.fixture?.topic &&
      /^[0-9a-f-]{36}$/.test(headers['x-shopify-webhook-id'] ?? '') &&
      VALID_TRIGGERED_AT.includes(headers['x-shopify-triggered-at'] ?? '')
    );
  }
  if (source === 'woocommerce') return headers['x-wc-webhook-topic'] === body.fixture?.topic;
  return true;
}

function busEntryBytes(event: BusEvent): number {
  return (
    14 +
    Buffer.byteLength(event.source) +
    Buffer.byteLength(event.detailType) +
    Buffer.byteLength(JSON.stringify(event.detail))
  );
}

type Stats = Record<string, number>;

/** A failed check: plain errors, as vitest's expect is slow over 10,000 runs. fast-check adds seed and path. */
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function fuzz(source: SourceName): Promise<Stats> {
  const { handler, published } = webhookHandler();
  const stats: Stats = {};
  const count = (key: string) => {
    stats[key] = (stats[key] ?? 0) + 1;
  };
  const property = fc.asyncProperty(fuzzCase(source), async ({ body, headers, base64 }) => {
    const signed = { ...headers, ...signatureHeaders(source, body.text) };

    // The function, as API Gateway invokes it. The parser runs inside: anything it throws rejects this call,
    // which fails the property with the exception (a 5xx in Lambda).
    published.length = 0;
    const answer = await invoke(handler, webhookRequest(source, body.text, signed, { base64 }));
    count(`${answer.status}${answer.body.status ? ` ${answer.body.status}` : ''}`);
    const said = `answered ${answer.status}: ${answer.raw.slice(0, 300)}`;
    if (Buffer.byteLength(body.text) > MAX_WEBHOOK_BODY_BYTES) {
      check(answer.status === 413, said);
      return;
    }
    check([200, 400, 413].includes(answer.status), said);
    check(answer.status !== 200 || published.length > 0 || answer.body.status === 'ignored', said);
    if (answer.status === 413) {
      // A body under 4 MiB whose event would not fit in an EventBridge entry.
      check(answer.body.error === 'PayloadTooLarge' && String(answer.body.message).includes('EventBridge'), said);
      check(published.length === 0, 'published nothing');
    } else if (answer.status === 400) {
      const field = answer.body.field;
      check(answer.body.error === 'InvalidPayload', said);
      check(typeof field === 'string' && field.length > 0, `the field is named: ${said}`);
      check(String(answer.body.message).startsWith(`${String(field)}: `), `the message starts with the field: ${said}`);
      check(!answer.raw.includes(SENTINEL), `a rejection echoes a value of the body: ${said}`);
      check(published.length === 0, 'published nothing');
    } else if (answer.body.status === 'ignored') {
      check(typeof answer.body.reason === 'string', said);
      check(published.length === 0, 'published nothing');
    } else {
      check(answer.body.status === 'accepted', said);
      const ids = published.map((event) => (event.detail as { id: string }).id);
      check(JSON.stringify(answer.body.events) === JSON.stringify(ids), `the answer names the events: ${said}`);
      for (const event of published) {
        const canonical = CanonicalEventSchema.safeParse(event.detail);
        const issue = canonical.error?.issues[0];
        check(canonical.success, `published a non-canonical event: ${issue?.path.join('.')} ${issue?.message}`);
        check(busEntryBytes(event) <= EVENTBRIDGE_ENTRY_BYTES, 'published an event over 256 KB');
      }
      if (source === 'generic') {
        const refused = schemaError(genericJsonSchema, JSON.parse(body.text));
        check(refused === undefined, `accepted, but docs/generic-webhook.schema.json refuses it at ${refused}`);
        count('schema-checked');
      }
    }
    if (body.unchanged && deliveredAsDocumented(source, body, headers)) {
      check(answer.status === 200, `fixture ${body.fixture?.name} sent unchanged: ${said}`);
    }
    check(!Object.hasOwn(Object.prototype, 'polluted'), 'Object.prototype is polluted');
    check(({} as Record<string, unknown>).isAdmin === undefined, 'Object.prototype is polluted');
  });
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: RUNS });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`fuzzing ${source} failed with seed ${FUZZ_SEED} (FUZZ_SEED=${FUZZ_SEED} to replay)\n${message}`, {
      cause: error,
    });
  }
  return stats;
}

describe.each(['generic', 'shopify', 'woocommerce', 'stripe'] as const)('fuzzing the %s webhook', (source) => {
  it(`${RUNS} signed bodies (seed ${FUZZ_SEED}): 200, 400 naming the field or 413, never 5xx, only canonical events published`, async () => {
    const started = Date.now();
    const stats = await fuzz(source);
    console.info(`fuzz ${source}: ${RUNS} runs in ${Date.now() - started} ms, seed ${FUZZ_SEED}`, stats);
    // The inputs reach past the first checks: a fair share is accepted, a fair share rejected.
    expect(stats['200 accepted'] ?? 0).toBeGreaterThan(RUNS * 0.05);
    expect(stats['400'] ?? 0).toBeGreaterThan(RUNS * 0.2);
  }, 300_000);
});
