import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
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
}

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
    const address = /<([^>]+)>/.exec(props.fromAddress)?.[1] ?? props.fromAddress;
    this.identities = [address, address.slice(address.indexOf('@') + 1)];

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

  private templateArn(name: string): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'template',
      resourceName: `${this.templatePrefix}${name}`,
    });
  }
}
