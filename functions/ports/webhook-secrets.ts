import type { SourceName } from '../domain/events.js';

/** The shared secret each storefront signs its webhooks with. */
export interface WebhookSecrets {
  /** The secret of a source; throws a named error when it cannot be read. */
  secretFor(source: SourceName): Promise<string>;
}
