import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { sesClient } from '../../functions/adapters/aws-clients.js';
import { readCsv } from '../../functions/adapters/backfill/csv.js';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { type Campaign, campaignJourneyId } from '../../functions/domain/campaigns/campaign.js';
import { CampaignStateError } from '../../functions/domain/campaigns/campaign-state.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { emailAddressProblem, normaliseEmail } from '../../functions/domain/email-address.js';
import {
  type CampaignDependencies,
  cancelCampaign,
  previewAudience,
  scheduleCampaign,
} from '../../functions/domain/services/campaigns.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { CliError, portFromEnv } from './cli-error.js';
import { isLocal, STORE_HELP, STORE_OPTIONS, storeFromOptions, storeNow, withStore } from './stack-store.js';
import { previewLinks, sampleData, templatesCommand, workspaceOf } from './templates.js';

export const CAMPAIGNS_HELP = `Usage: lifecycle campaigns list [--stack NAME | --table NAME] [--region REGION]
       lifecycle campaigns preview ID
       lifecycle campaigns schedule ID [--test]
       lifecycle campaigns cancel ID
       lifecycle campaigns status ID
       lifecycle campaigns import-list NAME FILE.csv

The campaigns are those of "campaigns" in lifecycle.config.ts (docs/campaigns.md).
  list                 every campaign of the configuration, with its state
  preview ID           its audience now, how many the guardrails would let through now and why not the
                       rest, and its template rendered with the template's sample (templates/NAME/sample.json)
  schedule ID          schedule it: the dispatcher enrolls its audience when its time comes, and sends
  schedule ID --test   send its template to its seedList only, now: no customer is enrolled
  cancel ID            cancel it: recipients not yet sent to get nothing (campaign_cancelled)
  status ID            its state and counters: targeted, sent, deferred, dropped by reason, delivered,
                       opened, clicked, converted, revenue, unsubscribed, complained
  import-list NAME FILE.csv
                       add the customers of a CSV file (an "email" column) to the list NAME, which an
                       audience names as { list: NAME }; unknown addresses are reported, never created

Options:
  --test           schedule: send to the seed list only
${STORE_HELP}
  -h, --help       show this help`;

/** Files bigger than this are refused before they are read. */
const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Unknown addresses listed by import-list; the rest are counted. */
const UNKNOWN_SHOWN = 20;

export async function campaignsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...STORE_OPTIONS, test: { type: 'boolean' }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(CAMPAIGNS_HELP);
    return;
  }
  const [action, id, file, extra] = positionals;
  const config = await loadConfigFile();
  const local = isLocal(values);
  const store = () => storeFromOptions(values);
  if (values.test && action !== 'schedule') throw new CliError('--test goes with schedule only (see --help)');
  switch (action) {
    case 'list': {
      if (id !== undefined) throw new CliError('list takes no ID (see --help)');
      if (config.campaigns.length === 0) {
        console.log('No campaigns in lifecycle.config.ts');
        return;
      }
      const states = await withStore(
        async () => (await store()).campaignStates(config.campaigns.map((c) => c.id)),
        local,
      );
      for (const campaign of config.campaigns) {
        const state = states.get(campaign.id);
        console.log(`${campaign.id.padEnd(30)} ${(state?.status ?? 'not scheduled').padEnd(14)} ${sendText(campaign)}`);
      }
      return;
    }
    case 'import-list':
      return importList(id, file, extra, await store(), local);
    case 'preview':
    case 'schedule':
    case 'cancel':
    case 'status':
      break;
    default:
      throw new CliError(
        'say list, preview ID, schedule ID, cancel ID, status ID or import-list NAME FILE (see --help)',
      );
  }
  if (file !== undefined) throw new CliError(`unexpected argument "${file}"`);
  const campaign = knownCampaign(config, id);
  if (action === 'schedule' && values.test) return testSend(campaign, config, local, values.region);
  const opened = await store();
  const by = { now: await storeNow(values), user: userInfo().username || 'unknown' };
  await withStore(async () => {
    try {
      switch (action) {
        case 'schedule': {
          const state = await scheduleCampaign(opened, campaign, by);
          console.log(
            `Scheduled ${campaign.id}: its audience is enrolled from ${state.startsAt}, ${sendText(campaign)}`,
          );
          return;
        }
        case 'cancel': {
          await cancelCampaign(opened, campaign.id, by);
          console.log(`Cancelled ${campaign.id}: recipients not yet sent to get nothing`);
          return;
        }
        case 'status':
          return await status(opened, campaign);
        case 'preview':
          return await preview(opened, campaign, config, by.now, local, values.region);
      }
    } catch (error) {
      if (error instanceof CampaignStateError) throw new CliError(error.message);
      throw error;
    }
  }, local);
}

