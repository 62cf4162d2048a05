import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { keys, TABLE_DESIGN } from '../../functions/adapters/dynamodb/table-design.js';
import { campaignJourneyId, defineCampaign } from '../../functions/domain/campaigns/campaign.js';
import type { Customer } from '../../functions/domain/customer.js';
import { scheduleCampaign, startDueCampaigns } from '../../functions/domain/services/campaigns.js';
import { computeStoreModel } from '../../functions/domain/services/refresh-store-model.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer } from '../helpers/customers.js';
import { engines, freshTable } from '../helpers/engines.js';

/**
 * A campaign's audience read through the sparse audience index on DynamoDB Local: what enrollment reads of
 * the table, counted at the client (every item a Scan, a Query of the index or a BatchGetItem returned).
 */
const NOW = new Date('2026-06-01T09:00:00.000Z');
const clock = { now: () => new Date(NOW) };

interface Reads {
  scans: number;
  /** Keys returned by queries of the audience index. */
  indexKeys: number;
  /** Profile items returned, by a scan or a batch read. */
  profiles: number;
}

/** The engines' client, counting what the store's reads return. */
function meteredClient(reads: Reads): DynamoDBDocumentClient {
  const client = engines().dynamodb.document;
  const profiles = (items: readonly Record<string, unknown>[] | undefined) =>
    (items ?? []).filter((item) => item.entity === 'customer').length;
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const output = (await client.send(command as never)) as Record<string, unknown>;
      const name = command.constructor.name;
      if (name === 'ScanCommand') {
        reads.scans++;
        reads.profiles += profiles(output.Items as Record<string, unknown>[]);
      } else if (name === 'QueryCommand' && command.input.IndexName === TABLE_DESIGN.audienceIndex.name) {
        reads.indexKeys += (output.Items as unknown[] | undefined)?.length ?? 0;
      } else if (name === 'BatchGetCommand') {
        const responses = (output.Responses ?? {}) as Record<string, Record<string, unknown>[]>;
        for (const items of Object.values(responses)) reads.profiles += profiles(items);
      }
      return output;
    },
  } as unknown as DynamoDBDocumentClient;
}

const config = testConfig({
  campaigns: [
    {
      id: 'subscribers-only',
      template: 'welcome-1',
      audience: { where: { stage: 'subscriber' } },
      topic: 'newsletter',
      send: { at: 'now' },
    },
  ],
});
const campaign = defineCampaign(config.campaigns[0] as never);

async function storeWith(customers: readonly Customer[]) {
  const reads: Reads = { scans: 0, indexKeys: 0, profiles: 0 };
  const tableName = await freshTable();
  const store = new DynamoDbCustomerStore({ client: meteredClient(reads), tableName, dueShards: 4 });
  for (const customer of customers) {
    const result = await store.commitEvent({
      eventId: `evt-${customer.id}`,
      customer,
      expectedVersion: undefined,
      claimEmail: customer.email,
      enrollments: [],
      timeline: [],
    });
    expect(result).toBe('committed');
  }
  return { store, reads, tableName };
}

const subscriber = (id: string) => aCustomer(id, `${id}@example.com`);
const prospect = (id: string) =>
  aCustomer(id, `${id}@example.com`, { stage: 'prospect', consent: { email: 'none' } } as Partial<Customer>);

async function enrolledIds(store: DynamoDbCustomerStore, ids: readonly string[]): Promise<string[]> {
  const enrolled: string[] = [];
  for (const id of ids) {
    if ((await store.load(id))?.enrollments.has(campaignJourneyId(campaign.id))) enrolled.push(id);
  }
  return enrolled;
}

async function enroll(store: DynamoDbCustomerStore) {
  await scheduleCampaign(store, campaign, { now: NOW, user: 'marketer' });
  await startDueCampaigns({ clock, config, loadModel: async () => undefined, campaignStore: store });
}

describe("a campaign's audience from the audience index", { timeout: 120_000 }, () => {
  it('a campaign for one stage reads only that stage of the index and its profiles, never the whole table', async () => {
    const subscribers = ['cus_sub1', 'cus_sub2'];
    const prospects = Array.from({ length: 10 }, (_, n) => `cus_pro${n}`);
    const { store, reads } = await storeWith([...subscribers.map(subscriber), ...prospects.map(prospect)]);
    await store.markAudienceIndexReady();

    await enroll(store);

    expect(await enrolledIds(store, [...subscribers, ...prospects])).toEqual(subscribers);
    expect(reads).toEqual({ scans: 0, indexKeys: 2, profiles: 2 });
  });

  it('profiles written before the index: the model job stamps them, the next pass opens the index', async () => {
    const { store, reads, tableName } = await storeWith([prospect('cus_new')]);
    // As a table deployed before the index holds it: the profile without its index key.
    const old = subscriber('cus_old');
    await engines().dynamodb.document.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: keys.customer(old.id), sk: keys.profile, entity: 'customer', customer: old, version: 1 },
      }),
    );
    const job = { store, clock, config, loadModel: async () => undefined, random: () => 0.5 };

    await computeStoreModel(job);
    // Something was missing in this pass: the index is not read yet, enrollment keeps the scan.
    expect(await store.audienceIndexReady()).toBe(false);
    const stamped: string[] = [];
    let resumeAfter: string | undefined;
    do {
      const page = await store.readAudience(['subscriber'], 0, 1, resumeAfter);
      stamped.push(...page.customers.map(({ customer }) => customer.id));
      resumeAfter = page.resumeAfter;
    } while (resumeAfter !== undefined);
    expect(stamped).toEqual(['cus_old']);
    await computeStoreModel(job);
    expect(await store.audienceIndexReady()).toBe(true);

    reads.scans = 0;
    await enroll(store);
    expect(await enrolledIds(store, ['cus_old', 'cus_new'])).toEqual(['cus_old']);
    expect(reads.scans).toBe(0);
  });

  it('until the index is open, enrollment reads the audience with the scan, and misses nobody', async () => {
    const { store, reads } = await storeWith([subscriber('cus_s'), prospect('cus_p')]);
    await enroll(store);
    expect(await enrolledIds(store, ['cus_s', 'cus_p'])).toEqual(['cus_s']);
    expect(reads.scans).toBeGreaterThan(0);
    expect(reads.indexKeys).toBe(0);
  });
});
