import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readCsv } from '../../functions/adapters/backfill/csv.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { enabledOffers } from '../../functions/domain/journeys/catalogue.js';
import { OfferNameSchema, poolFileCodes } from '../../functions/domain/offers.js';
import { CliError } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const OFFERS_HELP = `Usage: lifecycle offers import FILE --offer NAME [--stack NAME | --table NAME] [--region REGION]
       lifecycle offers count --offer NAME [--stack NAME | --table NAME] [--region REGION]

import: adds single-use codes to the pool of the offer NAME (the "name" of a send step's offer): one code
per line, or a CSV file whose column "code" (else its first column) holds them. Codes are 3 to 40
letters, digits, "-" or "_"; at most 100,000 a file (10 MB). A file with any bad line imports nothing.
A code the pool held before, even one already sent, is not added again. Each send of the offer draws
one code; the codes must exist in your shop as single-use discounts.
count: how many codes of the pool are left to draw.

Options:
  --offer NAME     the offer's name, as in lifecycle.config.ts
${STORE_HELP}
  -h, --help       show this help`;

/** Files bigger than this are refused before they are read. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

export async function offersCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      offer: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(OFFERS_HELP);
    return;
  }
  const [action, file, extra] = positionals;
  if (action !== 'import' && action !== 'count') throw new CliError('say import FILE or count (see --help)');
  const offer = await knownOffer(values.offer);
  const local = isLocal(values);
  const store = await storeFromOptions(values);
  if (action === 'count') {
    if (file !== undefined) throw new CliError('count takes no FILE (see --help)');
    const left = await withStore(() => store.availablePoolCodes(offer), local);
    console.log(`${left} codes of ${offer} left to draw`);
    return;
  }
  if (file === undefined || extra !== undefined) throw new CliError('give one FILE of codes to import (see --help)');
  const size = await stat(file).then(
    (found) => found.size,
    () => {
      throw new CliError(`cannot read ${file}`);
    },
  );
  if (size > MAX_FILE_BYTES) throw new CliError(`${file} is larger than 10 MB: split it`);
  const parsed = poolFileCodes(readCsv(await readFile(file, 'utf8')));
  if (parsed.errors.length > 0) {
    throw new CliError(`nothing imported from ${file}:\n  ${parsed.errors.join('\n  ')}`);
  }
  const added = await withStore(() => store.addPoolCodes(offer, parsed.codes), local);
  const left = await withStore(() => store.availablePoolCodes(offer), local);
  const skipped = parsed.codes.length - added;
  console.log(
    [
      `Imported ${added} codes into the pool of ${offer}`,
      ...(skipped > 0 ? [`  ${skipped} skipped: the pool held them before`] : []),
      ...(parsed.repeated > 0 ? [`  ${parsed.repeated} repeated in the file, counted once`] : []),
      `  ${left} codes left to draw`,
    ].join('\n'),
  );
}

/** The offer `name` of some enabled journey's send step, or a one-line refusal naming the known ones. */
async function knownOffer(name: string | undefined): Promise<string> {
  if (name === undefined) throw new CliError('give the offer with --offer NAME (see --help)');
  if (!OfferNameSchema.safeParse(name).success) {
    throw new CliError('--offer: expected lower-case letters, digits and "-"');
  }
  const config = await loadConfigFile();
  const names = enabledOffers(config);
  if (!names.has(name)) {
    const known = names.size > 0 ? `the offers are ${[...names].sort().join(', ')}` : 'no send step has an offer';
    throw new CliError(`--offer: no send step's offer is named ${name} in lifecycle.config.ts (${known})`);
  }
  return name;
}
