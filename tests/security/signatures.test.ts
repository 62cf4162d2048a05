import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENERIC_SIGNATURE_TOLERANCE_SECONDS } from '../../functions/adapters/webhooks/generic.js';
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS } from '../../functions/adapters/webhooks/stripe.js';
import type { SourceName } from '../../functions/domain/events.js';
import {
  fixtures,
  invoke,
  NOW,
  NOW_SECONDS,
  SECRETS,
  signatureHeaders,
  stripeHeader,
  webhookHandler,
  webhookRequest,
} from './harness.js';

/**
 * Forged and replayed signatures, source by source. Stripe and the generic format sign a timestamp: a
 * signature outside the 5-minute tolerance is refused (the replay of a captured delivery), and inside it
 * the replay puts the same event id on the bus again. Shopify and WooCommerce sign the body only, with no
 * time: a replayed delivery passes the signature check and puts the same event id on the bus again too
 * (Shopify's from its delivery id, WooCommerce's from the signed body). The customer function applies an
 * event id once (its receipt, 90 days: tests/integration/local-stack.test.ts shows a delivery twice
 * changing the customer once), so what matters here is that a replay cannot bring a new event id.
 */

const SIGNATURE_SEED = 8058;
const FORGERY_RUNS = 2_000;
const SOURCES: readonly SourceName[] = ['generic', 'shopify', 'woocommerce', 'stripe'];
const SIGNATURE_HEADERS: Readonly<Record<SourceName, string>> = {
  generic: 'x-lifecycle-signature',
  shopify: 'x-shopify-hmac-sha256',
  woocommerce: 'x-wc-webhook-signature',
  stripe: 'stripe-signature',
};

/** A body each source accepts, and the headers it comes with besides the signature. */
function delivery(source: SourceName, webhookId = randomUUID()): { body: string; headers: Record<string, string> } {
  switch (source) {
    case 'generic': {
      const body = JSON.parse(fixtures('generic').find((f) => f.name === 'customer-signed-up')?.text ?? '{}');
      return { body: JSON.stringify({ ...body, id: `evt_${randomUUID()}` }), headers: {} };
    }
    case 'shopify':
      return {
        body: fixtures('shopify').find((f) => f.name === 'orders-create')?.text ?? '',
        headers: {
          'x-shopify-topic': 'orders/create',
          'x-shopify-webhook-id': webhookId,
          'x-shopify-triggered-at': '2026-11-23T11:59:58Z',
        },
      };
    case 'woocommerce': {
      const body = JSON.parse(fixtures('woocommerce').find((f) => f.name === 'order-created')?.text ?? '{}');
      return {
        body: JSON.stringify({ ...body, id: Math.floor(Math.random() * 1e9) + 1 }),
        headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-delivery-id': webhookId },
      };
    }
    case 'stripe': {
      const body = JSON.parse(fixtures('stripe').find((f) => f.name === 'checkout-session-completed')?.text ?? '{}');
      return { body: JSON.stringify({ ...body, id: `evt_${randomUUID()}` }), headers: {} };
    }
  }
}

function request(source: SourceName, body: string, headers: Record<string, string | undefined>) {
  return webhookRequest(source, body, headers);
}

const base64Digest = (text: string, secret: string) => createHmac('sha256', secret).update(text).digest('base64');
const hexDigest = (text: string, secret: string) => createHmac('sha256', secret).update(text).digest('hex');

