import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../functions/adapters/config-file.js';
import { ensureTable } from '../../functions/adapters/dynamodb/create-table.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { engines } from '../helpers/engines.js';
import { lifecycleCli, runSync } from '../helpers/processes.js';

/**
 * `lifecycle offers import` as a store runs it, against the local runtime's table in the DynamoDB Local of
 * the test run, with the repository's lifecycle.config.ts (whose repeat-purchase incentive has the offer
 * `comeback`). The pool must be a configured offer, so the tests share it and look at what each adds.
 */

let store: DynamoDbCustomerStore;
let dir: string;

beforeAll(async () => {
  const config = await loadConfigFile();
  await ensureTable(engines().dynamodb.client, 'lifecycle-local');
  store = new DynamoDbCustomerStore({
    client: engines().dynamodb.document,
    tableName: 'lifecycle-local',
    dueShards: config.dispatcher.dueShards,
  });
  dir = mkdtempSync(join(tmpdir(), 'offers-cli-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lifecycle(args: string[]) {
  return runSync(...lifecycleCli(args), { env: { DYNAMODB_PORT: new URL(engines().dynamoDbEndpoint).port } });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('lifecycle offers import', { timeout: 120_000 }, () => {
  it('adds the codes of a CSV or a plain list once each, and says what it skipped', async () => {
    const before = await store.availablePoolCodes('comeback');
    const csv = file('codes.csv', 'batch,code\n1,CLI-AAA-001\n1,"CLI-AAA-002"\n2,CLI-AAA-001\n');
    const first = lifecycle(['offers', 'import', csv, '--offer', 'comeback']);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('Imported 2 codes into the pool of comeback');
    expect(first.stdout).toContain('1 repeated in the file, counted once');
    const again = lifecycle([
      'offers',
      'import',
      file('codes.txt', 'CLI-AAA-002\nCLI-AAA-003\n\n'),
      '--offer',
      'comeback',
    ]);
    expect(again.stdout).toContain('Imported 1 codes into the pool of comeback');
    expect(again.stdout).toContain('1 skipped: the pool held them before');
    expect(await store.availablePoolCodes('comeback')).toBe(before + 3);
    expect(lifecycle(['offers', 'count', '--offer', 'comeback']).stdout).toContain(`${before + 3} codes of comeback`);
  });

  it('refuses a file with a line that is no code, naming the line and not echoing it, and imports nothing', async () => {
    const before = await store.availablePoolCodes('comeback');
    const bad = file('bad.txt', 'CLI-BBB-001\n<script>alert(1)</script>\nCLI-BBB-002\n');
    const refused = lifecycle(['offers', 'import', bad, '--offer', 'comeback']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('line 2: not a code');
    expect(refused.stderr).not.toContain('script');
    expect(await store.availablePoolCodes('comeback')).toBe(before);
  });

  it('refuses an offer no send step has, naming the ones there are', () => {
    const refused = lifecycle(['offers', 'import', file('ok.txt', 'CLI-CCC-001\n'), '--offer', 'summer']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      "no send step's offer is named summer in lifecycle.config.ts (the offers are comeback)",
    );
  });
});