function knownCampaign(config: LifecycleConfig, id: string | undefined): Campaign {
  if (id === undefined) throw new CliError('give the campaign ID (see --help)');
  const campaign = config.campaigns.find((candidate) => candidate.id === id);
  if (!campaign) {
    const known = config.campaigns.map((c) => c.id).join(', ') || 'none';
    throw new CliError(`no campaign with this ID in lifecycle.config.ts (the campaigns are: ${known})`);
  }
  return campaign;
}

function sendText(campaign: Campaign): string {
  const send = campaign.send;
  if ('on' in send)
    return `at ${String(send.localHour).padStart(2, '0')}:00 in each recipient's time zone on ${send.on}`;
  return send.at === 'now' ? 'as soon as it is scheduled' : `at ${send.at}`;
}

/** The counters of the campaign's journey, with the state: what `status` prints. */
async function status(store: DynamoDbCustomerStore, campaign: Campaign): Promise<void> {
  const state = (await store.campaignStates([campaign.id])).get(campaign.id);
  const journeyId = campaignJourneyId(campaign.id);
  const counters = {
    ...(await store.journeyStats([journeyId])).find((stats) => stats.stepId === undefined)?.counters,
  } as Record<string, number | undefined>;
  const count = (name: string) => counters[name] ?? 0;
  console.log(
    `${campaign.id}: ${state?.status ?? 'not scheduled'}${state ? ` (scheduled by ${state.scheduledBy} at ${state.scheduledAt})` : ''}`,
  );
  if (state?.cancelledAt) console.log(`  cancelled by ${state.cancelledBy} at ${state.cancelledAt}`);
  const dropped = Object.entries(counters)
    .filter(([name, value]) => name.startsWith('exited:') && value)
    .map(([name, value]) => [name.slice('exited:'.length), value] as const);
  const lines: [string, number | string][] = [
    ['targeted', state?.audience?.targeted ?? count('entered')],
    ['sent', count('sent')],
    ['deferred', count('deferred')],
    ['dropped as stale', count('dropped')],
    ...dropped.map(([reason, value]): [string, number] => [`dropped: ${reason}`, value ?? 0]),
    ['delivered', count('delivered')],
    ['opened', count('opened')],
    ['clicked', count('clicked')],
    ['converted', count('converted')],
    ['revenue', `${(count('revenue') / 100).toFixed(2)}`],
    ['unsubscribed', count('unsubscribed')],
    ['complained', count('complained')],
  ];
  for (const [name, value] of lines) console.log(`  ${name.padEnd(34)} ${value}`);
}

async function preview(
  store: DynamoDbCustomerStore,
  campaign: Campaign,
  config: LifecycleConfig,
  now: Date,
  local: boolean,
  region: string | undefined,
): Promise<void> {
  const dependencies: CampaignDependencies = {
    store,
    config,
    clock: { now: () => now },
    loadModel: () => store.loadModel(),
  };
  const found = await previewAudience(dependencies, campaign);
  console.log(`${campaign.id}: ${found.audience} customers in the audience; ${found.wouldSend} would be sent now`);
  for (const [reason, count] of Object.entries(found.heldBack)) console.log(`  ${count} held back: ${reason}`);
  console.log('');
  await templatesCommand(['preview', campaign.template, ...(local ? [] : region ? ['--region', region] : ['--real'])]);
}