describe('forged signatures', () => {
  const { handler, published } = webhookHandler();

  it.each(SOURCES)('%s: the right signature is accepted (the baseline of the forgeries below)', async (source) => {
    const { body, headers } = delivery(source);
    const answer = await invoke(handler, request(source, body, { ...headers, ...signatureHeaders(source, body) }));
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.body.status).toBe('accepted');
  });

  it.each(SOURCES)(
    '%s: missing, wrong secret, altered body, another body, mangled: 401 and nothing published',
    async (source) => {
      published.length = 0;
      const { body, headers } = delivery(source);
      const other =
        source === 'shopify'
          ? (fixtures('shopify').find((f) => f.name === 'orders-paid')?.text ?? '')
          : delivery(source).body;
      const valid = signatureHeaders(source, body)[SIGNATURE_HEADERS[source]] as string;
      const forgeries: Record<string, { header: string | undefined; body?: string }> = {
        missing: { header: undefined },
        empty: { header: '' },
        'wrong secret': {
          header: signatureHeaders(source, body, NOW_SECONDS, `${SECRETS[source]}x`)[SIGNATURE_HEADERS[source]],
        },
        'another secret of another source': {
          header: signatureHeaders(source, body, NOW_SECONDS, SECRETS[source === 'generic' ? 'stripe' : 'generic'])[
            SIGNATURE_HEADERS[source]
          ],
        },
        'altered body': { header: valid, body: body.replace(/\d/, (digit) => String((Number(digit) + 1) % 10)) },
        'body with a trailing space': { header: valid, body: `${body} ` },
        'signature of another body': { header: signatureHeaders(source, other)[SIGNATURE_HEADERS[source]], body },
        truncated: { header: valid.slice(0, -4) },
        'upper-cased': { header: valid.toUpperCase() },
      };
      if (source === 'shopify' || source === 'woocommerce') {
        forgeries['with junk after it'] = { header: `${valid}==junk` };
        forgeries['hex instead of base64'] = { header: hexDigest(body, SECRETS[source]) };
        forgeries['digest of the body without the secret'] = {
          header: createHmac('sha256', '').update(body).digest('base64'),
        };
        forgeries['base64 of SHA-256 with the secret appended'] = {
          header: base64Digest(`${body}${SECRETS[source]}`, ''),
        };
      } else {
        forgeries['v0 scheme only'] = { header: valid.replace('v1=', 'v0=') };
        forgeries['another timestamp before it'] = { header: `t=${NOW_SECONDS + 1},${valid}` };
        forgeries['timestamp changed, signature kept'] = {
          header: valid.replace(`t=${NOW_SECONDS}`, `t=${NOW_SECONDS + 1}`),
        };
        forgeries['timestamp not a number'] = { header: valid.replace(`t=${NOW_SECONDS}`, 't=abc') };
        forgeries['timestamp with letters'] = { header: valid.replace(`t=${NOW_SECONDS}`, `t=${NOW_SECONDS}abc`) };
        forgeries['signature over the body alone'] = {
          header: `t=${NOW_SECONDS},v1=${hexDigest(body, SECRETS[source])}`,
        };
      }
      for (const [name, forgery] of Object.entries(forgeries)) {
        const sent = forgery.body ?? body;
        const answer = await invoke(
          handler,
          request(source, sent, { ...headers, [SIGNATURE_HEADERS[source]]: forgery.header }),
        );
        expect(answer.status, `${name}: ${answer.raw}`).toBe(401);
        expect(answer.body.error, name).toBe('InvalidSignature');
      }
      expect(published).toHaveLength(0);
    },
  );

  it.each(SOURCES)(
    `%s: ${FORGERY_RUNS} random signature headers are all refused before the body is read`,
    async (source) => {
      published.length = 0;
      const { body, headers } = delivery(source);
      const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
      const header = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 120 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        hex64.map((digest) => `t=${NOW_SECONDS},v1=${digest}`),
        fc.tuple(hex64, hex64).map(([a, b]) => `t=${NOW_SECONDS},v1=${a},v1=${b}`),
        fc.integer().map((t) => `t=${t},v1=${hexDigest(`${t}.${body}`, 'guessed-secret')}`),
      );
      // Bodies that are not even valid: a forged delivery must not reach the parser (no 400 oracle).
      const sent = fc.oneof(
        fc.constant(body),
        fc.constant('{'),
        fc.jsonValue().map((value) => JSON.stringify(value)),
      );
      await fc.assert(
        fc.asyncProperty(header, sent, async (value, text) => {
          const answer = await invoke(
            handler,
            request(source, text, { ...headers, [SIGNATURE_HEADERS[source]]: value }),
          );
          expect(answer.status).toBe(401);
          expect(answer.body.error).toBe('InvalidSignature');
        }),
        { seed: SIGNATURE_SEED, numRuns: FORGERY_RUNS },
      );
      expect(published).toHaveLength(0);
    },
    120_000,
  );
});

