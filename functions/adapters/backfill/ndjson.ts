import {
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  CanonicalEventSchema,
  type CatalogueProduct,
  CatalogueProductSchema,
  type SourceName,
} from '../../domain/events.js';
import type * as z from '../../domain/zod.js';
import type { ShopifyOrdersCsvItem } from './shopify-orders-csv.js';

/** One item of a backfill file: an event, or a line that could not be used. */
export type BackfillItem = ShopifyOrdersCsvItem;

/**
 * The lines of an NDJSON file, each read by `parse` with its 1-based number. Blank lines are skipped;
 * a line that is not JSON is rejected with its number, never its content.
 */
export async function* readNdjson<T>(
  chunks: AsyncIterable<string> | Iterable<string>,
  parse: (
    json: unknown,
    line: number,
  ) => T | { readonly kind: 'rejected'; readonly line: number; readonly reason: string },
): AsyncGenerator<T | { readonly kind: 'rejected'; readonly line: number; readonly reason: string }> {
  let buffer = '';
  let line = 0;
  const read = (text: string) => {
    line++;
    if (text.trim() === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'rejected', line, reason: 'not valid JSON' } as const;
    }
    return parse(json, line);
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const item = read(buffer.slice(0, newline).replace(/\r$/, ''));
      if (item) yield item;
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
  if (buffer !== '') {
    const item = read(buffer);
    if (item) yield item;
  }
}

/** The first zod issue of a line as `field: message`, never the value. */
export function lineProblem(error: z.core.$ZodError, prefix = ''): string {
  const issue = error.issues[0];
  const path = [prefix, issue?.path.join('.') ?? ''].filter(Boolean).join('.');
  return `${path || '(line)'}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Canonical events, one JSON object per line (the bus's own format, as in tests/fixtures and as an
 * EventBridge archive export gives `detail`). A bad line is reported with its 1-based number and the first
 * invalid field, never its content.
 */
export function readCanonicalNdjson(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<BackfillItem> {
  return readNdjson<BackfillItem>(chunks, (json, line) => {
    const result = CanonicalEventSchema.safeParse(json);
    if (!result.success)
      return { kind: 'rejected', line, reason: lineProblem(result.error).replace(/^\(line\)/, '(event)') };
    return { kind: 'event', event: result.data as CanonicalEvent, line };
  });
}

/**
 * Catalogue products, one canonical product per line (the `product` of `product.upserted`), of one
 * source: each becomes that source's `product.upserted` at the product's `updatedAt`, so a product the
 * catalogue holds in a newer state (from a webhook, or a later file) is left as it is.
 */
export function readCatalogueNdjson(
  chunks: AsyncIterable<string> | Iterable<string>,
  source: SourceName,
): AsyncGenerator<BackfillItem> {
  return readNdjson<BackfillItem>(chunks, (json, line) => {
    const result = CatalogueProductSchema.safeParse(json);
    if (!result.success) return { kind: 'rejected', line, reason: lineProblem(result.error) };
    return { kind: 'event', event: catalogueProductEvent(result.data, source), line };
  });
}

/**
 * A backfilled product as its source's `product.upserted` at the product's `updatedAt`; the id is derived
 * from the product and that time, so the same state imported twice is one event.
 */
export function catalogueProductEvent(product: CatalogueProduct, source: SourceName): CanonicalEvent {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `backfill:product:${source}:${product.id}:${product.updatedAt}`,
    source,
    occurredAt: product.updatedAt,
    type: 'product.upserted',
    data: { product },
  };
}
