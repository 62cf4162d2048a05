import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeServiceException, InternalException, ThrottlingException } from '@aws-sdk/client-eventbridge';
import { SESv2ServiceException, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { createRandom, type Random } from '../../functions/simulation/random.js';

/**
 * Fault injection for the AWS SDK v3 clients the handlers use (DynamoDB, SES v2, EventBridge): a
 * middleware that a test controls. Build the clients with the product's factories
 * (functions/adapters/aws-clients.ts), `attach` them, then `arm` faults at chosen calls:
 *
 * - `throttle`: the service refused the request, as the SDK surfaces it (DynamoDB
 *   ProvisionedThroughputExceededException 400, SES TooManyRequestsException 429, EventBridge
 *   ThrottlingException 400). Nothing was done.
 * - `server`: a 5xx (DynamoDB InternalServerError, EventBridge InternalException, SES InternalFailure; 500,
 *   or 503 ServiceUnavailable with `status: 503`).
 * - `timeout`: no answer at all: a `TimeoutError` without an HTTP status, as the SDK's HTTP handler throws it.
 *
 * `phase: 'before'` (the default) throws before the request leaves: the service never did the work.
 * `phase: 'after'` lets the real call go through and then throws: the work was done, the answer was lost
 * (SES accepted the email, DynamoDB committed the transaction), which is what makes "may have sent" hard.
 *
 * Where the fault fires relative to the SDK's own retries (`maxAttempts`, 3 by default):
 * - scope `call` (the default): in the `initialize` step, above the SDK's retry loop. One armed fault is
 *   one failed `client.send` as the caller sees it once the SDK has given up: the SDK never retries it.
 *   This is what tests of the handlers' own recovery want, whatever `maxAttempts` the client has.
 * - scope `attempt`: right after the SDK's `retryMiddleware`, inside its retry loop. Each armed firing is
 *   one HTTP attempt; the SDK classifies it like a real answer (throttling, transient, 5xx) and retries it
 *   within `maxAttempts`, so a fault can be absorbed without the caller ever noticing, and a `phase:
 *   'after'` fault makes the SDK send the same request again.
 */

export type FaultKind = 'throttle' | 'server' | 'timeout';
export type AwsService = 'dynamodb' | 'ses' | 'eventbridge';

export interface FaultRule {
  readonly kind: FaultKind;
  /** The client it applies to; any when absent. */
  readonly service?: AwsService;
  /** API operation names (`TransactWriteItems`, `SendEmail`, `PutEvents`…); any when absent. */
  readonly operation?: string | readonly string[];
  /**
   * A further condition on the command's input, e.g. which item a write is about. The input is the one the
   * command was built with (document-client inputs unmarshalled); {@link inputMentions} is a handy test.
   */
  readonly when?: (input: unknown) => boolean;
  /** @default 'before' */
  readonly phase?: 'before' | 'after';
  /** For `server`: 500 (InternalServerError and the like) or 503 (ServiceUnavailable). @default 500 */
  readonly status?: 500 | 503;
  /** Fires from the nth matching call on (1-based). @default 1 */
  readonly nth?: number;
  /** How many times it fires before it is spent; `Infinity` until cleared. @default 1 */
  readonly times?: number;
  /** Chance of firing at each matching call (from `nth` on), drawn from the injector's seeded random. */
  readonly probability?: number;
}

/** One AWS call seen by an injector (one per `send` with scope `call`, one per HTTP attempt with `attempt`). */
export interface ObservedCall {
  /** 1-based, over every call this injector saw. */
  readonly index: number;
  readonly service: AwsService | 'other';
  readonly operation: string;
  readonly input: unknown;
  /** The fault thrown at this call, if any. */
  readonly fault?: { readonly kind: FaultKind; readonly phase: 'before' | 'after' };
}

interface ArmedRule {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

/** The part of an SDK middleware stack used here (each client types it with its own inputs and outputs). */
interface MiddlewareStackLike {
  add(middleware: unknown, options: object): void;
  addRelativeTo(middleware: unknown, options: object): void;
}

/** Anything with an SDK v3 middleware stack: a service client, or a DynamoDB document client. */
export interface ClientWithMiddleware {
  readonly middlewareStack: { add(middleware: never, options: never): void };
}

const MIDDLEWARE_NAME = 'reliabilityFaultInjection';

export class FaultInjector {
  readonly scope: 'call' | 'attempt';
  /** Every call seen while recording (see {@link FaultInjector.record}), oldest first. */
  readonly calls: ObservedCall[] = [];
  /** Every fault thrown, in order, whether recording or not. */
  readonly faults: ObservedCall[] = [];
  private readonly random: Random;
  private readonly rules: ArmedRule[] = [];
  private readonly attached = new WeakSet<object>();
  private recording: boolean;
  private count = 0;

  constructor(
    options: { readonly seed?: number; readonly scope?: 'call' | 'attempt'; readonly record?: boolean } = {},
  ) {
    this.scope = options.scope ?? 'call';
    this.random = createRandom(options.seed ?? 1);
    this.recording = options.record ?? false;
  }

  /** Adds the fault middleware to a client (once; a document client shares its base client's stack). */
  attach<T extends ClientWithMiddleware>(client: T): T {
    const stack = client.middlewareStack as unknown as MiddlewareStackLike;
    if (this.attached.has(stack)) return client;
    this.attached.add(stack);
    const middleware =
      (next: (args: { input: unknown }) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { input: unknown }) => {
        const service = serviceOf(context.clientName);
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const armed = this.match(service, operation, args.input);
        const index = ++this.count;
        const fault = armed ? { kind: armed.rule.kind, phase: armed.rule.phase ?? 'before' } : undefined;
        const call = { index, service, operation, input: args.input, fault };
        if (this.recording) this.calls.push(call);
        if (fault) this.faults.push(call);
        if (!armed || !fault) return next(args);
        if (fault.phase === 'after') await next(args);
        throw faultError(armed.rule, service, operation);
      };
    if (this.scope === 'call') {
      stack.add(middleware, { step: 'initialize', priority: 'low', name: MIDDLEWARE_NAME, override: true });
    } else {
      stack.addRelativeTo(middleware, {
        relation: 'after',
        toMiddleware: 'retryMiddleware',
        name: MIDDLEWARE_NAME,
        override: true,
      });
    }
    return client;
  }

  /** Arms a fault; it fires at matching calls until spent or cleared. */
  arm(rule: FaultRule): this {
    this.rules.push({ rule, seen: 0, fired: 0 });
    return this;
  }

  /** Disarms every fault: the services answer normally again. */
  clear(): this {
    this.rules.length = 0;
    return this;
  }

  /** Disarms every fault and forgets the calls and faults seen: a new scenario on the same clients. */
  reset(): this {
    this.rules.length = 0;
    this.calls.length = 0;
    this.faults.length = 0;
    this.count = 0;
    return this;
  }

  /** Faults thrown so far. */
  get fired(): number {
    return this.faults.length;
  }

  /** Calls seen so far, recorded or not. */
  get seen(): number {
    return this.count;
  }

  /** Whether every armed rule has fired as often as it was armed for (rules with `times: Infinity` never are). */
  get spent(): boolean {
    return this.rules.every(({ rule, fired }) => fired >= (rule.times ?? 1));
  }

  /** Starts a new record of calls (and keeps recording until {@link FaultInjector.stopRecording}). */
  record(): this {
    this.calls.length = 0;
    this.recording = true;
    return this;
  }

  stopRecording(): this {
    this.recording = false;
    return this;
  }

  private match(service: AwsService | 'other', operation: string, input: unknown): ArmedRule | undefined {
    for (const armed of this.rules) {
      const { rule } = armed;
      if (rule.service !== undefined && rule.service !== service) continue;
      if (rule.operation !== undefined) {
        const operations = typeof rule.operation === 'string' ? [rule.operation] : rule.operation;
        if (!operations.includes(operation)) continue;
      }
      if (rule.when && !rule.when(input)) continue;
      armed.seen++;
      if (armed.seen < (rule.nth ?? 1) || armed.fired >= (rule.times ?? 1)) continue;
      if (rule.probability !== undefined && !(this.random.next() < rule.probability)) continue;
      armed.fired++;
      return armed;
    }
    return undefined;
  }
}

/** Whether a command's input mentions `text` anywhere (a key, a condition, a value). */
export function inputMentions(text: string): (input: unknown) => boolean {
  return (input) => JSON.stringify(input ?? null).includes(text);
}

function serviceOf(clientName: string | undefined): AwsService | 'other' {
  switch (clientName) {
    case 'DynamoDBClient':
      return 'dynamodb';
    case 'SESv2Client':
      return 'ses';
    case 'EventBridgeClient':
      return 'eventbridge';
    default:
      return 'other';
  }
}

/** The error a fault throws, shaped as the SDK surfaces the service's answer (or the lack of one). */
export function faultError(rule: Pick<FaultRule, 'kind' | 'status'>, service: AwsService | 'other', operation = '') {
  const requestId = `fault-${Math.random().toString(36).slice(2, 10)}`;
  const where = `${service} ${operation}`.trim();
  if (rule.kind === 'timeout') {
    // NodeHttpHandler's socket time-out: no response, so no HTTP status in $metadata.
    return Object.assign(new Error(`Connection timed out (injected fault: ${where})`), {
      name: 'TimeoutError',
      $metadata: {},
    });
  }
  if (rule.kind === 'throttle') {
    switch (service) {
      case 'ses':
        return new TooManyRequestsException({
          message: `Maximum sending rate exceeded (injected fault: ${where})`,
          $metadata: { httpStatusCode: 429, requestId },
        });
      case 'eventbridge':
        return new ThrottlingException({
          message: `Rate exceeded (injected fault: ${where})`,
          $metadata: { httpStatusCode: 400, requestId },
        });
      default:
        return new ProvisionedThroughputExceededException({
          message: `The level of configured provisioned throughput for the table was exceeded (injected fault: ${where})`,
          $metadata: { httpStatusCode: 400, requestId },
        });
    }
  }
  const status = rule.status ?? 500;
  const message = `${status === 503 ? 'Service unavailable' : 'Internal server error'} (injected fault: ${where})`;
  const $metadata = { httpStatusCode: status, requestId };
  if (status === 503) {
    const base = { name: 'ServiceUnavailable', $fault: 'server' as const, $metadata, message };
    if (service === 'ses') return new SESv2ServiceException(base);
    if (service === 'eventbridge') return new EventBridgeServiceException(base);
    return new DynamoDBServiceException(base);
  }
  switch (service) {
    case 'ses':
      return new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', $metadata, message });
    case 'eventbridge':
      return new InternalException({ message, $metadata });
    default:
      return new InternalServerError({ message, $metadata });
  }
}

/** Every combination the fault matrices run at each call: each kind, before and (where it differs) after. */
export const FAULT_VARIANTS: readonly Pick<FaultRule, 'kind' | 'phase' | 'status'>[] = [
  { kind: 'throttle', phase: 'before' },
  { kind: 'server', phase: 'before', status: 500 },
  { kind: 'server', phase: 'after', status: 503 },
  { kind: 'timeout', phase: 'before' },
  { kind: 'timeout', phase: 'after' },
];

export function describeVariant(variant: Pick<FaultRule, 'kind' | 'phase' | 'status'>): string {
  const kind = variant.kind === 'server' ? `${variant.status ?? 500}` : variant.kind;
  return `${kind} ${variant.phase === 'after' ? 'after the call went through' : 'before the call'}`;
}
