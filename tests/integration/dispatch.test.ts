import { resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbClients } from '../../functions/adapters/aws-clients.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { assess } from '../../functions/domain/intelligence/assess.js';
import { emptyOrder, withOrderPlaced } from '../../functions/domain/orders.js';
import type { DispatchDependencies } from '../../functions/domain/services/dispatch/dependencies.js';
import { retryDelayMs } from '../../functions/domain/services/dispatch/retry-policy.js';
import { dispatchDueRuns } from '../../functions/domain/services/dispatch/tick.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import type { CustomerStore } from '../../functions/ports/customer-store.js';
import type { Mailer } from '../../functions/ports/mailer.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { customerWithDueWelcome, dueRunDispatch } from '../helpers/due-runs.js';
import { engines, freshStore, freshTable, uniqueEmail } from '../helpers/engines.js';
import { emailsTo, header } from '../helpers/inbox.js';

const config = testConfig();
const LEASE_MS = 120_000;
let store: DynamoDbCustomerStore;
let mailer: SesV2Mailer;

beforeAll(async () => {
  const { ses } = engines();
  await seedTemplates(ses, readTemplateFiles(resolve('templates')), config.templatePrefix);
  mailer = new SesV2Mailer({ client: ses, from: config.sender.from, configurationSetName: 'test' });
});

// A table per test: runs left waiting by one test must not fall due in another.
beforeEach(async () => {
  ({ store } = await freshStore(4));
});

/** A stand-in for a process that dies: nothing catches it, like a Lambda timing out mid-flight. */
class SimulatedCrash extends Error {}

function clockAt(time: Date) {
  return { now: () => time };
}

function dependencies(overrides: Partial<DispatchDependencies> & { now: Date }): DispatchDependencies {
  return dueRunDispatch({ store, mailer, clock: clockAt(overrides.now), config, owner: 'dispatcher-a' }, overrides);
}

/** A store that dies at a chosen point of the dispatch, a given number of times. */
function crashingStore(point: 'after-claim' | 'after-send', times: number): CustomerStore {
  let left = times;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (left > 0 && point === 'after-claim' && property === 'load') {
          left--;
          throw new SimulatedCrash('crash after claim');
        }
        if (left > 0 && point === 'after-send' && property === 'saveRunProgress') {
          left--;
          throw new SimulatedCrash('crash after SES accepted the email');
        }
        return value.apply(target, args);
      };
    },
  }) as CustomerStore;
}

const WRITE_COMMANDS = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/;

/** One write request to DynamoDB (Local): the keys it wrote, and what it cost the due index. */
interface RecordedWrite {
  readonly items: string[];
  readonly index: number;
}

/**
 * Puts the tests' store on a client that records every write request and asks DynamoDB (Local) what each
 * cost the due index, on a table of its own.
 */
async function recordingStore(): Promise<RecordedWrite[]> {
  const { document } = dynamoDbClients({
    endpoint: engines().dynamoDbEndpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  const writes: RecordedWrite[] = [];
  document.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: unknown };
      const consumed = [output.ConsumedCapacity ?? []].flat() as {
        GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
      }[];
      const transact = (input.TransactItems ?? []) as Record<
        string,
        { Item?: { sk?: string }; Key?: { sk?: string } }
      >[];
      const items = (transact.length > 0 ? transact.map((item) => Object.values(item)[0]) : [input]).map((item) =>
        String((item as { Item?: { sk?: string } }).Item?.sk ?? (item as { Key?: { sk?: string } }).Key?.sk ?? ''),
      );
      const index = consumed.reduce((sum, entry) => sum + (entry.GlobalSecondaryIndexes?.due?.CapacityUnits ?? 0), 0);
      if (WRITE_COMMANDS.test(context.commandName ?? '')) writes.push({ items, index });
      return result;
    },
    { step: 'initialize', name: 'consumedCapacity' },
  );
  const tableName = await freshTable();
  store = new DynamoDbCustomerStore({ client: document, tableName, dueShards: 4 });
  return writes;
}

