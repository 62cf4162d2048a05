import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCanonicalNdjson, readCatalogueNdjson } from '../../functions/adapters/backfill/ndjson.js';
import { readShopifyOrdersCsv, shopifyDateToIso } from '../../functions/adapters/backfill/shopify-orders-csv.js';
import { readShopifyProductsCsv } from '../../functions/adapters/backfill/shopify-products-csv.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { randomIds } from '../../functions/adapters/random-ids.js';
import { systemClock } from '../../functions/adapters/system-clock.js';
import { SourceNameSchema } from '../../functions/domain/events.js';
import { backfill } from '../../functions/domain/services/backfill.js';
import { refreshStoreModel } from '../../functions/domain/services/refresh-store-model.js';
import { CliError } from './cli-error.js';
import { bar, progressLine } from './progress.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const BACKFILL_HELP = `Usage: lifecycle backfill FILE [--format ndjson|shopify-csv] [--stack NAME | --table NAME] [--no-model]
       lifecycle backfill --products FILE --source SOURCE [--as-of TIME] [--stack NAME | --table NAME]

Imports historical orders to build every customer's metrics, silently: no email is sent, no journey is
entered, no stage change is published. Safe to run again: events already imported are skipped.

FILE is either
  - NDJSON of canonical events, one per line (.ndjson, .jsonl), or
  - Shopify's orders export (Admin > Orders > Export, "CSV for Excel, Numbers, or other spreadsheet
    programs") (.csv). Export only orders placed before the Shopify webhooks were connected.

