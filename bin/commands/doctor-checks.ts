import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeArchiveCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetAccountCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getTemplateContent } from '../../functions/adapters/ses-template-admin.js';
import { errorKind } from '../../functions/adapters/ses-templates.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { lintTemplate, templateContract, templateUses } from '../../functions/domain/template-lint.js';

/** One line of the doctor's answer. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was found. */
  readonly detail: string;
  /** What to do about it, when it failed. */
  readonly fix?: string;
}

/** The AWS clients the doctor reads the account with (the user's credentials). */
export interface DoctorClients {
  readonly cloudFormation: CloudFormationClient;
  readonly ses: SESv2Client;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly cloudWatch: CloudWatchClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
}

export function doctorClients(options: { region?: string | undefined; endpoint?: string | undefined } = {}) {
  const settings = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  return {
    cloudFormation: new CloudFormationClient(settings),
    ses: new SESv2Client(settings),
    secrets: new SecretsManagerClient(settings),
    sns: new SNSClient(settings),
    cloudWatch: new CloudWatchClient(settings),
    // The queue URLs are the stack outputs; the endpoint is the client's own (or the one configured).
    sqs: new SQSClient({ ...settings, useQueueUrlAsEndpoint: false }),
    eventBridge: new EventBridgeClient(settings),
  } satisfies DoctorClients;
}

const DEPLOY_GUIDE = 'docs/deploy.md';
const HEALTHY_STACK = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/;
/** The kinds of SES events the engagement function needs from the configuration set. */
const NEEDED_EVENTS = ['BOUNCE', 'COMPLAINT', 'DELIVERY', 'REJECT', 'RENDERING_FAILURE'];

/**
 * Whether a deployed stack and its account are ready to send: reads the stack's outputs, then SES, Secrets
 * Manager, SNS, CloudWatch, SQS and EventBridge with the caller's credentials, and answers one check per
 * line. Read only: nothing in the account is changed.
 */
