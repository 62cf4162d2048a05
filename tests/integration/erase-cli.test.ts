import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import {
  type RecordCustomerEventDependencies,
  recordCustomerEvent,
} from '../../functions/domain/services/record-customer-event.js';
import { customerChanges } from '../../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { testConfig } from '../helpers/config.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';
import { orderPlaced, signedUp } from '../helpers/events.js';
import { lifecycleCli, runSync } from '../helpers/processes.js';

/**
 * `lifecycle erase` as an operator runs it: a child process with Node and tsx, against the DynamoDB Local
 * of the test run, either as the local runtime's table (DYNAMODB_PORT) or as a named table (--table, with
 * the SDK's endpoint variable standing in for AWS).
 */

const config = testConfig();
let store: DynamoDbCustomerStore;
let tableName: string;
let localStore: DynamoDbCustomerStore;

beforeAll(async () => {
  ({ store, tableName } = await freshStore(config.dispatcher.dueShards));
  // The table `npm start` uses, for the default (local runtime) mode; unique addresses keep tests apart.
  await ensureTable(engines().dynamodb.client, 'lifecycle-local');
  localStore = new DynamoDbCustomerStore({
    client: engines().dynamodb.document,
    tableName: 'lifecycle-local',
    dueShards: config.dispatcher.dueShards,
  });
});

function dependencies(on: DynamoDbCustomerStore): RecordCustomerEventDependencies {
  return {
    ...customerChanges({
      store: on,
      clock: { now: () => new Date('2026-06-01T00:00:00Z') },
      config,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
    }),
    hashEmail,
  };
}

/** A subscriber with an order: journey runs (welcome series, post-purchase…), an order, a timeline. */
async function aCustomerWithAnOrder(
  on: DynamoDbCustomerStore,
  name: string,
  facts: Parameters<typeof signedUp>[2] = {},
): Promise<{ email: string; id: string }> {
  const email = uniqueEmail(name);
  const signup = await recordCustomerEvent(dependencies(on), signedUp(email, undefined, facts));
  await recordCustomerEvent(dependencies(on), orderPlaced(`${name}-1`, 4200, { email }));
  return { email, id: (signup as { customerId: string }).customerId };
}

function lifecycle(args: string[], options: { input?: string; local?: boolean } = {}) {
  const endpoint = engines().dynamoDbEndpoint;
  const env = options.local
    ? { DYNAMODB_PORT: new URL(endpoint).port }
    : {
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      };
  return runSync(...lifecycleCli(args), { env, input: options.input ?? '' });
}

describe('lifecycle erase', { timeout: 120_000 }, () => {
  it('shows what is held, and erases nothing unless the operator says yes', async () => {
    const { email, id } = await aCustomerWithAnOrder(store, 'declined');
    const declined = lifecycle(['erase', email, '--table', tableName], { input: 'no\n' });
    expect(declined.status).toBe(1);
    expect(declined.stderr).toContain(`${email} is customer ${id} in table ${tableName}: `);
    expect(declined.stderr).toMatch(
      /: \d+ journey runs, 1 orders \(kept without the person\), \d+ timeline entries, 0 aliases\./,
    );
    expect(declined.stderr).toContain('This cannot be undone.');
    expect(declined.stderr).toContain('lifecycle: nothing erased (not confirmed; pass --yes to skip the question)');
    expect(declined.stdout).toBe('');
    expect(await store.findCustomerId(email)).toBe(id);
    // No terminal and no answer is a no as well.
    expect(lifecycle(['erase', email, '--table', tableName]).status).toBe(1);
    expect(await store.findCustomerId(email)).toBe(id);
  });

  it('erases the person from the local runtime by default, as a customer.erased event does, and says what went', async () => {
    const { email, id } = await aCustomerWithAnOrder(localStore, 'local');
    const before = await localStore.load(id);
    const orderKey = [...(before?.orders.keys() ?? [])][0] as string;
    const erased = lifecycle(['erase', email], { input: 'yes\n', local: true });
    expect(erased.status, erased.stderr).toBe(0);
    expect(erased.stdout).toContain(`Erased ${email} (customer ${id}) from the local runtime:`);
    expect(erased.stdout).toMatch(/journey runs deleted +\d+ \(.*post-purchase.*welcome-series\)/);
    expect(erased.stdout).toMatch(/orders kept +1, without any link to the person/);
    expect(erased.stdout).toMatch(/timeline entries +\d+ deleted/);
    expect(erased.stdout).toContain(`suppressed              sha256 ${hashEmail(email)}, reason erased`);

    expect(await localStore.findCustomerId(email)).toBeUndefined();
    expect(await localStore.load(id)).toBeUndefined();
    expect(await localStore.findSuppression(hashEmail(email))).toMatchObject({ reason: 'erased' });
    // The order stays for the store's figures, with nothing left that names the person.
    const pointer = await localStore.findOrder(orderKey);
    expect(JSON.stringify(pointer)).not.toContain(email);
    expect(JSON.stringify(pointer)).not.toContain(id);
  });

  it('a birthday is the person data like the rest: exported with it, erased with it', async () => {
    const { email, id } = await aCustomerWithAnOrder(store, 'birthday', { birthday: '1990-03-14' });
    const exported = lifecycle(['export', email, '--table', tableName]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ customer: { email, birthday: '1990-03-14' } });
    const erased = lifecycle(['erase', email, '--table', tableName, '--yes']);
    expect(erased.status, erased.stderr).toBe(0);
    expect(await store.load(id)).toBeUndefined();
    expect(await store.findCustomerId(email)).toBeUndefined();
  });

  it('finds the person whatever the case of the address typed', async () => {
    const { email, id } = await aCustomerWithAnOrder(store, 'shouted');
    const erased = lifecycle(['erase', email.toUpperCase(), '--table', tableName, '--yes']);
    expect(erased.status, erased.stderr).toBe(0);
    expect(erased.stdout).toContain(`Erased ${email} (customer ${id}) from table ${tableName}:`);
    expect(await store.findCustomerId(email)).toBeUndefined();
  });

  it('with --yes asks nothing, records an address nobody held as erased, and is idempotent', async () => {
    const email = uniqueEmail('stranger');
    const first = lifecycle(['erase', email, '--table', tableName, '--yes']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(
      `Nothing was held on ${email} in table ${tableName}; the address is recorded as erased.`,
    );
    expect(await store.findSuppression(hashEmail(email))).toMatchObject({ reason: 'erased' });
    const again = lifecycle(['erase', email, '--table', tableName, '--yes']);
    expect(again.status, again.stderr).toBe(0);
  });

  it('refuses what is not one email address', () => {
    const result = lifecycle(['erase', 'not-an-address', '--table', tableName, '--yes']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('lifecycle: "not-an-address" is not an email address');
    expect(lifecycle(['erase', '--yes']).stderr).toContain('give one EMAIL to erase');
  });
});
