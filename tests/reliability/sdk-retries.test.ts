import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import { FaultInjector, inputMentions } from '../helpers/faults.js';
import { signupBody } from '../helpers/generic-webhook.js';
import { emailCount } from './support/inbox.js';
import { type Rig, type RigOptions, seedLocalTemplates, startRig } from './support/rig.js';
import { customerSnapshot } from './support/snapshot.js';

/**
 * Faults per HTTP attempt (scope `attempt`), inside the SDK's own retry loop: what `maxAttempts` absorbs,
 * what it lets through, and why the dispatcher's SES client must not retry at all.
 */

const T0 = '2026-09-01T09:00:00.000Z';
const rigs: Rig[] = [];

beforeAll(seedLocalTemplates);
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.stop()));
});

async function rigWith(options: RigOptions & { scope?: 'call' | 'attempt' }) {
  const rig = await startRig({ injector: new FaultInjector({ scope: options.scope ?? 'attempt' }), ...options });
  rigs.push(rig);
  rig.clock.set(T0);
  return rig;
}

let counter = 0;
function newcomer(tag: string) {
  const email = `sdk-${tag}-${++counter}-${Date.now().toString(36)}@example.com`;
  return { email, body: signupBody(email, { id: `evt-${tag}-${counter}`, occurredAt: '2026-09-01T08:59:00Z' }) };
}

async function signUp(rig: Rig, body: unknown, calmly = false) {
  await rig.postWebhook(body, { calmly });
  await rig.drainBus({ calmly });
}

describe('faults per attempt, inside the SDK retry loop (maxAttempts 3)', () => {
  it('absorbs throttling and 5xx on fewer attempts than maxAttempts: the handlers never see them', async () => {
    const calm = await rigWith({ maxAttempts: 3 });
    const quiet = newcomer('calm');
    await signUp(calm, quiet.body, true);

    const rig = await rigWith({ maxAttempts: 3 });
    const { email, body } = newcomer('absorbed');
    rig.injector
      .arm({ service: 'dynamodb', operation: 'GetItem', kind: 'throttle', times: 2 })
      .arm({ service: 'eventbridge', operation: 'PutEvents', kind: 'server', status: 503, times: 2 })
      .arm({ service: 'dynamodb', operation: 'TransactWriteItems', kind: 'throttle', times: 2 })
      .arm({ service: 'dynamodb', operation: 'BatchGetItem', kind: 'timeout', times: 1 });
    // The deployed webhook function has 10 s: the SDK's back-off on two throttled attempts takes about a
    // second, which the rig's short default budget (kept short so that a hung call fails soon) would not allow.
    const delivery = await rig.postWebhook(body, { lambdaTimeoutMs: 10_000 });
    expect(delivery).toMatchObject({ status: 200, failures: 0 });
    expect(await rig.drainBus()).toEqual({ failed: 0 });
    expect(rig.injector.spent).toBe(true);

    const id = await rig.store.findCustomerId(email);
    const calmId = await calm.store.findCustomerId(quiet.email);
    expect(id).toBeDefined();
    const tokens = (mail: string) => ({ [mail]: 'EMAIL', [mail.split('@')[0] as string]: 'LOCAL' });
    expect(
      await customerSnapshot(rig.clean.dynamodb.document, rig.tableName, id as string, {
        tokens: { ...tokens(email), [`evt-absorbed-${counter}`]: 'EVENT' },
      }),
    ).toEqual(
      await customerSnapshot(calm.clean.dynamodb.document, calm.tableName, calmId as string, {
        tokens: { ...tokens(quiet.email), [`evt-calm-${counter - 1}`]: 'EVENT' },
      }),
    );
  });

  it('lets a fault through once it outlasts maxAttempts, and the redelivery completes the work', async () => {
    const rig = await rigWith({ maxAttempts: 3 });
    const { email, body } = newcomer('outlasted');
    await rig.postWebhook(body);
    rig.injector.arm({ service: 'dynamodb', operation: 'TransactWriteItems', kind: 'throttle', times: 3 });
    const first = await rig.bus.deliver({
      customer: (event) => invokeLocally('customer', rig.underTest.customer, event),
    });
    expect(first).toMatchObject({ delivered: 0, failed: 1, pending: 1 });
    expect(rig.injector.spent).toBe(true);
    expect(await rig.drainBus()).toEqual({ failed: 0 });
    expect(await rig.store.findCustomerId(email)).toBeDefined();
  });

  it('an SES time-out after the email was accepted: the SDK would resend it; the dispatcher client does not', async () => {
    // The SDK retries a TimeoutError and a 5xx on its own. SES may already have accepted the email, so each
    // of those retries can deliver another copy, unseen by the dispatcher's count of attempts.
    const plain = await rigWith({ maxAttempts: 3, sesClient: 'plain' });
    const sdkRetried = newcomer('sdk-retried');
    await signUp(plain, sdkRetried.body, true);
    plain.injector.arm({ service: 'ses', operation: 'SendEmail', kind: 'timeout', phase: 'after', times: 2 });
    const tick = await plain.tick(T0);
    expect(tick.ok).toBe(true);
    // One dispatcher attempt, three emails: beyond the documented bound of two.
    expect(await emailCount(sdkRetried.email)).toBe(3);

    // The dispatcher's client (functions/adapters/aws-clients.ts sesSendingClient) makes one attempt per
    // call, so the dispatcher sees each time-out and counts it: two emails at most, then the step is skipped.
    const rig = await rigWith({ maxAttempts: 3, sesClient: 'dispatcher' });
    const counted = newcomer('counted');
    await signUp(rig, counted.body, true);
    rig.injector.arm({ service: 'ses', operation: 'SendEmail', kind: 'timeout', phase: 'after', times: 2 });
    let at = new Date(T0).getTime();
    for (let i = 0; i < 6; i++, at += 5 * 60_000) expect((await rig.tick(new Date(at))).ok).toBe(true);
    expect(await emailCount(counted.email)).toBe(2);
    const id = (await rig.store.findCustomerId(counted.email)) as string;
    const kinds = (await rig.store.timeline(id)).map((entry) => [entry.kind, entry.reason ?? entry.retry ?? '']);
    expect(kinds).toContainEqual(['email_skipped', 'delivery_uncertain']);
    expect(kinds.filter(([kind]) => kind === 'email_failed')).toEqual([
      ['email_failed', 'TimeoutError'],
      ['email_failed', 'TimeoutError'],
    ]);
  });

  it('a DynamoDB write retried by the SDK after its answer was lost changes nothing twice', async () => {
    const rig = await rigWith({ maxAttempts: 3 });
    const { email, body } = newcomer('lost-answer');
    await rig.postWebhook(body);
    // The transaction commits, its answer is lost, the SDK sends it again: the receipt makes it a duplicate.
    rig.injector.arm({
      service: 'dynamodb',
      operation: 'TransactWriteItems',
      when: inputMentions('EVENT#generic:evt-lost-answer'),
      kind: 'timeout',
      phase: 'after',
    });
    expect(await rig.drainBus()).toEqual({ failed: 0 });
    expect(rig.injector.faults).toMatchObject([
      { operation: 'TransactWriteItems', fault: { kind: 'timeout', phase: 'after' } },
    ]);
    const id = (await rig.store.findCustomerId(email)) as string;
    const timeline = await rig.store.timeline(id);
    expect(timeline.filter((entry) => entry.kind === 'event_received')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.kind === 'journey_entered')).toHaveLength(1);
  });
});
