/**
 * Counts what the product asks of AWS, from inside the SDK: one middleware per client records every
 * command (by service and operation) and, for DynamoDB, asks for ReturnConsumedCapacity and sums the
 * units the engine reports. The bench only: the functions never ask for consumed capacity.
 */

import { operationName } from '../tests/helpers/sdk-operation.js';

/** The services the bench meters; a command of any other client is counted under its own name. */
export type Service = 'DynamoDB' | 'SES' | 'EventBridge';

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** What a stretch of work cost, as counted by a {@link AwsMeter}. */
export interface Usage {
  /** Calls by service, failed ones included (a failed call is billed all the same). */
  calls: Record<string, number>;
  /** Calls by `Service.Operation`. */
  operations: Record<string, number>;
  /** Read and write request units as DynamoDB (Local) reported them in ConsumedCapacity. */
  rru: number;
  wru: number;
  /**
   * The same, with DynamoDB's documented minimums applied where the engine reported less: a read of an
   * item that does not exist, or a query that finds nothing, still costs 0.5 RRU (1 if strongly
   * consistent); a conditional write that fails still costs 1 WRU per item (2 in a transaction). DynamoDB
   * Local reports 0 for these; AWS bills them. And a transaction's writes item by item, 2 WRU per KB of
   * each rounded up, plus the due index's units, where Local reports them on the items' total size.
   */
  billedRru: number;
  billedWru: number;
  /** Calls that failed (conditional checks, cancelled transactions). */
  failed: number;
  /** Reported units (read or write) by `DynamoDB.Operation`. */
  unitsByOperation: Record<string, number>;
}

function emptyUsage(): Usage {
  return { calls: {}, operations: {}, rru: 0, wru: 0, billedRru: 0, billedWru: 0, failed: 0, unitsByOperation: {} };
}

/** `after - before`, for a snapshot taken with {@link AwsMeter.snapshot}. */
export function usageSince(before: Usage, after: Usage): Usage {
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(a)
        .map(([key, value]) => [key, value - (b[key] ?? 0)] as const)
        .filter(([, value]) => value !== 0),
    );
  return {
    calls: diff(after.calls, before.calls),
    operations: diff(after.operations, before.operations),
    rru: after.rru - before.rru,
    wru: after.wru - before.wru,
    billedRru: after.billedRru - before.billedRru,
    billedWru: after.billedWru - before.billedWru,
    failed: after.failed - before.failed,
    unitsByOperation: diff(after.unitsByOperation, before.unitsByOperation),
  };
}

/** Every figure divided by `n`: the cost of one business event out of `n` alike. */
export function perEvent(usage: Usage, n: number): Usage {
  const scale = (record: Record<string, number>) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, value / n]));
  return {
    calls: scale(usage.calls),
    operations: scale(usage.operations),
    rru: usage.rru / n,
    wru: usage.wru / n,
    billedRru: usage.billedRru / n,
    billedWru: usage.billedWru / n,
    failed: usage.failed / n,
    unitsByOperation: scale(usage.unitsByOperation),
  };
}

interface ConsumedCapacity {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

/** An item or value in the wire format of DynamoDB (AttributeValue), as the low-level client sends it. */
type AttributeValue = Record<string, unknown>;

/**
 * An item's size as DynamoDB bills it: per attribute, its name's UTF-8 bytes and its value's size (a
 * string's UTF-8 bytes; a number's significant digits by two, plus one; a map or list 3 bytes plus 1 per
 * element and the elements' own sizes).
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if (typeof value.S === 'string') return Buffer.byteLength(value.S);
  if (typeof value.N === 'string')
    return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B instanceof Uint8Array) return value.B.byteLength;
  if (Array.isArray(value.SS)) return (value.SS as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (Array.isArray(value.NS)) return (value.NS as string[]).reduce((sum, n) => sum + valueSize({ N: n }), 0);
  if (value.M !== undefined) {
    let size = 3;
    for (const [name, element] of Object.entries(value.M as Record<string, AttributeValue>))
      size += Buffer.byteLength(name) + valueSize(element) + 1;
    return size;
  }
  if (Array.isArray(value.L)) return 3 + (value.L as AttributeValue[]).reduce((sum, e) => sum + valueSize(e) + 1, 0);
  return 0;
}

/**
 * What AWS bills a transaction's writes to the table: each item apart, 2 WRU per KB of it, rounded up (a
 * condition check, an update or a delete at least 2). DynamoDB Local reports a transaction's units on the
 * size of all its items together, which is less.
 */
export function transactionTableUnits(input: Record<string, unknown>): number {
  let units = 0;
  for (const entry of (input.TransactItems ?? []) as Record<string, { Item?: Record<string, AttributeValue> }>[]) {
    const put = entry.Put?.Item;
    units += 2 * (put ? Math.max(1, Math.ceil(itemSize(put) / 1024)) : 1);
  }
  return units;
}

function indexUnits(list: readonly ConsumedCapacity[]): number {
  let units = 0;
  for (const entry of list)
    for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) units += index.CapacityUnits ?? 0;
  return units;
}

