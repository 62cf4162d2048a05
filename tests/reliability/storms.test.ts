import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import type { DispatchSummary } from '../../functions/domain/services/dispatch/summary.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { signupBody } from '../helpers/generic-webhook.js';
import { inboxByRecipient } from './support/inbox.js';
import { config, type Rig, seedLocalTemplates, startRig } from './support/rig.js';

/**
 * Storms of duplicate and concurrent work: a storefront delivering one webhook 50 times at once (50 events of
 * one id on the bus), EventBridge delivering each of them at once, and two dispatchers draining one backlog
 * of 500 sends.
 */

const T0 = '2026-10-01T09:00:00.000Z';
const rigs: Rig[] = [];

beforeAll(seedLocalTemplates);
afterAll(async () => {
  await Promise.all(rigs.map((rig) => rig.stop()));
});

async function newRig(): Promise<Rig> {
  const rig = await startRig();
  rigs.push(rig);
  rig.clock.set(T0);
  return rig;
}

describe('the same webhook 50 times at once', () => {
  it('is published 50 times under one event id; the 50 events, delivered at once, are recorded once; one email', async () => {
    const rig = await newRig();
    const email = `storm-webhook-${Date.now().toString(36)}@example.com`;
    const body = signupBody(email, { id: 'evt-storm-webhook', occurredAt: '2026-10-01T08:59:00Z' });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => rig.postWebhook(body, { deliveries: 20, lambdaTimeoutMs: 30_000 })),
    );
    expect(answers.map((a) => [a.status, a.answer.status])).toEqual(Array(50).fill([200, 'accepted']));
    const events = rig.bus.ofType('customer.signed_up');
    expect(events).toHaveLength(50);
    expect(new Set(events.map((event) => (event.envelope.detail as { id: string }).id))).toEqual(
      new Set(['generic:evt-storm-webhook']),
    );

    // Each of them delivered to the customer function, all at once.
    const outcomes = await Promise.all(
      events.map(async (accepted) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await invokeLocally('customer', rig.underTest.customer, accepted.envelope);
          } catch (error) {
            // Too many concurrent writers for one customer: the invocation fails and EventBridge retries it.
            if (attempt >= 10) throw error;
          }
        }
      }),
    );
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(49);
    await rig.drainBus();

    // Two dispatchers tick at once.
    await Promise.all([rig.tick(T0), rig.tick(T0)]);
    const id = (await rig.store.findCustomerId(email)) as string;
    const timeline = await rig.store.timeline(id);
    expect(timeline.filter((entry) => entry.kind === 'event_received')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.kind === 'journey_entered')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.kind === 'email_sent')).toHaveLength(1);
    expect((await inboxByRecipient()).get(email)?.map((e) => e.subject)).toEqual(['Welcome to Test Shop, Ada']);
  });
});

describe('two dispatchers on one backlog of 500 due sends', () => {
  const BACKLOG = 500;
  const SUMMED: readonly (keyof DispatchSummary)[] = [
    'claimed',
    'sent',
    'suppressed',
    'deferred',
    'dropped',
    'skipped',
    'failed',
    'templateMissing',
    'completed',
    'exited',
    'waiting',
    'reassessed',
    'published',
  ];

  async function backlog(rig: Rig, tag: string): Promise<string[]> {
    const emails = Array.from({ length: BACKLOG }, (_, i) => `backlog-${i}+${tag}@example.com`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < emails.length) {
          const i = next++;
          const email = emails[i] as string;
          const result = await rig.store.commitEvent({
            eventId: `seed-${i}`,
            customer: aCustomer(`cus_${tag}_${i}`, email, { createdAt: T0, updatedAt: T0 }),
            expectedVersion: undefined,
            claimEmail: email,
            enrollments: [
              { enrollment: aRun('welcome-series', T0, { runId: `run_${tag}_${i}` }), expectedVersion: undefined },
            ],
            timeline: [],
          });
          if (result !== 'committed') throw new Error(`seeding ${email}: ${result}`);
        }
      }),
    );
    return emails;
  }

  function totals(summaries: readonly DispatchSummary[]) {
    return Object.fromEntries(SUMMED.map((key) => [key, summaries.reduce((sum, s) => sum + (s[key] as number), 0)]));
  }

  it('send every email exactly once, and report what one dispatcher alone reports', async () => {
    // The calm run: one dispatcher drains the backlog.
    const calm = await newRig();
    await backlog(calm, 'calm');
    const alone = await calm.tick(T0, { calmly: true });
    if (!alone.ok) throw alone.error;
    expect(alone.summary).toMatchObject({ sent: BACKLOG, waiting: BACKLOG, failed: 0 });

    // The storm: two dispatchers (two Lambda invocations, two owners) start on the same backlog at once.
    const storm = await newRig();
    const emails = await backlog(storm, 'storm');
    const [a, b] = await Promise.all([storm.tick(T0, { calmly: true }), storm.tick(T0)]);
    if (!a.ok) throw a.error;
    if (!b.ok) throw b.error;
    expect(totals([a.summary, b.summary])).toEqual(totals([alone.summary]));
    // Both did a share of the work (they raced for the same items, and each lost some).
    expect(a.summary.sent).toBeGreaterThan(0);
    expect(b.summary.sent).toBeGreaterThan(0);

    const inbox = await inboxByRecipient();
    const counts = emails.map((email) => inbox.get(email)?.length ?? 0);
    expect(counts.filter((n) => n !== 1)).toEqual([]);

    // The handlers' metrics (counts) add up to the lone dispatcher's, and so do the journey counters.
    const stormCounts = mergeCounts(storm.calm.dispatcherMetrics.counts(), storm.underTest.dispatcherMetrics.counts());
    expect(stormCounts).toEqual(calm.calm.dispatcherMetrics.counts());
    const journeys = [...enabledJourneys(config).keys()];
    expect(await storm.store.journeyStats(journeys)).toEqual(await calm.store.journeyStats(journeys));
    expect((await storm.store.journeyStats(['welcome-series'])).find((s) => !s.stepId)?.counters).toMatchObject({
      sent: BACKLOG,
    });

    // Every run moved on once: waiting for welcome-2, its lease given back.
    const sample = await Promise.all(
      [0, 1, 99, 250, 499].map((i) =>
        storm.store.load(`cus_storm_${i}`).then((s) => s?.enrollments.get('welcome-series')),
      ),
    );
    for (const run of sample) expect(run?.enrollment).toMatchObject({ stepId: 'welcome-2', status: 'active' });
  });
});

function mergeCounts(...all: Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const counts of all) for (const [name, n] of Object.entries(counts)) merged[name] = (merged[name] ?? 0) + n;
  return Object.fromEntries(Object.entries(merged).sort(([x], [y]) => x.localeCompare(y)));
}
