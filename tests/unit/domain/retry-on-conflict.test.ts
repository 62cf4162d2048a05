import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { ConcurrentUpdateError } from '../../../functions/domain/errors.js';
import { changeEmailConsent } from '../../../functions/domain/services/change-consent.js';
import { recordCustomerEvent } from '../../../functions/domain/services/record-customer-event.js';
import { CHANGE_ATTEMPTS, retryOnConflict } from '../../../functions/domain/services/retry-on-conflict.js';
import { customerChanges } from '../../../functions/handlers/wiring.js';
import type { EventCommit } from '../../../functions/ports/customer-store.js';
import { testConfig } from '../../helpers/config.js';
import { signedUp } from '../../helpers/events.js';

const config = testConfig();

/** An emulated table on which another writer wins the next `losses` commits of a customer. */
class ContestedStore extends EmulatedTableCustomerStore {
  commits = 0;
  constructor(public losses: number) {
    super({ dueShards: config.dispatcher.dueShards });
  }
  override async commitEvent(commit: EventCommit) {
    this.commits++;
    if (this.losses > 0) {
      this.losses--;
      return 'conflict' as const;
    }
    return super.commitEvent(commit);
  }
}

function dependencies(store: EmulatedTableCustomerStore) {
  let ids = 0;
  return {
    ...customerChanges({
      store,
      clock: { now: () => new Date('2026-06-01T12:00:00Z') },
      config,
      newId: (prefix) => `${prefix}_${++ids}`,
      publisher: { publish: async () => undefined },
      loadModel: async () => undefined,
    }),
    hashEmail: (email: string) => `hash:${email}`,
  };
}

describe('retrying a change that lost to another writer', () => {
  it('tries again until the change is written, and answers what the change answered', async () => {
    const answers: ('conflict' | 'done')[] = ['conflict', 'conflict', 'done'];
    let calls = 0;
    expect(await retryOnConflict('a test', async () => answers[calls++] ?? 'done')).toBe('done');
    expect(calls).toBe(3);
  });

  it(`gives up after ${CHANGE_ATTEMPTS} attempts with a ConcurrentUpdateError naming the change, or the fallback`, async () => {
    let calls = 0;
    const always = async () => {
      calls++;
      return 'conflict' as const;
    };
    await expect(retryOnConflict('a test change', always)).rejects.toThrow(new ConcurrentUpdateError('a test change'));
    expect(calls).toBe(CHANGE_ATTEMPTS);
    expect(await retryOnConflict('a test change', always, () => 'settled')).toBe('settled');
    expect(calls).toBe(2 * CHANGE_ATTEMPTS);
  });

  it('a signup contested a few times is recorded once; one contested every time goes back to the bus', async () => {
    const contested = new ContestedStore(3);
    const outcome = await recordCustomerEvent(dependencies(contested), signedUp('ada@example.com'));
    expect(outcome).toMatchObject({ outcome: 'recorded' });
    expect(contested.commits).toBe(4);
    expect(await contested.findCustomerId('ada@example.com')).toBeDefined();

    const hopeless = new ContestedStore(Number.POSITIVE_INFINITY);
    await expect(recordCustomerEvent(dependencies(hopeless), signedUp('bo@example.com'))).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    expect(hopeless.commits).toBe(CHANGE_ATTEMPTS);
    expect(await hopeless.findCustomerId('bo@example.com')).toBeUndefined();
  });

  it('a one-click unsubscribe contested twice is made on the third attempt, from a fresh read', async () => {
    const store = new ContestedStore(0);
    const deps = dependencies(store);
    await recordCustomerEvent(deps, signedUp('cy@example.com'));
    const customerId = (await store.findCustomerId('cy@example.com')) as string;
    store.losses = 2;
    const changed = await changeEmailConsent(deps, customerId, 'unsubscribed', 'one-click');
    expect(changed).toMatchObject({ outcome: 'changed', customer: { consent: { email: 'unsubscribed' } } });
    expect((await store.load(customerId))?.customer).toEqual('customer' in changed ? changed.customer : undefined);
  });
});
