import type { LifecycleConfig } from '../../domain/config.js';
import { genericSource } from './generic.js';
import { shopifySource } from './shopify.js';
import type { WebhookSource } from './source.js';
import { stripeSource } from './stripe.js';
import { woocommerceSource } from './woocommerce.js';

const ALL_SOURCES: readonly WebhookSource[] = [genericSource, shopifySource, woocommerceSource, stripeSource];

/** The webhook sources a configuration enables, keyed by their URL name (`/webhooks/<name>`). */
export function enabledWebhookSources(config: LifecycleConfig): ReadonlyMap<string, WebhookSource> {
  return new Map(
    ALL_SOURCES.filter((source) => config.sources[source.name].enabled).map((source) => [source.name, source]),
  );
}
