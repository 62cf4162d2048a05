import { Duration } from 'aws-cdk-lib';
import { type Archive, EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Route, RouteTarget } from '../functions/domain/routing.js';
import { acknowledgeDeadLetterQueueChecks } from './policy-checks.js';

export interface LifecycleBusProps {
  /**
   * How long every event on the bus is kept in the archive, for replay after a fix.
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;
}

/**
 * The custom EventBridge bus that canonical events travel on, with an archive for replay, and one rule
 * per entry of the routing table (functions/domain/routing.ts), the same table the local router reads.
 * Every target has its own dead-letter queue, for deliveries EventBridge gives up on and for invocations
 * that failed every retry.
 */
export class LifecycleBus extends Construct {
  public readonly bus: EventBus;
  public readonly archive: Archive;
  /** Dead-letter queue of each target function. */
  public readonly deadLetterQueues = new Map<RouteTarget, Queue>();

  /** The dead-letter queues by the names their alarms, graphs and outputs carry (`customer` → `Customer`). */
  get deadLetterQueuesByName(): ReadonlyMap<string, Queue> {
    return new Map([...this.deadLetterQueues].map(([target, queue]) => [capitalise(target), queue] as const));
  }
  public readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: LifecycleBusProps = {}) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus');
    this.archive = this.bus.archive('Archive', {
      description: 'Every lifecycle event, kept for replay',
      eventPattern: { account: [this.bus.env.account] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
  }

  /**
   * Creates the rules of a routing table, delivering to the given function for each target. Routes on the
   * default bus (SES's events) match only the emails sent with `sesConfigurationSetName`: other senders in
   * the account must not suppress or unsubscribe this store's customers.
   */
  addRoutes(
    routes: readonly Route[],
    targets: Readonly<Record<RouteTarget, IFunction>>,
    options: { readonly sesConfigurationSetName: string },
  ): void {
    for (const route of routes) {
      const target = targets[route.target];
      const deadLetterQueue = this.deadLetterQueueFor(route.target, target);
      const onDefaultBus = route.bus === 'default';
      this.rules.push(
        new Rule(this, route.id, {
          eventBus: onDefaultBus ? this.defaultBus() : this.bus,
          description: route.description,
          eventPattern: {
            source: [...route.pattern.source],
            detailType: [...route.pattern.detailType],
            ...(onDefaultBus
              ? { detail: { mail: { tags: { 'ses:configuration-set': [options.sesConfigurationSetName] } } } }
              : {}),
          },
          targets: [
            new LambdaFunction(target, {
              deadLetterQueue,
              retryAttempts: 8,
              maxEventAge: Duration.hours(24),
            }),
          ],
        }),
      );
    }
  }

  private defaultBus(): IEventBus {
    return (
      (this.node.tryFindChild('DefaultBus') as IEventBus | undefined) ??
      EventBus.fromEventBusName(this, 'DefaultBus', 'default')
    );
  }

  private deadLetterQueueFor(name: RouteTarget, target: IFunction): Queue {
    const existing = this.deadLetterQueues.get(name);
    if (existing) return existing;
    const queue = new Queue(this, `${capitalise(name)}DeadLetters`, {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    // Invocations that fail every Lambda retry land here too, with the event that failed.
    target.configureAsyncInvoke({ onFailure: new QueueDestination(queue), retryAttempts: 2 });
    acknowledgeDeadLetterQueueChecks(queue);
    this.deadLetterQueues.set(name, queue);
    return queue;
  }
}

/**
 * An SQS queue as a Lambda on-failure destination. Lambda sends to it with the function's role, which
 * needs `sqs:SendMessage` and nothing else (CDK's SqsDestination also grants GetQueueAttributes and
 * GetQueueUrl, which Lambda never calls).
 */
class QueueDestination implements IDestination {
  constructor(private readonly queue: Queue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    return { destination: this.queue.queueArn };
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
