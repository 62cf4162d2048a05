import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { systemClock } from '../../functions/adapters/system-clock.js';
import { InvalidCanonicalEventError } from '../../functions/domain/errors.js';
import { type EventOfType, parseCanonicalEvent } from '../../functions/domain/events.js';
import { eraseCustomer } from '../../functions/domain/services/erase-customer.js';
import { CliError } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, withStore } from './stack-store.js';

export const ERASE_HELP = `Usage: lifecycle erase EMAIL [--stack NAME | --table NAME] [--region REGION] [--yes]

Erases one person, exactly as a customer.erased event (Shopify customers/redact) does: their journey runs
first (no email can follow), then their profile, consent record, timeline, aliases and email look-up.
Their orders stay for the store's figures with no link to them. Only a hash of the address remains, so
that nothing is ever sent to it by mistake; a bounce or complaint suppression of it is kept as it is.

Shows what is held and asks before erasing, unless --yes. Prints what was erased. Run
"lifecycle export EMAIL" first if the person also asked for their data.

Options:
  --yes            erase without asking (for scripts)
${STORE_HELP}
  -h, --help       show this help`;

/** What the store holds on a person, read before the erasure: what the report lists. */
interface Held {
  readonly customerId: string;
  readonly journeys: readonly string[];
  readonly orders: number;
  readonly timelineEntries: number;
  readonly aliases: readonly string[];
}

export async function eraseCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      yes: { type: 'boolean', short: 'y', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(ERASE_HELP);
    return;
  }
  const [given, extra] = positionals;
  if (given === undefined || extra !== undefined) throw new CliError('give one EMAIL to erase (see --help)');
  const event = erasureEvent(given);
  // The address as the store keys it (lower case, trimmed), as the erasure itself reads it.
  const email = event.data.customer.email ?? given;
  const local = isLocal(values);
  const store = await storeFromOptions(values);
  const table = values.table ?? process.env.LIFECYCLE_TABLE;
  const where = local ? 'the local runtime' : table ? `table ${table}` : `stack ${values.stack}`;

  const held = await withStore(() => whatIsHeld(store, email), local);
  if (!values.yes) {
    const confirmed = await confirm(
      [
        held
          ? `${email} is customer ${held.customerId} in ${where}: ${describe(held)}.`
          : `Nothing is held on ${email} in ${where}; the address will be recorded as erased.`,
        'This cannot be undone.',
      ].join('\n'),
    );
    if (!confirmed) throw new CliError('nothing erased (not confirmed; pass --yes to skip the question)');
  }

  await withStore(() => eraseCustomer({ store, clock: systemClock, hashEmail }, event), local);
  const suppression = await withStore(() => store.findSuppression(hashEmail(email)), local);
  const lines = held
    ? [
        `Erased ${email} (customer ${held.customerId}) from ${where}:`,
        `  journey runs deleted    ${held.journeys.length}${held.journeys.length ? ` (${held.journeys.join(', ')})` : ''}`,
        `  timeline entries        ${held.timelineEntries} deleted`,
        `  aliases deleted         ${held.aliases.length ? held.aliases.join(', ') : 'none'}`,
        `  orders kept             ${held.orders}, without any link to the person (amounts, dates, products)`,
        '  profile, consent record and email look-up deleted',
      ]
    : [`Nothing was held on ${email} in ${where}; the address is recorded as erased.`];
  if (suppression) {
    const kept = suppression.reason === 'erased' ? '' : ' (kept: it outranks the erasure)';
    lines.push(`  suppressed              sha256 ${suppression.emailHash}, reason ${suppression.reason}${kept}`);
  }
  console.log(lines.join('\n'));
}

/** The canonical event the erasure service takes, as a storefront's erasure request would become. */
function erasureEvent(email: string): EventOfType<'customer.erased'> {
  try {
    return parseCanonicalEvent({
      schemaVersion: 1,
      id: `cli:erase:${randomUUID()}`,
      source: 'generic',
      occurredAt: systemClock.now().toISOString(),
      type: 'customer.erased',
      data: { customer: { email } },
    }) as EventOfType<'customer.erased'>;
  } catch (error) {
    if (error instanceof InvalidCanonicalEventError) throw new CliError(`"${email}" is not an email address`);
    throw error;
  }
}

async function whatIsHeld(store: DynamoDbCustomerStore, email: string): Promise<Held | undefined> {
  const { byEmail } = await store.lookup({ email });
  if (byEmail === undefined) return undefined;
  const stored = await store.load(byEmail);
  if (!stored) return undefined;
  const timeline = await store.timeline(byEmail, { limit: 100_000 });
  return {
    customerId: byEmail,
    journeys: [...stored.enrollments.keys()].sort(),
    orders: stored.orders.size,
    timelineEntries: timeline.length,
    aliases: stored.customer.aliases,
  };
}

function describe(held: Held): string {
  return [
    `${held.journeys.length} journey runs`,
    `${held.orders} orders (kept without the person)`,
    `${held.timelineEntries} timeline entries`,
    `${held.aliases.length} aliases`,
  ].join(', ');
}

/** Asks on the terminal (stderr, so that stdout stays the report); anything but "yes" or "y" is a no. */
async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      prompt.once('close', () => resolve(''));
      prompt.question(`${question}\nErase? Type "yes" to go on: `, resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
