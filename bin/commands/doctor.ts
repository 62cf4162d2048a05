import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { CliError } from './cli-error.js';
import { type DoctorCheck, doctorClients, runDoctor } from './doctor-checks.js';

export const DOCTOR_HELP = `Usage: lifecycle doctor --stack NAME [--region REGION]

Checks, with your AWS credentials, that a deployed stack and its account are ready to send, one line per
check (✓ or ✗ with what to do): SES production access and quotas; the sender identity verified, with DKIM
and the custom MAIL FROM domain; the configuration set reporting to EventBridge; every template the
enabled journeys send present in SES and passing lint; each storefront's webhook secret set; the alarm
e-mail subscription confirmed; the dispatcher run in the last five minutes; the dead-letter queues empty;
the event archive enabled. Only reads. Exits 1 when a check fails (docs/deploy.md).

Options:
  --stack NAME     the deployed stack (required)
  --region REGION  its AWS region (default: your AWS configuration)
  -h, --help       show this help`;

export async function doctorCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(DOCTOR_HELP);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (see --help)`);
  if (!values.stack) throw new CliError('give the deployed stack: lifecycle doctor --stack NAME (see --help)');
  const config = await loadConfigFile();
  const clients = doctorClients({ region: values.region });
  const region = values.region ?? (await clients.ses.config.region());
  console.log(`Checking stack ${values.stack} in ${region}\n`);
  const checks = await runDoctor({ stackName: values.stack, clients, config, now: new Date() });
  for (const line of formatChecks(checks)) console.log(line);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(
    `\n${checks.length} checks: ${checks.length - failed} passed${failed > 0 ? `, ${failed} to fix (docs/deploy.md)` : ''}`,
  );
  if (failed > 0) process.exitCode = 1;
}

/** One line per check, and the fix under a failed one. */
export function formatChecks(checks: readonly DoctorCheck[]): string[] {
  return checks.flatMap((check) => [
    `${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`,
    ...(check.ok || !check.fix ? [] : [`    fix: ${check.fix}`]),
  ]);
}
