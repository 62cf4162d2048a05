import { CfnOutput, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
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

export interface MailerProps {
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
export class Mailer extends Construct {
  public readonly configurationSet: ConfigurationSet;
  private readonly templatePrefix: string;
  private readonly identities: string[];

  constructor(scope: Construct, id: string, props: MailerProps) {
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
    const provider = new Provider(this, 'SeedProvider', { onEventHandler: seed });
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
    // GetAccount has no resource: it reads the account's sending quota.
    Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount'], resourceArns: ['*'] });
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
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        description: `DNS: CNAME ${index + 1} of 3 for Easy DKIM (name, then value)`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
    const region = Stack.of(this).region;
    new CfnOutput(this, 'MailFromMxRecord', {
      description: 'DNS: the MX record of the custom MAIL FROM domain',
      value: `${mailFrom} MX 10 feedback-smtp.${region}.amazonses.com`,
    });
    new CfnOutput(this, 'MailFromSpfRecord', {
      description: 'DNS: the SPF record of the custom MAIL FROM domain',
      value: `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`,
    });
    new CfnOutput(this, 'DmarcRecord', {
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