describe('the dispatcher against DynamoDB Local and the local SES', () => {
  it('sends a due welcome email with the template, the unsubscribe headers and tags, then waits', async () => {
    const now = new Date('2026-08-01T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_d1', now.toISOString());
    const summary = await dispatchDueRuns(dependencies({ now }));
    expect(summary).toMatchObject({ sent: 1, waiting: 1, failed: 0 });
    const [received] = await emailsTo(engines().sesEndpoint, email);
    expect(received?.subject).toBe('Welcome to Test Shop, Ada');
    expect(received?.body.text).toContain('Test Shop, 1 Test Road, Testville 12345');
    expect(header(received!, 'List-Unsubscribe')).toBe('<http://127.0.0.1:3000/unsubscribe?token=cus_d1.sig>');
    expect(header(received!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const run = (await store.load('cus_d1'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ status: 'active', stepId: 'welcome-2', dueAt: '2026-08-03T09:00:00.000Z' });
    const timeline = await store.timeline('cus_d1');
    expect(timeline.find((entry) => entry.kind === 'email_sent')).toMatchObject({
      journeyId: 'welcome-series',
      stepId: 'welcome-1',
      template: 'welcome-1',
    });
  });

  it("bills the due index only where a run's place in it changes: not for the sent email's record", async () => {
    const writes = await recordingStore();
    const now = new Date('2026-08-01T09:00:00.000Z');
    // Due a minute ago, as a tick finds a run: the step after the send is due at once, a minute later.
    await customerWithDueWelcome(store, config, 'cus_units', new Date(now.getTime() - 60_000).toISOString());
    writes.length = 0;
    expect(await dispatchDueRuns(dependencies({ now }))).toMatchObject({ sent: 1, waiting: 1 });

    // The outcome (not the reservation, whose profile comes with the run's fence): the run, on to the wait at
    // once under the lease, and the email_sent entry.
    const outcome = writes.filter(
      (write) =>
        write.items.some((sk) => sk.startsWith('JOURNEY#')) &&
        write.items.some((sk) => sk.startsWith('TIMELINE#')) &&
        !write.items.includes('PROFILE'),
    );
    expect(outcome).toHaveLength(1);
    expect(outcome[0]?.index).toBe(0);
    // The wait moves the run to its due time two days on: that one is the index's to know.
    const run = (await store.load('cus_units'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ stepId: 'welcome-2', dueAt: '2026-08-03T09:00:00.000Z' });
    expect(await store.dueRuns(new Date('2026-08-03T09:00:00.000Z'), 10)).toEqual([
      { kind: 'journey', customerId: 'cus_units', journeyId: 'welcome-series', dueAt: '2026-08-03T09:00:00.000Z' },
    ]);
  });

  it("ends the run in the outcome's write when the email is the journey's last: no write after it", async () => {
    const writes = await recordingStore();
    const now = new Date('2026-08-01T09:00:00.000Z');
    const dueAt = new Date(now.getTime() - 60_000).toISOString();
    await customerWithDueWelcome(store, config, 'cus_last', dueAt);
    // The run at the welcome series' last email, as it stands after the two waits.
    const stored = await store.load('cus_last');
    const current = stored?.enrollments.get('welcome-series');
    await store.commitEvent({
      eventId: 'evt-cus_last-at-welcome-3',
      customer: stored!.customer,
      expectedVersion: stored!.version,
      enrollments: [
        { enrollment: aRun('welcome-series', dueAt, { stepId: 'welcome-3' }), expectedVersion: current?.version },
      ],
      timeline: [],
    });
    writes.length = 0;
    expect(await dispatchDueRuns(dependencies({ now }))).toMatchObject({ sent: 1, completed: 1, waiting: 0 });

    // The claim, the reservation (with the profile), then one write of the run: sent and completed together.
    const runWrites = writes.filter((write) => write.items.includes('JOURNEY#welcome-series'));
    expect(runWrites.map((write) => write.items.filter((sk) => !sk.startsWith('TIMELINE#')))).toEqual([
      ['JOURNEY#welcome-series'],
      expect.arrayContaining(['PROFILE', 'JOURNEY#welcome-series']),
      ['JOURNEY#welcome-series'],
    ]);
    expect(runWrites[2]?.items.filter((sk) => sk.startsWith('TIMELINE#'))).toHaveLength(2);
    const run = (await store.load('cus_last'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ status: 'completed', lastSend: { stepId: 'welcome-3' } });
    // Out of the due index: only the reassessment timer the first marketing email set is left there.
    const due = await store.dueRuns(new Date('2027-08-01T09:00:00.000Z'), 10);
    expect(due.filter((item) => item.kind === 'journey')).toEqual([]);
    const timeline = (await store.timeline('cus_last')).filter((entry) => entry.journeyId === 'welcome-series');
    expect(timeline.map((entry) => entry.kind)).toEqual(['email_reserved', 'email_sent', 'journey_completed']);
  });

  it('writes the reassessment timer with the first marketing email only where the email moves it', async () => {
    const writes = await recordingStore();
    const now = new Date('2026-08-01T09:00:00.000Z');
    const dueAt = new Date(now.getTime() - 60_000).toISOString();
    // A subscriber active at signup, whose engagement window (and next check) ends before the first email's
    // would; and one with no activity yet, whose next check the first email sets.
    await customerWithDueWelcome(store, config, 'cus_active', dueAt, { lastActivityAt: dueAt });
    await customerWithDueWelcome(store, config, 'cus_new', dueAt);
    const stored = await store.load('cus_active');
    const signupCheck = assess(stored!.customer, undefined, new Date(dueAt), config).nextChangeAt;
    expect(signupCheck).toBeDefined();
    // The check the signup set, as the customer function writes it with every change.
    await store.commitEvent({
      eventId: 'evt-cus_active-check',
      customer: stored!.customer,
      expectedVersion: stored!.version,
      enrollments: [],
      timeline: [],
      reassessAt: signupCheck,
    });
    writes.length = 0;
    expect(await dispatchDueRuns(dependencies({ now }))).toMatchObject({ sent: 2 });

    const reservations = writes.filter((write) => write.items.includes('PROFILE'));
    expect(reservations).toHaveLength(2);
    expect(reservations.filter((write) => write.items.some((sk) => sk.startsWith('TIMER#')))).toHaveLength(1);
    const windowEnd = assess((await store.load('cus_new'))!.customer, undefined, now, config).nextChangeAt;
    const due = await store.dueRuns(new Date('2027-08-01T09:00:00.000Z'), 10);
    expect(due.filter((item) => item.kind === 'reassess')).toEqual(
      expect.arrayContaining([
        { kind: 'reassess', customerId: 'cus_active', dueAt: signupCheck },
        { kind: 'reassess', customerId: 'cus_new', dueAt: windowEnd },
      ]),
    );
    expect(due.filter((item) => item.kind === 'reassess')).toHaveLength(2);
  });

  it('suppresses marketing to a customer without consent, and records why', async () => {
    const now = new Date('2026-08-02T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_d2', now.toISOString(), {
      consent: { email: 'unsubscribed' },
    });
    const summary = await dispatchDueRuns(dependencies({ now }));
    expect(summary.suppressed).toBeGreaterThanOrEqual(1);
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(0);
    expect((await store.timeline('cus_d2')).find((entry) => entry.kind === 'email_suppressed')).toMatchObject({
      reason: 'unsubscribed',
      stepId: 'welcome-1',
    });
  });

  it('two dispatchers on one backlog send every email exactly once', async () => {
    const now = new Date('2026-08-05T09:00:00.000Z');
    const emails = await Promise.all(
      Array.from({ length: 24 }, (_, i) => customerWithDueWelcome(store, config, `cus_pair${i}`, now.toISOString())),
    );
    const [a, b] = await Promise.all([
      dispatchDueRuns(dependencies({ now, owner: 'a' }), { batchSize: 5, concurrency: 4 }),
      dispatchDueRuns(dependencies({ now, owner: 'b' }), { batchSize: 5, concurrency: 4 }),
    ]);
    expect(a.sent + b.sent).toBe(24);
    for (const email of emails) expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(1);
  });

  it("names a send whose data fails its template's contract a ValidationError, with the field, never its value", async () => {
    const now = new Date('2026-08-10T09:00:00.000Z');
    await customerWithDueWelcome(store, config, 'cus_invalid1', now.toISOString());
    const wellFormed = dependencies({ now }).links;
    const links: DispatchDependencies['links'] = (id) => ({ ...wellFormed(id), unsubscribeUrl: 'javascript:void(0)' });
    const failure = await dispatchDueRuns(dependencies({ now, links })).then(
      () => undefined,
      (error: unknown) => error,
    );
    // What the dispatcher's log shows of the failed tick: the error's name and message.
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('the first: ValidationError at unsubscribeUrl');
    expect((failure as Error).message).not.toContain('$ZodError');
    expect((failure as Error).message).not.toContain('javascript');
  });

  it('a crash after the claim and before SES loses nothing and sends once', async () => {
    const now = new Date('2026-08-10T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_crash1', now.toISOString());
    await expect(dispatchDueRuns(dependencies({ now, store: crashingStore('after-claim', 1) }))).rejects.toMatchObject({
      cause: expect.any(SimulatedCrash),
    });
    // Nobody else may take it while the lease holds …
    expect((await dispatchDueRuns(dependencies({ now: new Date(now.getTime() + 1_000), owner: 'b' }))).sent).toBe(0);
    // … and after it expires the next dispatcher sends it.
    const later = new Date(now.getTime() + LEASE_MS + 1_000);
    expect((await dispatchDueRuns(dependencies({ now: later, owner: 'c' }))).sent).toBeGreaterThanOrEqual(1);
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(1);
  });

  it('a crash after SES accepted the email sends it at most once more, then never again', async () => {
    const now = new Date('2026-08-15T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_crash2', now.toISOString());
    const crashing = crashingStore('after-send', 2);
    const crash = { cause: expect.any(SimulatedCrash) };
    await expect(dispatchDueRuns(dependencies({ now, store: crashing }))).rejects.toMatchObject(crash);
    const second = new Date(now.getTime() + LEASE_MS + 1_000);
    await expect(dispatchDueRuns(dependencies({ now: second, store: crashing, owner: 'b' }))).rejects.toMatchObject(
      crash,
    );
    const third = new Date(second.getTime() + LEASE_MS + 1_000);
    await dispatchDueRuns(dependencies({ now: third, owner: 'c' }));
    // Worst case, documented: one duplicate. The third claim records the step instead of sending again.
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(2);
    const skipped = (await store.timeline('cus_crash2')).find((entry) => entry.kind === 'email_skipped');
    expect(skipped).toMatchObject({ stepId: 'welcome-1', reason: 'delivery_uncertain' });
    expect((await store.load('cus_crash2'))?.enrollments.get('welcome-series')?.enrollment.stepId).toBe('welcome-2');
  });

  it('an SES error gives the step back, due again after a back-off, and it is sent once SES recovers', async () => {
    const now = new Date('2026-08-20T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_ses_down', now.toISOString());
    const failing: Mailer = {
      send: async () => {
        // As the SDK throws it: SES answered 429, so the email was not accepted.
        const error = Object.assign(new Error('Maximum sending rate exceeded.'), {
          $metadata: { httpStatusCode: 429 },
        });
        error.name = 'TooManyRequestsException';
        throw error;
      },
    };
    const failed = await dispatchDueRuns(dependencies({ now, mailer: failing }));
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    const run = (await store.load('cus_ses_down'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({
      stepId: 'welcome-1',
      failures: 1,
      dueAt: new Date(now.getTime() + retryDelayMs(1)).toISOString(),
    });
    expect((await store.timeline('cus_ses_down')).at(-1)).toMatchObject({
      kind: 'email_failed',
      reason: 'TooManyRequestsException',
    });
    // Not before the back-off …
    await dispatchDueRuns(dependencies({ now: new Date(now.getTime() + 1_000) }));
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(0);
    // … then it goes out, as a first attempt (the failed one could not have sent anything).
    await dispatchDueRuns(dependencies({ now: new Date(now.getTime() + retryDelayMs(1)) }));
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(1);
  });

  it('a send call that timed out may have sent: it counts as an attempt, so it is sent at most twice', async () => {
    const now = new Date('2026-08-22T09:00:00.000Z');
    const email = await customerWithDueWelcome(store, config, 'cus_timeout', now.toISOString());
    const real = dependencies({ now }).mailer;
    // SES accepts the email, and the answer is lost on the way back (a socket timeout: no status).
    const acceptedThenTimedOut: Mailer = {
      send: async (outgoing) => {
        await real.send(outgoing);
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      },
    };
    let at = now;
    for (let i = 0; i < 4; i++) {
      await dispatchDueRuns(dependencies({ now: at, mailer: acceptedThenTimedOut }));
      at = new Date(at.getTime() + 3_600_000);
    }
    expect(await emailsTo(engines().sesEndpoint, email)).toHaveLength(2);
    const skipped = (await store.timeline('cus_timeout')).find((entry) => entry.kind === 'email_skipped');
    expect(skipped).toMatchObject({ stepId: 'welcome-1', reason: 'delivery_uncertain' });
  });

  it('stops claiming when told to, leaving the rest for the next tick', async () => {
    const now = new Date('2026-08-25T09:00:00.000Z');
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => customerWithDueWelcome(store, config, `cus_deadline${i}`, now.toISOString())),
    );
    let budget = 2;
    const first = await dispatchDueRuns(dependencies({ now }), { concurrency: 1, shouldContinue: () => budget-- > 0 });
    expect(first.claimed).toBeLessThan(6);
    const rest = await dispatchDueRuns(dependencies({ now, owner: 'next-tick' }));
    expect(first.claimed + rest.claimed).toBe(6);
  });

  it('shows the order lines as the catalogue has them: title, page, image and price, read through the store', async () => {
    const now = new Date('2026-08-01T09:00:00.000Z');
    const email = uniqueEmail('cus_cards');
    const order = withOrderPlaced(
      emptyOrder('generic', 'o-cards'),
      {
        id: 'o-cards',
        number: '#2001',
        placedAt: '2026-08-01T06:00:00.000Z',
        total: { amount: 5000, currency: 'USD' },
        lineItems: [
          { productId: 'mug', name: 'mug (from the order)', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } },
          { productId: 'unknown', name: 'Loose tea', quantity: 1, unitPrice: { amount: 2000, currency: 'USD' } },
        ],
      },
      '2026-08-01T06:00:00.000Z',
    );
    await store.upsertProduct('generic', {
      id: 'mug',
      title: 'Stoneware Mug, Slate',
      url: 'https://shop.example.com/products/mug',
      imageUrl: 'https://cdn.example.com/mug.jpg',
      price: { amount: 1500, currency: 'USD' },
      compareAtPrice: { amount: 1900, currency: 'USD' },
      availability: 'in_stock',
      updatedAt: '2026-07-01T00:00:00.000Z',
    });
    const customer = aCustomer('cus_cards', email, {
      stage: 'first_time_customer',
      metrics: { orderCount: 1, revenue: { amount: 5000, currency: 'USD' }, lastOrderAt: order.placedAt },
    });
    await store.commitEvent({
      eventId: 'evt-cards',
      customer,
      expectedVersion: undefined,
      claimEmail: email,
      orders: [order],
      enrollments: [
        {
          enrollment: aRun('post-purchase', now.toISOString(), {
            stepId: 'thank-you-first',
            context: { orderKey: order.key },
          }),
          expectedVersion: undefined,
        },
      ],
      timeline: [],
    });
    expect(await dispatchDueRuns(dependencies({ now }))).toMatchObject({ sent: 1, failed: 0 });
    const [received] = await emailsTo(engines().sesEndpoint, email);
    const html = received?.body.html ?? '';
    expect(html).toContain('<a class="title" href="https://shop.example.com/products/mug">Stoneware Mug, Slate</a>');
    expect(html).toContain('<img src="https://cdn.example.com/mug.jpg" alt="Stoneware Mug, Slate"');
    expect(html).toContain('<s class="was">$19.00</s> $15.00');
    // A product the catalogue does not know: the order's name and price, and the store's home page.
    expect(html).toContain('<a class="title" href="https://shop.example.com/">Loose tea</a>');
    expect(received?.body.text).toContain(
      '- Stoneware Mug, Slate (qty 2): $15.00 (was $19.00)\n  https://shop.example.com/products/mug',
    );
    expect(received?.body.text).toContain('- Loose tea (qty 1): $20.00\n  https://shop.example.com/');
  });
});
