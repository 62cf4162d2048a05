import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_SECRET_DEFAULTS, LOCAL_SECRET_VARIABLES } from '../../functions/adapters/webhook-secrets.js';
import { GENERIC_SIGNATURE_HEADER, signGenericBody } from '../../functions/adapters/webhooks/generic.js';
import { CliError, portFromEnv } from './cli-error.js';

export const WEBHOOK_HELP = `Usage: lifecycle webhook send FILE [--url URL] [--new-id] [--now] [--email ADDRESS]

Signs a generic-format webhook body (docs/webhooks.md) with GENERIC_WEBHOOK_SECRET and posts it, then
prints the answer. For custom shops testing their integration, and for demos.

Options:
  --url URL   where to post (default: the local runtime, http://127.0.0.1:$PORT/webhooks/generic)
  --new-id    replace the body's "id" with a fresh one, so the same file can be sent again
  --now       replace the body's "occurredAt" with the current time
  --email ADDRESS
              replace the customer's address in the body (a first test email to yourself)
  -h, --help  show this help`;

export async function webhook(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'new-id': { type: 'boolean', default: false },
      now: { type: 'boolean', default: false },
      email: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(WEBHOOK_HELP);
    return;
  }
  const [action, file] = positionals;
  if (action !== 'send' || !file) throw new CliError('usage: lifecycle webhook send FILE (see --help)');
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  if (values['new-id'] || values.now || values.email !== undefined) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new CliError(`${file} is not valid JSON`);
    }
    if (values['new-id']) json.id = randomUUID();
    if (values.now) json.occurredAt = new Date().toISOString();
    if (values.email !== undefined) {
      const customer = (json.data as { customer?: { email?: string } } | undefined)?.customer;
      if (!customer) throw new CliError(`${file} has no data.customer whose address --email could replace`);
      customer.email = values.email;
    }
    body = JSON.stringify(json);
  }
  const secret = process.env[LOCAL_SECRET_VARIABLES.generic] || LOCAL_SECRET_DEFAULTS.generic;
  const url = values.url ?? `http://127.0.0.1:${portFromEnv('PORT', 3000)}/webhooks/generic`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [GENERIC_SIGNATURE_HEADER]: signGenericBody(body, secret, Math.floor(Date.now() / 1000)),
      },
      body,
    });
  } catch {
    throw new CliError(`nothing answers at ${url}: is npm start running?`);
  }
  console.log(`${response.status} ${await response.text()}`);
  if (!response.ok) process.exitCode = 1;
}
