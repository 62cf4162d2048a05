import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { customerView } from '../../functions/domain/services/customer-view.js';
import { CliError } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const CUSTOMER_HELP = `Usage: lifecycle customer show EMAIL [--stack NAME | --table NAME] [--region REGION]

Prints a customer's document (profile, consent, stage, metrics, segments, journeys and timeline) as JSON,
the same document as GET /_local/customers/{email}.

Options:
${STORE_HELP}
  -h, --help       show this help`;

export async function customer(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...STORE_OPTIONS, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(CUSTOMER_HELP);
    return;
  }
  const [action, email] = positionals;
  if (action !== 'show' || !email) throw new CliError('usage: lifecycle customer show EMAIL (see --help)');
  const local = isLocal(values);
  const config = await loadConfigFile();
  const store = await storeFromOptions(values);
  const view = await withStore(
    async () => customerView(store, email, { now: new Date(), config, model: await store.loadModel() }),
    local,
  );
  if (!view) throw new CliError('no customer with this email address');
  console.log(JSON.stringify(view, null, 2));
}
