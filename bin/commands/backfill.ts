import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCanonicalNdjson, readCatalogueNdjson } from '../../functions/adapters/backfill/ndjson.js';
import { readShopifyOrdersCsv } from '../../functions/adapters/backfill/shopify-orders-csv.js';
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
       lifecycle backfill --products FILE --source SOURCE [--stack NAME | --table NAME]

Imports historical orders to build every customer's metrics, silently: no email is sent, no journey is
entered, no stage change is published. Safe to run again: events already imported are skipped.

FILE is either
  - NDJSON of canonical events, one per line (.ndjson, .jsonl), or
  - Shopify's orders export (Admin > Orders > Export, "CSV for Excel, Numbers, or other spreadsheet
    programs") (.csv). Export only orders placed before the Shopify webhooks were connected.

With --products, FILE is NDJSON of catalogue products, one canonical product per line (the \`product\`
of a product.upserted event), of the storefront SOURCE (generic, shopify, woocommerce or stripe): each is
kept unless the catalogue holds it in the same or a newer state (\`updatedAt\`), so a re-run changes nothing.

Rejected lines are listed with their line numbers at the end; the rest is imported.

Options:
  --format F       ndjson or shopify-csv (default: from the file name)
  --products       FILE holds catalogue products (NDJSON), not orders
  --source S       with --products: the storefront the products belong to
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
  try {
    size = statSync(file).size;
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const format = values.products
    ? 'products'
    : (values.format ?? (/\.csv$/i.test(file) ? 'shopify-csv' : /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : undefined));
  if (format !== 'ndjson' && format !== 'shopify-csv' && format !== 'products') {
    throw new CliError('cannot tell the format from the file name: pass --format ndjson or --format shopify-csv');
  }
  const source = SourceNameSchema.safeParse(values.source);
  if (format === 'products' && !source.success) {
    throw new CliError('--products needs --source generic, shopify, woocommerce or stripe');
  }
  if (format !== 'products' && values.source !== undefined) throw new CliError('--source goes with --products');

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
    format === 'products' && source.success
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

  console.log(`Read ${summary.read} ${format === 'shopify-csv' ? 'orders and events' : 'lines'} from ${file}`);
  if (format !== 'products') {
    console.log(`  applied      ${summary.applied} (${summary.customers.size} customers)`);
    console.log(`  duplicates   ${summary.duplicates} (imported before)`);
    console.log(`  store orders ${summary.storeOrders} (no email: counted for the store only)`);
  }
  if (format === 'products' || summary.products + summary.superseded > 0) {
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
  if (!values['no-model'] && format !== 'products') {
    progress.update('refreshing the store model');
    const result = await refreshStoreModel({ ...dependencies, random: Math.random });
    progress.done('store model refreshed');
    console.log(
      `Store model: ${result.model.customersWithOrders} buyers; CLV ${result.model.clv?.method ?? 'not fitted'} (${result.model.clv?.confidence ?? 'n/a'} confidence)`,
    );
  }
}
