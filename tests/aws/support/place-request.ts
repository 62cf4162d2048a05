import { readTemplateFiles } from '../../../functions/adapters/template-files.js';
import type { LifecycleConfig } from '../../../functions/domain/config.js';
import type { DeployedFunction, DeployedTemplate } from './deployed-template.js';
import type { AccessRequest } from './evaluate.js';
import type { RecordedRequest, ResourceRef } from './recorded-call.js';

const TEMPLATE_NAMES = readTemplateFiles('templates').map((t) => t.name);

/** A recorded request placed in a deployed stack: one access request per ARN it touches there. */
export type Placed =
  | { readonly kind: 'requests'; readonly requests: AccessRequest[] }
  /** The call is on a part this configuration does not deploy (the weekly report's bucket without `report`). */
  | { readonly kind: 'not-deployed' }
  | { readonly kind: 'unplaceable'; readonly why: string };

/**
 * The access requests AWS would evaluate for a recorded call made by `fn` in the stack `template` built
 * from `config`: the principal is the function's role session, the resources are the stack's.
 */
export function place(
  recorded: RecordedRequest,
  fn: DeployedFunction,
  template: DeployedTemplate,
  config: LifecycleConfig,
): Placed {
  const arns = resourceArns(recorded.resource, fn, template, config);
  if ('kind' in arns) return arns;
  return {
    kind: 'requests',
    requests: arns.list.map((resource) => roleRequest(fn, template, recorded.action, resource, recorded.context)),
  };
}

/** A request made with a function's role, as Lambda signs it: its session, over TLS, in the stack's region. */
export function roleRequest(
  fn: Pick<DeployedFunction, 'roleArn' | 'roleName' | 'roleLogicalId' | 'name'>,
  template: DeployedTemplate,
  action: string,
  resource: string,
  context: AccessRequest['context'] = {},
): AccessRequest {
  const { account, region } = template.deployment;
  return {
    principal: `arn:aws:sts::${account}:assumed-role/${fn.roleName}/${fn.name}`,
    action,
    resource,
    resourceAccount: account,
    context: {
      'aws:PrincipalArn': fn.roleArn,
      'aws:PrincipalAccount': account,
      'aws:SecureTransport': 'true',
      'aws:RequestedRegion': region,
      ...context,
    },
    identityPolicies: template.identityPolicies(fn.roleLogicalId),
    resourcePolicy: resource === '*' ? undefined : template.resourcePolicy(resource),
  };
}

function resourceArns(
  ref: ResourceRef,
  fn: DeployedFunction,
  template: DeployedTemplate,
  config: LifecycleConfig,
): { list: string[] } | Exclude<Placed, { kind: 'requests' }> {
  const { account, region, partition } = template.deployment;
  const arn = (service: string, rest: string) => `arn:${partition}:${service}:${region}:${account}:${rest}`;
  switch (ref.type) {
    case 'table': {
      const table = template.attribute(template.only('AWS::DynamoDB::Table'), 'Arn');
      return { list: [ref.index ? `${table}/index/${ref.index}` : table] };
    }
    case 'event-bus':
      return {
        list: [
          ref.bus === 'default'
            ? arn('events', 'event-bus/default')
            : template.attribute(template.only('AWS::Events::EventBus'), 'Arn'),
        ],
      };
    case 'ses-sender-identity': {
      // SES authorises a send against the identity that covers the From address: the address itself, or
      // its domain, whichever the account verified. Both must be allowed.
      const from = /<([^>]+)>/.exec(config.sender.from)?.[1] ?? config.sender.from;
      const domain = from.slice(from.indexOf('@') + 1);
      return { list: [...new Set([from, domain])].map((identity) => arn('ses', `identity/${identity}`)) };
    }
    case 'ses-configuration-set': {
      const name = fn.environment.CONFIGURATION_SET_NAME;
      if (!name)
        return { kind: 'unplaceable', why: `${fn.name} sends with a configuration set its environment does not name` };
      return { list: [arn('ses', `configuration-set/${name}`)] };
    }
    case 'ses-template': {
      const base = TEMPLATE_NAMES.find((name) => ref.name.endsWith(name)) ?? ref.name;
      return { list: [arn('ses', `template/${config.templatePrefix}${base}`)] };
    }
    case 'secret': {
      const value = fn.environment[ref.variable];
      if (value === undefined)
        return {
          kind: 'unplaceable',
          why: `${fn.name} reads a secret from ${ref.variable}, which the stack does not set`,
        };
      if (ref.key === undefined) return { list: [value] };
      // A map of secrets by key (WEBHOOK_SECRET_ARNS: one per source): the function reads whichever one a
      // request names, by the same code, so a read of one stands for a read of each.
      return { list: Object.values(JSON.parse(value) as Record<string, string>) };
    }
    case 'bucket-object': {
      const bucket = fn.environment[ref.variable];
      if (bucket === undefined && config.report === undefined) return { kind: 'not-deployed' };
      if (bucket === undefined)
        return {
          kind: 'unplaceable',
          why: `${fn.name} reads a bucket from ${ref.variable}, which the stack does not set`,
        };
      return { list: [`arn:${partition}:s3:::${bucket}/${ref.key}`] };
    }
    case 'queue': {
      const url = fn.environment[ref.variable];
      if (url === undefined)
        return {
          kind: 'unplaceable',
          why: `${fn.name} sends to a queue from ${ref.variable}, which the stack does not set`,
        };
      return { list: [template.queueArnOfUrl(url)] };
    }
    case 'none':
      return { list: ['*'] };
    case 'unknown':
      return {
        kind: 'unplaceable',
        why: `${ref.detail} is a call the recorder cannot place: add it to tests/aws/support/iam-requests.ts`,
      };
  }
}
