import { type CanonicalEvent, CanonicalEventSchema } from '../../domain/events.js';
import type { ShopifyOrdersCsvItem } from './shopify-orders-csv.js';

/** One item of a backfill file: an event, or a line that could not be used. */
export type BackfillItem = ShopifyOrdersCsvItem;

/**
 * Canonical events, one JSON object per line (the bus's own format, as in tests/fixtures and as an
 * EventBridge archive export gives `detail`). Blank lines are skipped; a bad line is reported with its
 * 1-based number and the first invalid field, never its content.
 */
export async function* readCanonicalNdjson(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<BackfillItem> {
  let buffer = '';
  let line = 0;
  const parse = (text: string): BackfillItem | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'rejected', line, reason: 'not valid JSON' };
    }
    const result = CanonicalEventSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      return {
        kind: 'rejected',
        line,
        reason: `${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'invalid'}`,
      };
    }
    return { kind: 'event', event: result.data as CanonicalEvent, line };
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const item = parse(buffer.slice(0, newline).replace(/\r$/, ''));
      if (item) yield item;
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
  if (buffer !== '') {
    const item = parse(buffer);
    if (item) yield item;
  }
}
