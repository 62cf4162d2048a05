import { CampaignDefinitionError, ConfigError, JourneyDefinitionError } from '../functions/domain/errors.js';
import { JavaRequiredError } from '../functions/local/dynamodb-local.js';
import { LocalServiceError } from '../functions/local/errors.js';
import { BACKFILL_HELP, backfillCommand } from './commands/backfill.js';
import { CAMPAIGNS_HELP, campaignsCommand } from './commands/campaigns.js';
import { CliError } from './commands/cli-error.js';
import { CUSTOMER_HELP, customer } from './commands/customer.js';
import { DEV_HELP, dev } from './commands/dev.js';
import { DOCTOR_HELP, doctorCommand } from './commands/doctor.js';
import { ERASE_HELP, eraseCommand } from './commands/erase.js';
import { EXPORT_HELP, exportCommand } from './commands/export.js';
import { OFFERS_HELP, offersCommand } from './commands/offers.js';
import { REPORT_HELP, reportCommand } from './commands/report.js';
import { SIMULATE_HELP, simulateCommand } from './commands/simulate.js';
import { TEMPLATES_HELP, templatesCommand } from './commands/templates.js';
import { WEBHOOK_HELP, webhook } from './commands/webhook.js';

const HELP = `Usage: lifecycle <command> [options]

Commands:
  dev                     run the whole product locally (what npm start runs)
  doctor --stack NAME     check that a deployed stack and its AWS account are ready to send
  customer show EMAIL     print a customer's document, locally or from a deployed stack
  export EMAIL            print everything held on a customer (or --request KEY: a data request's export)
  erase EMAIL             erase one person, as a storefront's erasure request does (asks first)
  backfill FILE           import historical orders (NDJSON or Shopify CSV), silently
  campaigns list|preview|schedule|cancel|status|import-list
                          one email to an audience: the campaigns of lifecycle.config.ts
  offers import FILE      add single-use codes to an offer's pool (--offer NAME); offers count: codes left
  report                  write the marketer's HTML report
  simulate                play the journeys over a year of synthetic (or recorded) events, in memory
  templates lint|push|pull|diff|preview|history|rollback
                          check email templates, move them between templates/ and SES, render one,
                          list a template's kept versions, put an earlier one back
  webhook send FILE       sign and post a generic-format webhook

Run "lifecycle <command> --help" for a command's options.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  dev: { run: dev, help: DEV_HELP },
  doctor: { run: doctorCommand, help: DOCTOR_HELP },
  customer: { run: customer, help: CUSTOMER_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  erase: { run: eraseCommand, help: ERASE_HELP },
  backfill: { run: backfillCommand, help: BACKFILL_HELP },
  campaigns: { run: campaignsCommand, help: CAMPAIGNS_HELP },
  offers: { run: offersCommand, help: OFFERS_HELP },
  report: { run: reportCommand, help: REPORT_HELP },
  simulate: { run: simulateCommand, help: SIMULATE_HELP },
  templates: { run: templatesCommand, help: TEMPLATES_HELP },
  webhook: { run: webhook, help: WEBHOOK_HELP },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}"; run "lifecycle --help" for the list`);
  await command.run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof JourneyDefinitionError ||
    error instanceof CampaignDefinitionError ||
    error instanceof JavaRequiredError ||
    error instanceof LocalServiceError ||
    (error instanceof Error &&
      (error.name === 'TemplateFilesError' ||
        error.name === 'SimulationError' ||
        (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
        (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'));
  const message = error instanceof Error ? error.message : String(error);
  console.error(`lifecycle: ${known ? message : `unexpected error: ${message}`}`);
  process.exit(1);
});
