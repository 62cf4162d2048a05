import type { FunctionName } from '../../../functions/local/lambda-context.js';

/** The account, region and stack name a template is read as deployed into (any will do; these are made up). */
export interface Deployment {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly stackName: string;
}

export const EXAMPLE_DEPLOYMENT: Deployment = {
  account: '111122223333',
  region: 'eu-west-1',
  partition: 'aws',
  stackName: 'Lifecycle',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/** An IAM policy document as IAM reads it. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Statement[];
}
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Json;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** A function of the stack as deployed: its role, its environment and its log group. */
export interface DeployedFunction {
  readonly logicalId: string;
  readonly name: FunctionName;
  readonly arn: string;
  readonly roleLogicalId: string;
  readonly roleArn: string;
  readonly roleName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroupArn: string | undefined;
}

/**
 * A synthesized CloudFormation template read as CloudFormation would deploy it into one account: every
 * `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` becomes the concrete name or ARN
 * the resource would have (names CloudFormation generates are made up here, deterministically), so that the
 * template's policies can be evaluated the way IAM evaluates them. A resource type or attribute it cannot
 * place is an error rather than a guess.
 */
export class DeployedTemplate {
  constructor(
    readonly template: CfnTemplate,
    readonly deployment: Deployment = EXAMPLE_DEPLOYMENT,
  ) {}

  resources(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  resource(logicalId: string): CfnResource {
    const found = this.template.Resources[logicalId];
    if (!found) throw new Error(`the template has no resource ${logicalId}`);
    return found;
  }

  /** The only resource of a type: the stack's table, its bus. */
  only(type: string): string {
    const found = this.resources(type);
    if (found.length !== 1)
      throw new Error(`expected one ${type} in the template, found ${found.length}: extend the mapping`);
    return (found[0] as [string, CfnResource])[0];
  }

  /** Any CloudFormation value with its intrinsic functions resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const node = value as Record<string, unknown>;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = node[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(argument));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(argument) ? (argument as string[]) : String(argument).split('.');
          return this.attribute(logicalId as string, attribute as string);
        }
        case 'Fn::Join': {
          const [delimiter, items] = argument as [string, unknown[]];
          return (this.resolve(items) as unknown[]).map(String).join(delimiter);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [number | string, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [delimiter, text] = argument as [string, unknown];
          return String(this.resolve(text)).split(delimiter);
        }
        case 'Fn::Sub':
          return this.substitute(argument);
        case 'Fn::If':
        case 'Fn::ImportValue':
        case 'Fn::FindInMap':
          throw new Error(`${key} is not resolved here: extend DeployedTemplate`);
      }
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.resolve(v)]));
  }

  string(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private substitute(argument: unknown): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, unknown>])
      : [String(argument), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      if (name.includes('.')) {
        const [logicalId, attribute] = name.split('.') as [string, string];
        return this.attribute(logicalId, attribute);
      }
      return this.ref(name);
    });
  }

  private ref(name: string): string {
    const { account, region, partition, stackName } = this.deployment;
    switch (name) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return '';
    }
    const resource = this.resource(name);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${this.physicalName(name)}`;
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
        return this.attribute(name, 'Arn');
      default:
        return this.physicalName(name);
    }
  }

  /** The name CloudFormation gives a resource: the one in its properties, or one it makes up. */
  physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const named: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Events::EventBus': 'Name',
      'AWS::Events::Rule': 'Name',
      'AWS::Events::Archive': 'ArchiveName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SES::ConfigurationSet': 'Name',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::SES::EmailIdentity': 'EmailIdentity',
      'AWS::ApiGatewayV2::DomainName': 'DomainName',
    };
    const property = named[resource.Type];
    const given = property ? resource.Properties?.[property] : undefined;
    if (given !== undefined) return this.string(given);
    if (resource.Type === 'AWS::ApiGatewayV2::Api') return `a1b2c3${logicalId.slice(-4).toLowerCase()}`;
    if (resource.Type === 'AWS::Logs::LogGroup') return `/aws/generated/${this.deployment.stackName}-${logicalId}`;
    // Bucket names are lower case.
    if (resource.Type === 'AWS::S3::Bucket')
      return `${this.deployment.stackName}-${logicalId}-generated`.toLowerCase().slice(0, 63);
    return `${this.deployment.stackName}-${logicalId}-GENERATED`.slice(0, 64);
  }

  attribute(logicalId: string, attribute: string): string {
    const { account, region, partition } = this.deployment;
    const resource = this.resource(logicalId);
    const name = () => this.physicalName(logicalId);
    const arn = (service: string, rest: string, inRegion = true) =>
      `arn:${partition}:${service}:${inRegion ? region : ''}:${account}:${rest}`;
    const known: Record<string, Record<string, () => string>> = {
      'AWS::DynamoDB::Table': { Arn: () => arn('dynamodb', `table/${name()}`) },
      'AWS::Events::EventBus': { Arn: () => arn('events', `event-bus/${name()}`), Name: name },
      'AWS::Events::Rule': {
        Arn: () => {
          const bus = resource.Properties?.EventBusName;
          const busName = bus === undefined ? 'default' : this.string(bus);
          return arn('events', busName === 'default' ? `rule/${name()}` : `rule/${busName}/${name()}`);
        },
      },
      'AWS::Events::Archive': { Arn: () => arn('events', `archive/${name()}`) },
      'AWS::SQS::Queue': {
        Arn: () => arn('sqs', name()),
        QueueName: name,
        QueueUrl: () => this.ref(logicalId),
      },
      'AWS::SNS::Topic': { TopicArn: () => arn('sns', name()), Arn: () => arn('sns', name()), TopicName: name },
      'AWS::SecretsManager::Secret': { Arn: () => arn('secretsmanager', `secret:${name()}-AbCdEf`) },
      'AWS::Lambda::Function': { Arn: () => arn('lambda', `function:${name()}`) },
      'AWS::IAM::Role': { Arn: () => arn('iam', `role/${name()}`, false), RoleId: () => `AROA${logicalId}` },
      'AWS::Logs::LogGroup': { Arn: () => arn('logs', `log-group:${name()}:*`) },
      'AWS::ApiGatewayV2::Api': {
        ApiEndpoint: () => `https://${name()}.execute-api.${region}.amazonaws.com`,
        ApiId: name,
      },
      'AWS::CloudWatch::Alarm': { Arn: () => arn('cloudwatch', `alarm:${name()}`) },
      'AWS::S3::Bucket': { Arn: () => `arn:${partition}:s3:::${name()}` },
      'AWS::ApiGatewayV2::DomainName': {
        RegionalDomainName: () => `d-a1b2c3d4e5.execute-api.${region}.amazonaws.com`,
        RegionalHostedZoneId: () => 'Z2FDTNDATAQYW2',
      },
      'AWS::SES::EmailIdentity': Object.fromEntries(
        [1, 2, 3].flatMap((n) => [
          [`DkimDNSTokenName${n}`, () => `token${n}._domainkey.${name()}`],
          [`DkimDNSTokenValue${n}`, () => `token${n}.dkim.amazonses.com`],
        ]),
      ),
    };
    const read = known[resource.Type]?.[attribute];
    if (!read)
      throw new Error(`${resource.Type}.${attribute} (${logicalId}) is not resolved here: extend DeployedTemplate`);
    return read();
  }

  /** The stack's functions, by the service name they run under (POWERTOOLS_SERVICE_NAME). */
  functions(): Map<FunctionName, DeployedFunction> {
    const found = new Map<FunctionName, DeployedFunction>();
    for (const [logicalId, resource] of this.resources('AWS::Lambda::Function')) {
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)
        ?.Variables;
      const name = variables?.POWERTOOLS_SERVICE_NAME;
      if (typeof name !== 'string') continue;
      const roleLogicalId = roleOf(resource);
      const logging = resource.Properties?.LoggingConfig as { LogGroup?: Json } | undefined;
      const logGroup = logging?.LogGroup;
      found.set(name as FunctionName, {
        logicalId,
        name: name as FunctionName,
        arn: this.attribute(logicalId, 'Arn'),
        roleLogicalId,
        roleArn: this.attribute(roleLogicalId, 'Arn'),
        roleName: this.physicalName(roleLogicalId),
        environment: Object.fromEntries(Object.entries(variables ?? {}).map(([k, v]) => [k, this.string(v)])),
        logGroupArn: logGroup === undefined ? undefined : this.logGroupArn(this.string(logGroup)),
      });
    }
    return found;
  }

  logGroupArn(name: string): string {
    const { account, region, partition } = this.deployment;
    return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
  }

  /** A role's identity policies: the stack's policies attached to it, and its inline ones. */
  identityPolicies(roleLogicalId: string): { name: string; policy: PolicyDocument }[] {
    const role = this.resource(roleLogicalId);
    if (role.Properties?.ManagedPolicyArns !== undefined)
      throw new Error(`${roleLogicalId} has managed policies, which this check cannot read`);
    const inline = ((role.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: Json }[]).map((p) => ({
      name: p.PolicyName,
      policy: this.resolve(p.PolicyDocument) as PolicyDocument,
    }));
    const attached = this.resources('AWS::IAM::Policy')
      .filter(([, policy]) =>
        ((policy.Properties?.Roles ?? []) as Json[]).some(
          (role) => (role as { Ref?: string } | null)?.Ref === roleLogicalId,
        ),
      )
      .map(([logicalId, policy]) => ({
        name: logicalId,
        policy: this.resolve(policy.Properties?.PolicyDocument) as PolicyDocument,
      }));
    return [...attached, ...inline];
  }

  /**
   * The resource policy AWS evaluates for a request on `arn`: the queue's or topic's policy, the function's
   * permissions (each `AWS::Lambda::Permission` is one statement of the function's policy), the secret's.
   */
  resourcePolicy(arn: string): PolicyDocument | undefined {
    const statements: Statement[] = [];
    const matches = (value: Json | undefined) => value !== undefined && this.string(value) === arn;
    for (const [logicalId, resource] of Object.entries(this.template.Resources)) {
      const p = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::SQS::QueuePolicy':
          if (((p.Queues ?? []) as Json[]).some((queue) => this.queueArnOfUrl(this.string(queue)) === arn))
            statements.push(...(this.resolve(p.PolicyDocument) as PolicyDocument).Statement);
          break;
        case 'AWS::SNS::TopicPolicy':
          if (((p.Topics ?? []) as Json[]).some(matches))
            statements.push(...(this.resolve(p.PolicyDocument) as PolicyDocument).Statement);
          break;
        case 'AWS::SecretsManager::ResourcePolicy':
          if (matches(p.SecretId)) statements.push(...(this.resolve(p.ResourcePolicy) as PolicyDocument).Statement);
          break;
        case 'AWS::Lambda::Permission': {
          const target = this.string(p.FunctionName);
          if (target !== arn && !arn.endsWith(`:function:${target}`)) break;
          const condition: Statement['Condition'] = {};
          if (p.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': this.string(p.SourceArn) };
          if (p.SourceAccount !== undefined)
            condition.StringEquals = { 'AWS:SourceAccount': this.string(p.SourceAccount) };
          const principal = this.string(p.Principal);
          statements.push({
            Sid: logicalId,
            Effect: 'Allow',
            Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
            Action: this.string(p.Action),
            Resource: arn,
            ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
          });
          break;
        }
      }
    }
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }

  /** The ARN of the queue at a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
  queueArnOfUrl(url: string): string {
    const { partition } = this.deployment;
    const [, , host, account, name] = url.split('/');
    const region = host?.split('.')[1];
    return `arn:${partition}:sqs:${region}:${account}:${name}`;
  }
}

function roleOf(fn: CfnResource): string {
  const role = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const logicalId = role?.['Fn::GetAtt']?.[0];
  if (!logicalId) throw new Error('a function whose role is not one of the stack');
  return logicalId;
}
