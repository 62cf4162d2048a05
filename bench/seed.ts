import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbClients } from '../functions/adapters/aws-clients.js';
import {
  customerItem,
  emailItem,
  enrollmentItem,
  type Item,
  reassessItem,
} from '../functions/adapters/dynamodb/items.js';
import { hashEmail } from '../functions/adapters/email-hash.js';
import type { Customer } from '../functions/domain/customer.js';
import type { Enrollment } from '../functions/domain/journeys/enrollment.js';
import { recordCustomerEvent } from '../functions/domain/services/record-customer-event.js';
import { customerChanges } from '../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../functions/local/credentials.js';
import { invokeLocally } from '../functions/local/lambda-context.js';
import type { Engines } from './engines.js';
import type { FanOutWiring, Wiring } from './harness.js';
import { signedSignupRequest, signupData } from './requests.js';

/** A customer as the customer function stores it after a signup, and its welcome-series run. */
export interface CustomerTemplate {
  readonly customer: Customer;
  readonly run: Enrollment;
}

/**
 * Signs one customer up through the real path (webhook → customer function) and reads back what the
 * store wrote: the template every seeded customer is a copy of, so that seeded items are the items the
 * product makes, not a guess at them.
 */
export async function customerTemplate(wiring: Wiring): Promise<CustomerTemplate> {
  const email = `template-${Date.now()}@example.com`;
  const response = await invokeLocally('webhook', wiring.webhook, signedSignupRequest(email));
  if (response.statusCode !== 200) throw new Error(`template signup answered ${response.statusCode}`);
  await wiring.deliverBusEvents();
  const id = await wiring.store.findCustomerId(email);
  const stored = id === undefined ? undefined : await wiring.store.load(id);
  const run = stored?.enrollments.get('welcome-series')?.enrollment;
  if (!stored || !run) throw new Error('the template signup did not start the welcome series');
  return { customer: stored.customer, run };
}

export type SeededRun =
  /** The welcome series' first email is due now. */
  | { readonly kind: 'due'; readonly dueAt: string }
  /** Waiting for a step in the future, or finished: nothing due. */
  | { readonly kind: 'idle'; readonly waitingUntil: string };

/**
 * Writes `count` customers (numbered from `from`) with BatchWriteItem, each built from the template with
 * the store's own item builders (functions/adapters/dynamodb/items.ts): profile, email look-up and the
 * welcome-series run; idle customers also get a reassessment timer in the future, as real ones have.
 * Half of the idle customers' runs wait for a later step (in the due index, not due), half are completed
 * (out of the index).
 */
export async function seedCustomers(
  engines: Engines,
  wiring: Wiring,
  template: CustomerTemplate,
  options: { readonly from: number; readonly count: number; readonly run: SeededRun; readonly prefix: string },
): Promise<{ readonly items: number; readonly seconds: number }> {
  const started = performance.now();
  // A client of its own, unmetered: seeding is not what is measured.
  const { document } = dynamoDbClients({
    endpoint: engines.dynamoDbEndpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  const dueShards = wiring.config.dispatcher.dueShards;
  let items = 0;
  let next = options.from;
  const end = options.from + options.count;
  const worker = async () => {
    let batch: Item[] = [];
    const flush = async () => {
      if (batch.length > 0) await batchWrite(document, wiring.tableName, batch);
      items += batch.length;
      batch = [];
    };
    while (next < end) {
      const n = next++;
      const id = `cus_${options.prefix}${n.toString(36).padStart(8, '0')}`;
      const email = `${options.prefix}-${n}@example.com`;
      const customer: Customer = { ...template.customer, id, email };
      const run: Enrollment =
        options.run.kind === 'due'
          ? { ...template.run, runId: `run_${options.prefix}${n}`, dueAt: options.run.dueAt }
          : n % 2 === 0
            ? {
                ...template.run,
                runId: `run_${options.prefix}${n}`,
                stepId: 'welcome-2',
                dueAt: options.run.waitingUntil,
              }
            : { ...template.run, runId: `run_${options.prefix}${n}`, status: 'completed', dueAt: undefined };
      batch.push(customerItem(customer, 1), emailItem(email, id), enrollmentItem(id, run, 1, dueShards));
      if (options.run.kind === 'idle') batch.push(reassessItem(id, options.run.waitingUntil, dueShards));
      if (batch.length >= 24) await flush();
    }
    await flush();
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { items, seconds: (performance.now() - started) / 1000 };
}

async function batchWrite(document: DynamoDBDocumentClient, tableName: string, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let requests = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      const result = await document.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
    }
  }
}

/**
 * A signup recorded by the customer function's service on `wiring`'s store (the generic signup of
 * requests.ts, {@link signupData}, without the webhook): the customer the in-memory figure copies, as {@link customerTemplate}
 * is for DynamoDB Local.
 */
export async function memoryCustomerTemplate(wiring: FanOutWiring): Promise<CustomerTemplate> {
  const email = `template-${Date.now()}@example.com`;
  const changes = customerChanges({
    store: wiring.store,
    clock: wiring.clock,
    config: wiring.config,
    publisher: { publish: async () => undefined },
  });
  await recordCustomerEvent(
    { ...changes, hashEmail },
    {
      schemaVersion: 1,
      id: `generic:evt_${randomUUID()}`,
      source: 'generic',
      type: 'customer.signed_up',
      occurredAt: wiring.clock.now().toISOString(),
      data: signupData(email),
    },
  );
  const id = await wiring.store.findCustomerId(email);
  const stored = id === undefined ? undefined : await wiring.store.load(id);
  const run = stored?.enrollments.get('welcome-series')?.enrollment;
  if (!stored || !run) throw new Error('the template signup did not start the welcome series');
  return { customer: stored.customer, run };
}

/**
 * The in-memory twin of {@link seedCustomers}' due runs: `count` copies of the template, each with its
 * welcome-series run due at `dueAt`, written in one commit per customer (profile, email claim and run: the
 * items BatchWriteItem writes for DynamoDB Local).
 */
export async function seedMemoryCustomers(
  wiring: FanOutWiring,
  template: CustomerTemplate,
  options: { readonly count: number; readonly dueAt: string; readonly prefix: string },
): Promise<{ readonly seconds: number }> {
  const started = performance.now();
  for (let n = 0; n < options.count; n++) {
    const id = `cus_${options.prefix}${n.toString(36).padStart(8, '0')}`;
    const email = `${options.prefix}-${n}@example.com`;
    await wiring.store.commitEvent({
      eventId: `seed-${options.prefix}-${n}`,
      customer: { ...template.customer, id, email },
      expectedVersion: undefined,
      claimEmail: email,
      enrollments: [
        {
          enrollment: { ...template.run, runId: `run_${options.prefix}${n}`, dueAt: options.dueAt },
          expectedVersion: undefined,
        },
      ],
      timeline: [],
    });
  }
  return { seconds: (performance.now() - started) / 1000 };
}
