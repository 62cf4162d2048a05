import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { customerView } from '../../functions/domain/services/customer-view.js';
import { CliError } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, storeNow, withStore } from './stack-store.js';

export const EXPORT_HELP = `Usage: lifecycle export EMAIL [--stack NAME | --table NAME]
       lifecycle export --request KEY [--stack NAME | --table NAME]

Prints everything held on a customer as JSON: profile with consent proof, orders, journeys, timeline.
With --request, prints the export made for a storefront's data request (Shopify customers/data_request),
kept 30 days; KEY is <source>:<request id>, e.g. shopify:9001 (it is in the customer's timeline).

Options:
  --request KEY    an export made for a data request
${STORE_HELP}
  -h, --help       show this help`;

export async function exportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...STORE_OPTIONS, request: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return;
  }
  const [email] = positionals;
  if ((email === undefined) === (values.request === undefined)) {
    throw new CliError('give an EMAIL or --request KEY (see --help)');
  }
  const local = isLocal(values);
  const config = await loadConfigFile();
  const store = await storeFromOptions(values);
  if (values.request !== undefined) {
    const found = await withStore(() => store.findExport(values.request as string), local);
    if (!found) throw new CliError(`no export for request ${values.request} (exports are kept 30 days)`);
    console.log(JSON.stringify(found.document, null, 2));
    return;
  }
  const now = await storeNow(values);
  const document = await withStore(async () => {
    const view = await customerView(store, email as string, {
      now,
      config,
      model: await store.loadModel(),
      timelineLimit: 100_000,
    });
    if (!view) return undefined;
    const stored = await store.load(view.customer.id);
    return { ...view, orders: [...(stored?.orders.values() ?? [])] };
  }, local);
  if (!document) throw new CliError('no customer with this email address');
  console.log(JSON.stringify(document, null, 2));
}