/** The campaign's template to its seed list, now, with the template's sample data; nobody is enrolled. */
async function testSend(
  campaign: Campaign,
  config: LifecycleConfig,
  local: boolean,
  region: string | undefined,
): Promise<void> {
  if (campaign.seedList.length === 0) throw new CliError(`campaign ${campaign.id} has no seedList to send a test to`);
  const { data } = sampleData(workspaceOf({}), campaign.template, config, await previewLinks(local));
  const endpoint = `http://127.0.0.1:${portFromEnv('SES_PORT', 8005)}`;
  const mailer = new SesV2Mailer({
    client: local
      ? sesClient({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 })
      : sesClient(region ? { region } : {}),
    from: config.sender.from,
    replyTo: config.sender.replyTo,
  });
  for (const to of campaign.seedList) {
    try {
      await mailer.send({
        to,
        templateName: `${config.templatePrefix}${campaign.template}`,
        templateData: data,
        category: 'marketing',
        unsubscribeUrl: typeof data.unsubscribeUrl === 'string' ? data.unsubscribeUrl : undefined,
        tags: { campaign: campaign.id, test: 'seed' },
      });
    } catch (error) {
      if (local && error instanceof Error && /ECONNREFUSED|connect/i.test(`${error.message} ${String(error.cause)}`)) {
        throw new CliError(`the local SES is not running at ${endpoint}: start it with npm start`);
      }
      throw error;
    }
  }
  console.log(`Sent ${campaign.template} to the ${campaign.seedList.length} seed addresses of ${campaign.id}`);
}

async function importList(
  name: string | undefined,
  file: string | undefined,
  extra: string | undefined,
  store: DynamoDbCustomerStore,
  local: boolean,
): Promise<void> {
  if (name === undefined || file === undefined || extra !== undefined) {
    throw new CliError('usage: lifecycle campaigns import-list NAME FILE.csv');
  }
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name))
    throw new CliError('NAME: expected lower-case letters, digits, "-" and "_"');
  const size = await stat(file).then(
    (found) => found.size,
    () => {
      throw new CliError(`cannot read ${file}`);
    },
  );
  if (size > MAX_FILE_BYTES) throw new CliError(`${file} is larger than 50 MB: split it`);
  const rows = [...readCsv(await readFile(file, 'utf8'))];
  const column = rows[0]?.fields.findIndex((field) => field.trim().toLowerCase() === 'email') ?? -1;
  if (column < 0) throw new CliError(`${file} has no "email" column in its first line`);
  const errors: string[] = [];
  const addresses = new Set<string>();
  for (const row of rows.slice(1)) {
    const address = normaliseEmail(row.fields[column] ?? '');
    if (address === '' && row.fields.every((field) => field.trim() === '')) continue;
    const problem = emailAddressProblem(address);
    if (problem !== undefined) {
      if (errors.length < 10) errors.push(`line ${row.line}: ${problem}`);
      continue;
    }
    addresses.add(address);
  }
  if (errors.length > 0) throw new CliError(`nothing imported from ${file}:\n  ${errors.join('\n  ')}`);
  const found: string[] = [];
  const unknown: string[] = [];
  await withStore(async () => {
    for (const address of addresses) {
      const customerId = await store.findCustomerId(address);
      if (customerId === undefined) unknown.push(address);
      else found.push(customerId);
    }
    await store.addToCampaignList(name, found);
  }, local);
  console.log(`Added ${found.length} customers to the list ${name}`);
  if (unknown.length > 0) {
    console.log(`  ${unknown.length} addresses are no customer's, and were not added:`);
    for (const address of unknown.slice(0, UNKNOWN_SHOWN)) console.log(`    ${address}`);
    if (unknown.length > UNKNOWN_SHOWN) console.log(`    and ${unknown.length - UNKNOWN_SHOWN} more`);
  }
}
