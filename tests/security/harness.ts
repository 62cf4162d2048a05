import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { GENERIC_SIGNATURE_HEADER, signGenericBody } from '../../functions/adapters/webhooks/generic.js';
import { enabledWebhookSources } from '../../functions/adapters/webhooks/index.js';
import { SHOPIFY_HMAC_HEADER, signShopifyBody } from '../../functions/adapters/webhooks/shopify.js';
import { STRIPE_SIGNATURE_HEADER } from '../../functions/adapters/webhooks/stripe.js';
import { signWooCommerceBody, WOOCOMMERCE_SIGNATURE_HEADER } from '../../functions/adapters/webhooks/woocommerce.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import type { SourceName } from '../../functions/domain/events.js';
import { createWebhookHandler } from '../../functions/handlers/webhook.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { BusEvent } from '../../functions/ports/event-publisher.js';
import { apiEvent } from '../helpers/api-event.js';
import { ALL_SOURCES, testConfig } from '../helpers/config.js';

/**
 * What the security tests share: every webhook source enabled, secrets per source, a fixed receiver clock,
 * signing as each storefront signs, and the webhook handler (the full middy chain) with a publisher that
 * only records, so that parsing runs in-process.
 */

export const SECRETS: Readonly<Record<SourceName, string>> = {
  generic: 'sec-generic-secret-7c1d',
  shopify: 'shpss_sec_3e9a51',
  woocommerce: 'wc-sec-secret-88f2',
  stripe: 'whsec_sec_0b4f9e2a',
};

/** The receiver's wall clock: fixed, so a run is reproducible from its seed. */
export const NOW = new Date('2026-11-24T12:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export const allSourcesConfig = () => testConfig({ sources: ALL_SOURCES });

export const silentTools = () => ({
  logger: new Logger({ logLevel: 'SILENT' }),
  metrics: new Metrics({ namespace: 'SecurityTest' }),
});

/** The webhook handler with a recording publisher. */
export function webhookHandler(
  options: {
    wallClock?: () => Date;
    /** The stack's configuration. @default every source enabled, no shop domain */
    config?: LifecycleConfig;
    /** Runs before an event is recorded as published; throwing fails the publication as the bus would. */
    publisher?: (events: readonly BusEvent[]) => void;
  } = {},
) {
  const published: BusEvent[] = [];
  const handler = createWebhookHandler({
    sources: enabledWebhookSources(options.config ?? allSourcesConfig()),
    secrets: { secretFor: async (source) => SECRETS[source] },
    publisher: {
      publish: async (events) => {
        options.publisher?.(events);
        published.push(...events);
      },
    },
    wallClock: options.wallClock ?? (() => NOW),
    ...silentTools(),
  });
  return { handler, published };
}

/** `t=<t>,v1=<hex HMAC of "<t>.<body>">`: the generic format and Stripe sign alike. */
export function stripeHeader(rawBody: string, secret: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** The signature header of `source` over `rawBody`, made with the right secret at `timestamp`. */
export function signatureHeaders(
  source: SourceName,
  rawBody: string,
  timestamp = NOW_SECONDS,
  secret = SECRETS[source],
): Record<string, string> {
  switch (source) {
    case 'generic':
      return { [GENERIC_SIGNATURE_HEADER]: signGenericBody(rawBody, secret, timestamp) };
    case 'shopify':
      return { [SHOPIFY_HMAC_HEADER]: signShopifyBody(rawBody, secret) };
    case 'woocommerce':
      return { [WOOCOMMERCE_SIGNATURE_HEADER]: signWooCommerceBody(rawBody, secret) };
    case 'stripe':
      return { [STRIPE_SIGNATURE_HEADER]: stripeHeader(rawBody, secret, timestamp) };
  }
}

/** A POST /webhooks/<source> as API Gateway gives it to the function. */
export function webhookRequest(
  source: string,
  rawBody: string,
  headers: Record<string, string | undefined>,
  options: { base64?: boolean } = {},
) {
  const defined = Object.fromEntries(
    Object.entries({ 'content-type': 'application/json', ...headers }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  return apiEvent(
    'POST',
    `/webhooks/${source}`,
    options.base64 ? Buffer.from(rawBody).toString('base64') : rawBody,
    defined,
    {
      pathParameters: { source },
      isBase64Encoded: options.base64 === true,
    },
  );
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly raw: string;
}

export async function invoke(
  handler: ReturnType<typeof webhookHandler>['handler'],
  event: ReturnType<typeof webhookRequest>,
): Promise<Answer> {
  const result = (await invokeLocally('webhook', handler, event)) as APIGatewayProxyStructuredResultV2;
  const raw = result.body ?? '';
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    body = { unparsable: raw.slice(0, 200) };
  }
  return { status: result.statusCode ?? 0, body, raw };
}

// --- Fixtures -------------------------------------------------------------------------------------------------

export interface Fixture {
  readonly name: string;
  readonly text: string;
  /** The topic header it is delivered with (Shopify, WooCommerce). */
  readonly topic?: string;
}

const SHOPIFY_FIXTURE_TOPICS: Readonly<Record<string, string>> = {
  'checkouts-create': 'checkouts/create',
  'checkouts-update': 'checkouts/update',
  'customers-create': 'customers/create',
  'customers-create-2026-07': 'customers/create',
  'customers-data-request': 'customers/data_request',
  'customers-email-marketing-consent-update': 'customers_email_marketing_consent/update',
  'customers-redact': 'customers/redact',
  'customers-update': 'customers/update',
  'orders-cancelled': 'orders/cancelled',
  'orders-create': 'orders/create',
  'orders-create-jpy': 'orders/create',
  'orders-create-no-email': 'orders/create',
  'orders-paid': 'orders/paid',
  'products-create': 'products/create',
  'products-delete': 'products/delete',
  'products-update': 'products/update',
  'inventory-levels-update': 'inventory_levels/update',
  'refunds-create': 'refunds/create',
  'shop-redact': 'shop/redact',
};

const WOOCOMMERCE_FIXTURE_TOPICS: Readonly<Record<string, string>> = {
  'customer-created': 'customer.created',
  'customer-updated': 'customer.updated',
  'order-created': 'order.created',
  'order-guest': 'order.created',
  'order-jpy': 'order.created',
  'order-updated': 'order.updated',
  'order-cancelled': 'order.updated',
  'order-refunded': 'order.updated',
  'product-created': 'product.created',
  'product-updated': 'product.updated',
  'product-variable-draft': 'product.created',
  'product-deleted': 'product.deleted',
};

/** Every JSON fixture of a source, with the topic it is delivered under. */
export function fixtures(source: SourceName): Fixture[] {
  const directory = new URL(`../fixtures/${source}/`, import.meta.url);
  const topics =
    source === 'shopify' ? SHOPIFY_FIXTURE_TOPICS : source === 'woocommerce' ? WOOCOMMERCE_FIXTURE_TOPICS : {};
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.json$/, '');
      const topic = topics[name];
      if ((source === 'shopify' || source === 'woocommerce') && topic === undefined) {
        throw new Error(`no topic known for fixture ${source}/${file}`);
      }
      return { name, text: readFileSync(new URL(file, directory), 'utf8'), ...(topic ? { topic } : {}) };
    });
}
