import type { LifecycleConfig } from '../../domain/config.js';
import { genericSource } from './generic.js';
import { createShopifySource } from './shopify.js';
import type { WebhookSource } from './source.js';
import { stripeSource } from './stripe.js';
import { createWooCommerceSource } from './woocommerce.js';

/** The webhook sources a configuration enables, keyed by their URL name (`/webhooks/<name>`). */
export function enabledWebhookSources(config: LifecycleConfig): ReadonlyMap<string, WebhookSource> {
  const all: readonly WebhookSource[] = [
    genericSource,
    createShopifySource({
      shopDomain: config.sources.shopify.shopDomain,
      storeUrl: config.storeUrl,
      currency: config.sources.shopify.currency ?? config.reportingCurrency,
    }),
    createWooCommerceSource({ currency: config.sources.woocommerce.currency ?? config.reportingCurrency }),
    stripeSource,
  ];
  return new Map(all.filter((source) => config.sources[source.name].enabled).map((source) => [source.name, source]));
}