With --products, FILE holds catalogue products of the storefront SOURCE (generic, shopify, woocommerce or
stripe), either
  - NDJSON, one canonical product per line (the \`product\` of a product.upserted event), or
  - with --source shopify, Shopify's products export (Admin > Products > Export, "CSV for Excel, Numbers,
    or other spreadsheet programs") (.csv): one product per variant, by SKU (else by its title), the ids
    the orders export gives line items. The export has no update times: its products are as of the file's
    modification time, or of --as-of TIME.
Each is kept unless the catalogue holds it in the same or a newer state (\`updatedAt\`), so a re-run of the
same file changes nothing.

Rejected lines are listed with their line numbers at the end; the rest is imported.

Options:
  --format F       ndjson or shopify-csv (default: from the file name)
  --products       FILE holds catalogue products (NDJSON or Shopify's products CSV), not orders
  --source S       with --products: the storefront the products belong to
  --as-of TIME     with a Shopify products CSV: the time its products are as of (ISO 8601 with an offset,
                   e.g. 2026-05-20T14:00:00Z; default: the file's modification time)
  --no-model       do not refresh the store model (RFM, CLV) afterwards
${STORE_HELP}
  -h, --help       show this help`;

export async function backfillCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      format: { type: 'string' },
      products: { type: 'boolean', default: false },
      source: { type: 'string' },
      'as-of': { type: 'string' },
      'no-model': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(BACKFILL_HELP);
    return;
  }
  const [file] = positionals;
  if (!file) throw new CliError('usage: lifecycle backfill FILE (see --help)');
  let size: number;
  let modified: Date;
  try {
    ({ size, mtime: modified } = statSync(file));
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const named =
    values.format ?? (/\.csv$/i.test(file) ? 'shopify-csv' : /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : undefined);
  // Catalogue products are NDJSON unless the file is (or is said to be) Shopify's CSV export.
  const format = values.products ? (named === 'shopify-csv' ? 'products-csv' : 'products') : named;
  if (format !== 'ndjson' && format !== 'shopify-csv' && format !== 'products' && format !== 'products-csv') {
    throw new CliError('cannot tell the format from the file name: pass --format ndjson or --format shopify-csv');
  }
  const products = format === 'products' || format === 'products-csv';
  const source = SourceNameSchema.safeParse(values.source);
  if (products && !source.success) {
    throw new CliError('--products needs --source generic, shopify, woocommerce or stripe');
  }
  if (!products && values.source !== undefined) throw new CliError('--source goes with --products');
  if (format === 'products-csv' && values.source !== 'shopify') {
    throw new CliError('a Shopify products export (CSV) goes with --source shopify');
  }
  if (format !== 'products-csv' && values['as-of'] !== undefined) {
    throw new CliError('--as-of goes with --products and a Shopify products export (CSV)');
  }
  const asOf = values['as-of'] === undefined ? modified.toISOString() : shopifyDateToIso(values['as-of']);
  if (asOf === undefined) throw new CliError('--as-of is not a time such as 2026-05-20T14:00:00Z');

  const config = await loadConfigFile();
  const local = isLocal(values);
  const store = await storeFromOptions(values);
  // A store that does not answer would fail each event on its own: ask once first, for one clear line.
  await withStore(() => store.loadModel(), local);
  const progress = progressLine('backfill');
  let bytes = 0;
  const stream = createReadStream(file, { encoding: 'utf8' });
  stream.on('data', (chunk) => {
    bytes += Buffer.byteLength(chunk as string);
  });
  const items =
    format === 'products-csv'
      ? readShopifyProductsCsv(stream, {
          currency: config.sources.shopify.currency ?? config.reportingCurrency,
          storeUrl: config.storeUrl,
          updatedAt: asOf,
        })
      : format === 'products' && source.success
        ? readCatalogueNdjson(stream, source.data)
        : format === 'ndjson'
          ? readCanonicalNdjson(stream)
          : readShopifyOrdersCsv(stream);
  const dependencies = {
    store,
    clock: systemClock,
    config,
    journeys: new Map(),
    newId: randomIds,
    hashEmail,
    publisher: { publish: async () => undefined },
    loadModel: () => store.loadModel(),
    silent: true,
  };
  const summary = await withStore(
    () =>
      backfill(dependencies, items, {
        onProgress: (s) => progress.update(`${bar(size > 0 ? bytes / size : 1)} ${s.read} read, ${s.applied} applied`),
      }),
    local,
  );
  progress.done(`${bar(1)} ${summary.read} read`);

  console.log(
    `Read ${summary.read} ${format === 'shopify-csv' ? 'orders and events' : format === 'products-csv' ? 'products' : 'lines'} from ${file}`,
  );
  if (!products) {
    console.log(`  applied      ${summary.applied} (${summary.customers.size} customers)`);
    console.log(`  duplicates   ${summary.duplicates} (imported before)`);
    console.log(`  store orders ${summary.storeOrders} (no email: counted for the store only)`);
  }
  if (products || summary.products + summary.superseded > 0) {
    console.log(`  products     ${summary.products} (kept in the catalogue)`);
    console.log(`  superseded   ${summary.superseded} (kept already in the same or a newer state)`);
  }
  if (summary.ignored > 0) console.log(`  ignored      ${summary.ignored}`);
  if (summary.rejected.length > 0) {
    console.log(`  rejected     ${summary.rejected.length}:`);
    for (const row of summary.rejected.slice(0, 200)) console.log(`    line ${row.line}: ${row.reason}`);
    if (summary.rejected.length > 200) console.log(`    … and ${summary.rejected.length - 200} more`);
  }
  if (summary.failed > 0) {
    throw new CliError(
      `${summary.failed} event(s) failed to import (${summary.lastError}); run the same command again to retry them`,
    );
  }
  if (!values['no-model'] && !products) {
    progress.update('refreshing the store model');
    const result = await refreshStoreModel({ ...dependencies, random: Math.random });
    progress.done('store model refreshed');
    console.log(
      `Store model: ${result.model.customersWithOrders} buyers; CLV ${result.model.clv?.method ?? 'not fitted'} (${result.model.clv?.confidence ?? 'n/a'} confidence)`,
    );
  }
}
