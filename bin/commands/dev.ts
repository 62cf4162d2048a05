import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configFile, loadConfigFile } from '../../functions/adapters/config-file.js';
import { LOCAL_SECRET_DEFAULTS, LOCAL_SECRET_VARIABLES } from '../../functions/adapters/webhook-secrets.js';
import { enabledWebhookSources } from '../../functions/adapters/webhooks/index.js';
import type { SourceName } from '../../functions/domain/events.js';
import { startLocalStack } from '../../functions/local/local-stack.js';
import { CliError, portFromEnv } from './cli-error.js';

export const DEV_HELP = `Usage: lifecycle dev [--persist] [--data-dir DIR]

Runs the whole product locally with embedded parts: DynamoDB Local (needs Java 17+), a local SES with
an inbox page, the webhook API, the bus router, the dispatcher and a simulated clock.

Options:
  --persist          keep data between runs in .lifecycle/data (default: in memory)
  --data-dir DIR     keep data between runs in DIR (implies --persist)
  -h, --help         show this help

Everything listens on 127.0.0.1; a port in use stops it with a line naming the variable to set.

Environment:
  PORT (3000), SES_PORT (8005), DYNAMODB_PORT (8000)
  GENERIC_WEBHOOK_SECRET, SHOPIFY_WEBHOOK_SECRET, WOOCOMMERCE_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET
  UNSUBSCRIBE_SECRET, LOG_LEVEL (WARN)`;

export async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      persist: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(DEV_HELP);
    return;
  }
  const started = Date.now();
  const file = configFile();
  const config = await loadConfigFile(file);
  const applicationTemplates = join(dirname(file), 'templates');
  const dataDirectory =
    values['data-dir'] !== undefined
      ? resolve(values['data-dir'])
      : values.persist || process.env.LIFECYCLE_DATA_DIR
        ? resolve(process.env.LIFECYCLE_DATA_DIR ?? '.lifecycle/data')
        : undefined;
  const port = portFromEnv('PORT', 3000);
  const time = () => new Date().toISOString().slice(11, 19);

  const stack = await startLocalStack({
    config,
    port,
    sesPort: portFromEnv('SES_PORT', 8005),
    dynamoDbPort: portFromEnv('DYNAMODB_PORT', 8000),
    dataDirectory,
    // The application's own templates, beside its lifecycle.config.ts; the built-in ones are always there.
    templatesDirectory: existsSync(applicationTemplates) ? applicationTemplates : undefined,
    log: (line) => console.log(`${time()}  ${line}`),
    functionLogs: 'readable',
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      console.log(`\n${signal} received: stopping…`);
      await stack.stop();
      console.log('Stopped. No process left behind.');
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));

  const sources = [...enabledWebhookSources(config).keys()] as SourceName[];
  const secrets = sources
    .map((source) => {
      const variable = LOCAL_SECRET_VARIABLES[source];
      const shown = process.env[variable] ? '(set)' : `(default "${LOCAL_SECRET_DEFAULTS[source]}")`;
      return `${source}: ${variable} ${shown}`;
    })
    .join('\n                ');
  console.log(`
Lifecycle engine running locally, ready in ${((Date.now() - started) / 1000).toFixed(1)} s

  Webhook API   ${sources.map((source) => `POST ${stack.urls.api}/webhooks/${source}`).join('\n                ')}
  Inbox         ${stack.urls.inbox}
  DynamoDB      ${stack.urls.dynamoDb}  (table ${stack.tableName}, ${dataDirectory ? `kept in ${dataDirectory}` : 'in memory'})
  Clock         POST ${stack.urls.api}/_local/clock  {"advance":"P2D"}   now ${stack.clock.now().toISOString()}
  Customers     GET  ${stack.urls.api}/_local/customers/{email}
  Secrets       ${secrets}${
    config.quietHours
      ? `
  Quiet hours   ${config.quietHours.start}–${config.quietHours.end} in each customer's time zone (else ${config.timezone}): marketing emails wait for the end; advance the clock to see them`
      : ''
  }

Press Ctrl-C to stop.
`);
  if (!Number.isFinite(port)) throw new CliError('invalid port');
}