export async function runDoctor(input: {
  readonly stackName: string;
  readonly clients: DoctorClients;
  readonly config: LifecycleConfig;
  /** Now, for "the dispatcher ran in the last five minutes". */
  readonly now: Date;
}): Promise<DoctorCheck[]> {
  const { clients, config, stackName } = input;
  const checks: DoctorCheck[] = [];
  const check = async (name: string, run: () => Promise<Omit<DoctorCheck, 'name'> | undefined>) => {
    try {
      const result = await run();
      if (result) checks.push({ name, ...result });
    } catch (error) {
      checks.push({
        name,
        ok: false,
        detail: `could not be read: ${errorKind(error) ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'check that your AWS credentials may read it (the doctor only reads)',
      });
    }
  };

  let outputs = new Map<string, string>();
  await check('stack', async () => {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack)
      return { ok: false, detail: `no stack ${stackName}`, fix: `deploy it: npx cdk deploy (${DEPLOY_GUIDE})` };
    outputs = new Map((stack.Outputs ?? []).map((o: Output) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    const status = stack.StackStatus ?? 'UNKNOWN';
    return HEALTHY_STACK.test(status)
      ? { ok: true, detail: `${stackName} is ${status}` }
      : {
          ok: false,
          detail: `${stackName} is ${status}`,
          fix: 'read the stack events in the CloudFormation console for the resource that failed, fix it, deploy again',
        };
  });
  if (outputs.size === 0) return checks;
  const output = (key: string) => outputs.get(key);

  await check('SES sending', async () => {
    const account = await clients.ses.send(new GetAccountCommand({}));
    const quota = account.SendQuota;
    const limits =
      quota?.Max24HourSend !== undefined && quota.Max24HourSend >= 0
        ? `${quota.Max24HourSend.toLocaleString('en-US')} emails a day (${(quota.SentLast24Hours ?? 0).toLocaleString('en-US')} sent in the last 24 hours), ${quota.MaxSendRate} a second`
        : `no daily limit, ${quota?.MaxSendRate} a second`;
    if (account.SendingEnabled === false || account.EnforcementStatus === 'SHUTDOWN') {
      return {
        ok: false,
        detail: `sending is paused for this account (enforcement status ${account.EnforcementStatus ?? 'unknown'})`,
        fix: 'read the notice from AWS in the SES console (Reputation metrics), answer it, then resume sending',
      };
    }
    if (!account.ProductionAccessEnabled) {
      return {
        ok: false,
        detail: `in the SES sandbox: only verified addresses receive email; ${limits}`,
        fix: `request production access in the SES console (${DEPLOY_GUIDE}, "Leave the SES sandbox")`,
      };
    }
    return {
      ok: account.EnforcementStatus !== 'PROBATION',
      detail: `production access, ${limits}${account.EnforcementStatus === 'PROBATION' ? '; the account is on probation' : ''}`,
      ...(account.EnforcementStatus === 'PROBATION'
        ? { fix: 'bring the bounce and complaint rates down (docs/deliverability.md) before SES pauses sending' }
        : {}),
    };
  });

  const sender = output('SenderAddress') ?? config.sender.from;
  const address = (/<([^>]+)>/.exec(sender)?.[1] ?? sender).trim();
  const domain = address.slice(address.indexOf('@') + 1);
  const sendingDomain = output('SendingDomain') || undefined;
  let domainIdentity: GetEmailIdentityCommandOutput | undefined;
  await check('sender identity', async () => {
    for (const identity of [sendingDomain, domain, address].filter((i): i is string => Boolean(i))) {
      const found = await emailIdentity(clients.ses, identity);
      if (!found) continue;
      if (identity !== address) domainIdentity = found;
      if (
        found.VerifiedForSendingStatus &&
        (identity === address || address.endsWith(`@${identity}`) || address.endsWith(`.${identity}`))
      )
        return { ok: true, detail: `${address} is covered by the verified identity ${identity}` };
    }
    return {
      ok: false,
      detail: `${address} is not covered by an identity verified in SES`,
      fix: `verify ${domain} (set deliverability.domain in lifecycle.config.ts and add the DNS records the stack outputs) or the address itself (${DEPLOY_GUIDE}, "The sending domain")`,
    };
  });
  await check('DKIM', async () => {
    const status = domainIdentity?.DkimAttributes?.Status;
    if (!domainIdentity)
      return {
        ok: false,
        detail: `no domain identity for ${domain}: emails are not signed with your domain's DKIM`,
        fix: `set deliverability.domain in lifecycle.config.ts, deploy, and add the three CNAME records of the outputs DkimRecord1..3 (${DEPLOY_GUIDE})`,
      };
    return status === 'SUCCESS'
      ? { ok: true, detail: 'DKIM signing is verified' }
      : {
          ok: false,
          detail: `DKIM is ${status ?? 'not set up'}`,
          fix: 'add the three CNAME records of the stack outputs DkimRecord1..3 to your DNS; SES checks them within 72 hours',
        };
  });
  if (sendingDomain) {
    await check('custom MAIL FROM', async () => {
      const status = domainIdentity?.MailFromAttributes?.MailFromDomainStatus;
      return status === 'SUCCESS'
        ? { ok: true, detail: `${domainIdentity?.MailFromAttributes?.MailFromDomain} is verified` }
        : {
            ok: false,
            detail: `the MAIL FROM domain is ${status ?? 'not set up'}`,
            fix: 'add the MX and SPF records of the stack outputs MailFromMxRecord and MailFromSpfRecord',
          };
    });
  }

  await check('configuration set', async () => {
    const name = output('ConfigurationSetName');
    if (!name)
      return {
        ok: false,
        detail: 'the stack has no ConfigurationSetName output',
        fix: 'deploy this version of the stack',
      };
    const { EventDestinations } = await clients.ses.send(
      new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: name }),
    );
    const destination = (EventDestinations ?? []).find(
      (d) => d.Enabled && d.EventBridgeDestination?.EventBusArn?.endsWith(':event-bus/default'),
    );
    const missing = NEEDED_EVENTS.filter((kind) => !destination?.MatchingEventTypes?.includes(kind as never));
    if (!destination || missing.length > 0) {
      return {
        ok: false,
        detail: destination
          ? `${name} does not send ${missing.join(', ')} to EventBridge`
          : `${name} has no enabled event destination on the default EventBridge bus: bounces and complaints go unseen`,
        fix: 'deploy the stack again (it creates the destination); do not disable it in the SES console',
      };
    }
    return { ok: true, detail: `${name} reports bounces, complaints and deliveries to EventBridge` };
  });

  await check('email templates', async () => {
    const stored = output('TemplatePrefix');
    const prefix = stored === undefined ? config.templatePrefix : stored === '(none)' ? '' : stored;
    const uses = templateUses(config);
    const missing: string[] = [];
    const failing: string[] = [];
    const sent = [...uses].filter(([, use]) => use.enabledJourneys.length > 0).map(([name]) => name);
    for (const name of sent.sort()) {
      const content = await getTemplateContent(clients.ses, `${prefix}${name}`);
      if (!content) {
        missing.push(name);
        continue;
      }
      const contract = templateContract(name);
      const problems = lintTemplate(
        { name, ...content },
        { contract, marketing: uses.get(name)?.marketing ?? false },
      ).filter((p) => p.severity === 'error');
      if (problems.length > 0) failing.push(`${name} (${problems[0]?.message})`);
    }
    if (missing.length === 0 && failing.length === 0)
      return { ok: true, detail: `${sent.length} templates present in SES, passing lint` };
    return {
      ok: false,
      detail: [
        missing.length > 0 ? `missing in SES: ${missing.join(', ')}` : '',
        failing.length > 0 ? `failing lint: ${failing.join('; ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      fix: 'lifecycle templates pull, fix, lifecycle templates lint, then lifecycle templates push --real (docs/templates.md)',
    };
  });

  for (const [key, secretName] of outputs) {
    const source = /^(\w+)WebhookSecret$/.exec(key)?.[1];
    if (!source || !secretName) continue;
    await check(`${source} webhook secret`, async () => {
      const secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
      const versions = Object.keys(secret.VersionIdsToStages ?? {}).length;
      // The generic source's secret is generated for the shop to sign with; a storefront's must be replaced by
      // the one its admin issued: a secret never changed since the stack created it is still the placeholder.
      if (source !== 'generic' && versions <= 1) {
        return {
          ok: false,
          detail: `still the placeholder the stack generated`,
          fix: `aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string '<the signing secret from the ${source} admin>' (docs/webhooks.md)`,
        };
      }
      return { ok: true, detail: source === 'generic' ? 'generated; your shop signs with it' : 'set' };
    });
  }

  await check('alarm notifications', async () => {
    const topicArn = output('AlarmTopicArn');
    if (!topicArn)
      return { ok: false, detail: 'the stack has no AlarmTopicArn output', fix: 'deploy this version of the stack' };
    const subscriptions = [];
    let token: string | undefined;
    do {
      const page = await clients.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
      );
      subscriptions.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
    const confirmed = subscriptions.filter((s) => s.SubscriptionArn && s.SubscriptionArn !== 'PendingConfirmation');
    if (confirmed.length > 0)
      return { ok: true, detail: `${confirmed.length} confirmed subscription${confirmed.length > 1 ? 's' : ''}` };
    return {
      ok: false,
      detail:
        subscriptions.length > 0
          ? 'the alarm subscription is not confirmed: nobody receives alarms'
          : 'nobody is subscribed to the alarms',
      fix:
        subscriptions.length > 0
          ? 'open the email "AWS Notification - Subscription Confirmation" and confirm'
          : 'set alarmEmail in lifecycle.config.ts and deploy, then confirm the email SNS sends',
    };
  });

  await check('dispatcher', async () => {
    const name = output('DispatcherFunctionName');
    if (!name)
      return {
        ok: false,
        detail: 'the stack has no DispatcherFunctionName output',
        fix: 'deploy this version of the stack',
      };
    const { Datapoints } = await clients.cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: name }],
        StartTime: new Date(input.now.getTime() - 5 * 60_000),
        EndTime: input.now,
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    const runs = (Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
    return runs > 0
      ? { ok: true, detail: `ran ${runs} time${runs > 1 ? 's' : ''} in the last 5 minutes` }
      : {
          ok: false,
          detail: 'has not run in the last 5 minutes: no email goes out',
          fix: 'check that the rule DispatcherEveryMinute is enabled and the function starts (docs/operations.md, "Alarms: DispatcherStopped")',
        };
  });

  for (const [key, url] of outputs) {
    const name = /^(\w+)DeadLetterQueueUrl$/.exec(key)?.[1];
    if (!name || !url) continue;
    await check(`${name} dead letters`, async () => {
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const waiting =
        Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      return waiting === 0
        ? { ok: true, detail: 'empty' }
        : {
            ok: false,
            detail: `${waiting} event${waiting > 1 ? 's' : ''} failed every retry and wait${waiting > 1 ? '' : 's'} here`,
            fix: 'read the errors, fix the cause, then redrive (docs/operations.md, "Dead letters: redrive")',
          };
    });
  }

  await check('event archive', async () => {
    const arn = output('ArchiveArn');
    const name = arn?.slice(arn.indexOf('archive/') + 'archive/'.length);
    if (!name)
      return { ok: false, detail: 'the stack has no ArchiveArn output', fix: 'deploy this version of the stack' };
    const archive = await clients.eventBridge.send(new DescribeArchiveCommand({ ArchiveName: name }));
    return archive.State === 'ENABLED'
      ? { ok: true, detail: `${name} keeps every event ${archive.RetentionDays ?? '∞'} days for replay` }
      : {
          ok: false,
          detail: `${name} is ${archive.State ?? 'unknown'}`,
          fix: 'deploy the stack again; events published meanwhile cannot be replayed',
        };
  });
  return checks;
}

async function emailIdentity(ses: SESv2Client, identity: string): Promise<GetEmailIdentityCommandOutput | undefined> {
  try {
    return await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
  } catch (error) {
    if (errorKind(error) === 'NotFoundException') return undefined;
    throw error;
  }
}