interface MiddlewareStackLike {
  add(
    middleware: (
      next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
      context: { commandName?: string },
    ) => (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
    options: { step: 'initialize'; name: string; override?: boolean },
  ): void;
}

/** A client of the AWS SDK v3, as far as the meter needs it. */
export interface MeteredClient {
  readonly middlewareStack: unknown;
}

/** Counts AWS calls and DynamoDB units for every client it is attached to. */
export class AwsMeter {
  private usage = emptyUsage();

  /** A copy of the totals so far. */
  snapshot(): Usage {
    return structuredClone(this.usage);
  }

  /** Adds `n` to a counter of its own, such as the entries of PutEvents calls (EventBridge bills entries). */
  count(key: string, n: number): void {
    this.usage.operations[key] = (this.usage.operations[key] ?? 0) + n;
  }

  /**
   * Meters a client. `respond`, when given, answers the command instead of sending it: the bench's
   * stand-in for a service that has no local engine (EventBridge), so the call is still counted.
   */
  attach<C extends MeteredClient>(
    client: C,
    service: Service,
    respond?: (operation: string, input: Record<string, unknown>) => Record<string, unknown>,
  ): C {
    (client.middlewareStack as MiddlewareStackLike).add(
      (next, context) => async (args) => {
        const operation = operationName(context.commandName ?? 'Unknown');
        this.usage.calls[service] = (this.usage.calls[service] ?? 0) + 1;
        const key = `${service}.${operation}`;
        this.usage.operations[key] = (this.usage.operations[key] ?? 0) + 1;
        if (respond) return { output: { $metadata: {}, ...respond(operation, args.input) } };
        if (service !== 'DynamoDB') return next(args);
        args.input.ReturnConsumedCapacity ??= 'INDEXES';
        try {
          const result = await next(args);
          this.addCapacity(operation, args.input, result.output.ConsumedCapacity as ConsumedCapacity | undefined);
          return result;
        } catch (error) {
          this.usage.failed++;
          this.addFloor(operation, args.input, 0, 0, true);
          throw error;
        }
      },
      { step: 'initialize', name: `benchMeter${service}`, override: true },
    );
    return client;
  }

  private addCapacity(
    operation: string,
    input: Record<string, unknown>,
    consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined,
  ): void {
    const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed as ConsumedCapacity];
    let units = 0;
    for (const entry of list)
      units += entry.CapacityUnits ?? (entry.ReadCapacityUnits ?? 0) + (entry.WriteCapacityUnits ?? 0);
    const read = READS.has(operation) ? units : 0;
    const write = WRITES.has(operation) ? units : 0;
    this.usage.rru += read;
    this.usage.wru += write;
    const key = `DynamoDB.${operation}`;
    this.usage.unitsByOperation[key] = (this.usage.unitsByOperation[key] ?? 0) + units;
    // A transaction as AWS bills it: its items apart, and what its writes cost the due index.
    const billed = operation === 'TransactWriteItems' ? transactionTableUnits(input) + indexUnits(list) : write;
    this.addFloor(operation, input, read, Math.max(write, billed), false);
  }

  /** Adds the billed units: what was reported, or DynamoDB's minimum for the request if that is more. */
  private addFloor(operation: string, input: Record<string, unknown>, read: number, write: number, failed: boolean) {
    if (READS.has(operation)) {
      const perRead = input.ConsistentRead === true ? 1 : 0.5;
      let requests = 1;
      if (operation === 'BatchGetItem') {
        requests = 0;
        for (const table of Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>))
          requests += table.Keys?.length ?? 0;
      }
      // A transactional read costs twice a strongly consistent one.
      const floor =
        operation === 'TransactGetItems'
          ? ((input.TransactItems as unknown[] | undefined) ?? []).length * 2
          : requests * perRead;
      this.usage.billedRru += Math.max(read, floor);
    } else if (WRITES.has(operation)) {
      let floor = 1;
      if (operation === 'TransactWriteItems') floor = ((input.TransactItems as unknown[]) ?? []).length * 2;
      if (operation === 'BatchWriteItem') {
        floor = 0;
        for (const table of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>))
          floor += table.length;
      }
      this.usage.billedWru += failed ? Math.max(write, floor) : Math.max(write, 1);
    }
  }
}
