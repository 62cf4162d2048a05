import { CfnOutput, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  MailFromBehaviorOnMxFailure,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { TemplateFiles } from '../functions/adapters/template-files.js';
import { LifecycleFunction } from './lifecycle-function.js';
import { acknowledgeWildcardResource } from './nag.js';
import { acknowledgeLogGroupChecks, acknowledgeNoVpc } from './policy-checks.js';

export interface SesSendingProps {
  /** The default templates (templates/), created in SES when missing, never overwritten. */
  readonly templates: readonly TemplateFiles[];
  /** Prefix of the SES template names. */
  readonly templatePrefix: string;
  /** The From address; sending is granted for it and for its domain. */
  readonly fromAddress: string;
  /** A sending domain to verify with Easy DKIM and a custom MAIL FROM domain; its DNS records become outputs. */
  readonly domain?: { readonly name: string; readonly mailFromSubdomain: string } | undefined;
}

/** The sending events SES publishes to EventBridge for this configuration set: all the engagement handler reads. */
const PUBLISHED_EVENTS = [
  EmailSendingEvent.SEND,
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.OPEN,
  EmailSendingEvent.CLICK,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
  EmailSendingEvent.DELIVERY_DELAY,
];

/**
 * Sending through SES: the configuration set every email is sent with, and the seeding of the default
 * templates. Seeding creates only the templates SES does not have: once a template exists, it belongs to
 * the marketers, and neither a deploy nor a stack deletion touches it.
 */
export class SesSending extends Construct {
  public readonly configurationSet: ConfigurationSet;
  private readonly templatePrefix: string;
  private readonly identities: string[];

  constructor(scope: Construct, id: string, props: SesSendingProps) {
    super(scope, id);
    this.templatePrefix = props.templatePrefix;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // SES publishes only to the default bus; the engagement rule there listens to this set alone.
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: PUBLISHED_EVENTS,
    });
    const address = /<([^>]+)>/.exec(props.fromAddress)?.[1] ?? props.fromAddress;
    this.identities = [address, address.slice(address.indexOf('@') + 1)];
    if (props.domain) this.verifyDomain(props.domain);

    const seed = new LifecycleFunction(this, 'SeedTemplates', {
      handler: 'seed-templates.lambda',
      serviceName: 'template-seed',
      description: 'Creates missing SES templates; never overwrites one',
      timeout: Duration.minutes(5),
      memorySize: 256,
    });
    Grant.addToPrincipal({
      grantee: seed,
      actions: ['ses:CreateEmailTemplate'],
      resourceArns: [this.templateArn('*')],
    });
    // Which templates exist already: ListEmailTemplates has no resource type in IAM, so it is granted on *.
    Grant.addToPrincipal({ grantee: seed, actions: ['ses:ListEmailTemplates'], resourceArns: ['*'] });
    this.acknowledgeTemplateWildcard(seed.role);
    acknowledgeWildcardResource(
      seed.role as Role,
      '*',
      'ses:ListEmailTemplates, the only action on this resource, has no resource type in IAM: the seed lists the templates that exist so that it creates only the missing ones, and must be granted on *.',
    );
    // The provider framework's own function, with a role that writes its own log group only.
    const providerLogs = new LogGroup(this, 'SeedProviderLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const providerRole = new Role(this, 'SeedProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the custom resource provider that seeds the email templates',
    });
    providerLogs.grantWrite(providerRole);
    const provider = new Provider(this, 'SeedProvider', {
      onEventHandler: seed,
      frameworkOnEventRole: providerRole,
      logGroup: providerLogs,
    });
    acknowledgeLogGroupChecks(providerLogs);
    acknowledgeNoVpc(provider);
    acknowledgeWildcardResource(
      providerRole,
      `${seed.functionArn}:*`,
      'Granted by the CDK provider framework: it may invoke any version of the one template-seeding function, and nothing else.',
    );
    new CustomResource(this, 'DefaultTemplates', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LifecycleTemplateSeed',
      properties: {
        Prefix: props.templatePrefix,
        Templates: props.templates.map((t) => ({ Name: t.name, Subject: t.subject, Html: t.html, Text: t.text })),
      },
    });
  }

  /** Send email with this stack's templates, from the configured sender, with its configuration set. */
  grantSend(grantee: IGrantable): void {
    const stack = Stack.of(this);
    Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [
        ...this.identities.map((identity) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
        stack.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: this.configurationSet.configurationSetName,
        }),
        this.templateArn('*'),
      ],
    });
    this.acknowledgeTemplateWildcard(grantee);
    this.grantReadAccount(grantee);
  }

  /** Read the account's send rate and 24-hour quota (GetAccount), and nothing else. */
  grantReadAccount(grantee: IGrantable): void {
    // GetAccount has no resource: it reads the account's sending quota.
    Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount'], resourceArns: ['*'] });
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    acknowledgeWildcardResource(
      principal,
      '*',
      'ses:GetAccount, the only action on this resource, has no resource type in IAM: it reads the account-wide sending quota the dispatcher paces itself with, and must be granted on *.',
    );
  }

  /** Read this stack's templates: list them, and read each one's content (the template history's check). */
  grantReadTemplates(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['ses:GetEmailTemplate'], resourceArns: [this.templateArn('*')] });
    // ListEmailTemplates has no resource type in IAM, so it is granted on *.
    Grant.addToPrincipal({ grantee, actions: ['ses:ListEmailTemplates'], resourceArns: ['*'] });
    this.acknowledgeTemplateWildcard(grantee);
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    acknowledgeWildcardResource(
      principal,
      '*',
      'ses:ListEmailTemplates, the only action on this resource, has no resource type in IAM: the template check lists the templates to find edits and new ones, and must be granted on *.',
    );
  }

  /** The template wildcard is the prefix of this stack's templates: exactly the templates it owns. */
  private acknowledgeTemplateWildcard(grantee: IGrantable | undefined): void {
    const principal = grantee?.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    acknowledgeWildcardResource(
      principal,
      this.templateArn('*'),
      `Email templates are named by marketers in SES under this stack's prefix "${this.templatePrefix}" (a deploy never lists them); the wildcard covers exactly that prefix, no other template of the account.`,
    );
  }

  /**
   * The sending domain as an SES identity with Easy DKIM (2048-bit) and a custom MAIL FROM domain, so that
   * SPF and DKIM both align with the From domain, as DMARC and the big mailbox providers want. SES cannot
   * add records to a DNS it does not manage: each record to add is a stack output.
   */
  private verifyDomain(domain: { readonly name: string; readonly mailFromSubdomain: string }): void {
    const mailFrom = `${domain.mailFromSubdomain}.${domain.name}`;
    const identity = new EmailIdentity(this, 'DomainIdentity', {
      identity: Identity.domain(domain.name),
      configurationSet: this.configurationSet,
      mailFromDomain: mailFrom,
      // Until the MX record exists, mail goes out with SES's own MAIL FROM rather than not at all.
      mailFromBehaviorOnMxFailure: MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
    });
    identity.dkimRecords.forEach((record, index) => {
      dnsOutput(this, `DkimRecord${index + 1}`, {
        description: `DNS: CNAME ${index + 1} of 3 for Easy DKIM (name, then value)`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
    const region = Stack.of(this).region;
    dnsOutput(this, 'MailFromMxRecord', {
      description: 'DNS: the MX record of the custom MAIL FROM domain',
      value: `${mailFrom} MX 10 feedback-smtp.${region}.amazonses.com`,
    });
    dnsOutput(this, 'MailFromSpfRecord', {
      description: 'DNS: the SPF record of the custom MAIL FROM domain',
      value: `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`,
    });
    dnsOutput(this, 'DmarcRecord', {
      description: 'DNS: a DMARC policy to start with (monitoring only; see docs/deliverability.md)',
      value: `_dmarc.${domain.name} TXT "v=DMARC1; p=none; adkim=r; aspf=r"`,
    });
    this.identities.push(domain.name);
  }

  private templateArn(name: string): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'template',
      resourceName: `${this.templatePrefix}${name}`,
    });
  }
}

/**
 * A stack output keyed `id` itself (not prefixed by this construct's path), so that the DNS records are
 * found under the names docs/deliverability.md gives.
 */
function dnsOutput(scope: Construct, id: string, props: { description: string; value: string }): void {
  new CfnOutput(scope, id, props).overrideLogicalId(id);
}