describe('replayed signatures', () => {
  /** The handler at the receiver time `clock.now`. */
  function replayHandler() {
    const clock = { now: NOW };
    const harness = webhookHandler({ wallClock: () => clock.now });
    return { ...harness, clock };
  }

  /** The canonical event ids put on the bus, in order. */
  const ids = (published: ReturnType<typeof webhookHandler>['published']) =>
    published.map((event) => (event.detail as { id: string }).id);

  const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

  it.each([
    ['generic', GENERIC_SIGNATURE_TOLERANCE_SECONDS],
    ['stripe', STRIPE_SIGNATURE_TOLERANCE_SECONDS],
  ] as const)('%s: the tolerance is 5 minutes, to the second', async (source, tolerance) => {
    expect(tolerance).toBe(300);
    const { handler, published } = replayHandler();
    for (const [age, status] of [
      [tolerance, 200],
      [tolerance + 1, 401],
      [24 * 3600, 401],
    ] as const) {
      const { body, headers } = delivery(source);
      const answer = await invoke(
        handler,
        request(source, body, { ...headers, ...signatureHeaders(source, body, NOW_SECONDS - age) }),
      );
      expect(answer.status, `signed ${age} s ago: ${answer.raw}`).toBe(status);
      if (status === 401) {
        expect(answer.body).toEqual({
          error: 'InvalidSignature',
          message: 'the signature timestamp is outside the 5-minute tolerance',
        });
      }
    }
    expect(published).toHaveLength(1);
  });

  it("generic: a signature from the future is refused too (Stripe's package checks the age only)", async () => {
    const { handler } = replayHandler();
    const { body } = delivery('generic');
    const ahead = await invoke(handler, request('generic', body, signatureHeaders('generic', body, NOW_SECONDS + 301)));
    expect(ahead.status).toBe(401);
    const justAhead = await invoke(
      handler,
      request('generic', body, signatureHeaders('generic', body, NOW_SECONDS + 300)),
    );
    expect(justAhead.status).toBe(200);
  });

  it.each(['generic', 'stripe'] as const)(
    '%s: a captured delivery replayed within the window brings no new event id, after it is refused',
    async (source) => {
      const { handler, published, clock } = replayHandler();
      const { body, headers } = delivery(source);
      const captured = { ...headers, ...signatureHeaders(source, body, NOW_SECONDS) };
      clock.now = NOW;
      expect((await invoke(handler, request(source, body, captured))).body.status).toBe('accepted');
      clock.now = later(60);
      const again = await invoke(handler, request(source, body, captured));
      expect(again.status).toBe(200);
      expect(again.body.events).toEqual(ids(published).slice(0, 1));
      clock.now = later(STRIPE_SIGNATURE_TOLERANCE_SECONDS + 1);
      const stale = await invoke(handler, request(source, body, captured));
      expect(stale.status).toBe(401);
      // The timestamp cannot be refreshed without the secret.
      const refreshed =
        source === 'stripe'
          ? captured['stripe-signature']?.replace(`t=${NOW_SECONDS}`, `t=${NOW_SECONDS + 301}`)
          : captured['x-lifecycle-signature']?.replace(`t=${NOW_SECONDS}`, `t=${NOW_SECONDS + 301}`);
      const header = source === 'stripe' ? 'stripe-signature' : 'x-lifecycle-signature';
      expect((await invoke(handler, request(source, body, { [header]: refreshed }))).status).toBe(401);
      // Nor by adding a fresh timestamp next to the captured one.
      const fresh = `t=${NOW_SECONDS + 301}`;
      for (const smuggled of [`${fresh},${captured[header]}`, `${captured[header]},${fresh}`]) {
        expect((await invoke(handler, request(source, body, { [header]: smuggled }))).status).toBe(401);
      }
      expect(published).toHaveLength(2);
      expect(new Set(ids(published)).size).toBe(1);
    },
  );

  it('stripe: a replay re-signed with a fresh timestamp needs the secret', async () => {
    const { handler } = replayHandler();
    const { body } = delivery('stripe');
    const guessed = stripeHeader(body, 'whsec_guess', NOW_SECONDS);
    expect((await invoke(handler, request('stripe', body, { 'stripe-signature': guessed }))).status).toBe(401);
  });

  it('shopify: no timestamp is signed; a replayed delivery, days later, brings the event id of its delivery id', async () => {
    const { handler, published, clock } = replayHandler();
    const { body, headers } = delivery('shopify');
    const captured = { ...headers, ...signatureHeaders('shopify', body) };
    expect((await invoke(handler, request('shopify', body, captured))).body.status).toBe('accepted');
    clock.now = later(3 * 24 * 3600);
    const replay = await invoke(handler, request('shopify', body, captured));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'accepted', events: [`shopify:${headers['x-shopify-webhook-id']}`] });
    expect(ids(published)).toEqual(Array(2).fill(`shopify:${headers['x-shopify-webhook-id']}`));
  });

  it('woocommerce: no timestamp is signed; a replay under a fresh delivery id brings the event id of the signed body', async () => {
    const { handler, published, clock } = replayHandler();
    const { body, headers } = delivery('woocommerce');
    const captured = { ...headers, ...signatureHeaders('woocommerce', body) };
    const first = await invoke(handler, request('woocommerce', body, captured));
    expect(first.body.status).toBe('accepted');
    clock.now = later(3 * 24 * 3600);
    const replay = await invoke(
      handler,
      request('woocommerce', body, { ...captured, 'x-wc-webhook-delivery-id': randomUUID().replace(/-/g, '') }),
    );
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'accepted', events: first.body.events });
    const events = first.body.events as string[];
    expect(ids(published)).toEqual([...events, ...events]);
  });
});
