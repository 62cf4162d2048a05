import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJourney } from '../../functions/domain/journeys/definition.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { engines, uniqueEmail } from '../helpers/engines.js';
import { storyExperiment } from '../helpers/experiments.js';
import { postGeneric, signupBody } from '../helpers/generic-webhook.js';
import { type ReceivedEmail, readInbox } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * An experiment on a send step, end to end through the local runtime: signups in, the test share sent its
 * variants through the local SES, opens reported for one variant as SES reports them, the clock moved past
 * `decideAfter`, and the rest sent the winner.
 */
let stack: LocalStack;

const journey = defineJourney({
  id: 'ab-welcome',
  name: 'A/B welcome',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' },
  goal: { event: 'order.placed', within: 'P7D' },
  steps: [
    {
      id: 'hello',
      type: 'send',
      template: 'welcome-1',
      category: 'marketing',
      experiment: storyExperiment({ holdRest: true }),
    },
  ],
});

beforeAll(async () => {
  stack = await startTestStack(
    'experiments',
    testConfig({
      frequencyCap: [{ max: 20, per: 'PT1H' }],
      journeys: { welcomeSeries: { enabled: false }, reengagement: { enabled: false } },
      customJourneys: [journey],
    }),
  );
});

afterAll(async () => {
  await stack?.stop();
});

async function profile(email: string) {
  const response = await fetch(`${stack.urls.api}/_local/customers/${encodeURIComponent(email)}`);
  return (await response.json()) as { customer: Record<string, any>; timeline: Record<string, any>[] };
}

const subjectOf = { control: 'Welcome to Test Shop, Ada', story: 'Ada, here is what makes Test Shop different' };

describe('an experiment on a send step', () => {
  it('sends the test share its variants, counts opens per variant, decides after decideAfter and sends the rest the winner', async () => {
    const emails = Array.from({ length: 40 }, (_, i) => uniqueEmail(`ab${i}`));
    for (const email of emails) {
      const response = await postGeneric(stack.urls.api, signupBody(email, { firstName: 'Ada' }));
      expect(response.status).toBe(200);
    }
    await stack.settle();
    const { sesEndpoint } = engines();
    const subjects = (inbox: readonly ReceivedEmail[], email: string) =>
      inbox.filter((m) => m.destination.to.some((to) => to.includes(email))).map((m) => m.subject);
    let inbox = await readInbox(sesEndpoint);

    // The test share got its variant at once, tagged and on the timeline; the rest wait for the decision.
    const sent = new Map<string, string>();
    const held: string[] = [];
    for (const email of emails) {
      const { timeline } = await profile(email);
      const entry = timeline.find((e) => e.kind === 'email_sent' && e.journeyId === 'ab-welcome');
      if (entry) {
        sent.set(email, entry.variant);
        expect(entry.template).toBe(entry.variant === 'story' ? 'welcome-2' : 'welcome-1');
        expect(subjects(inbox, email)).toEqual([subjectOf[entry.variant as 'control' | 'story']]);
      } else {
        expect(timeline).toContainEqual(
          expect.objectContaining({ kind: 'email_deferred', reason: 'experiment_pending', stepId: 'hello' }),
        );
        held.push(email);
      }
    }
    const story = [...sent].filter(([, variant]) => variant === 'story').map(([email]) => email);
    const control = [...sent].filter(([, variant]) => variant === 'control').map(([email]) => email);
    expect(story.length).toBeGreaterThanOrEqual(2);
    expect(control.length).toBeGreaterThanOrEqual(2);
    expect(held.length).toBeGreaterThan(0);

    // Everyone who got the story opened it; nobody opened the control.
    for (const email of story) expect((await fetchReport(email, 'open')).status).toBe(202);
    const rows = await stack.store.journeyStats(['ab-welcome']);
    const row = (variantId: string) => rows.find((r) => r.stepId === 'hello' && r.variantId === variantId)?.counters;
    expect(row('story')).toMatchObject({ sent: story.length, opened: story.length });
    expect(row('control')).toMatchObject({ sent: control.length });
    expect(row('control')?.opened ?? 0).toBe(0);
    expect(rows.find((r) => r.stepId === 'hello' && r.variantId === undefined)?.counters.sent).toBe(sent.size);
    expect(await stack.store.experiment('ab-welcome', 'hello')).toEqual({ startedAt: expect.any(String) });

    // An order within the goal's window after a story email is that variant's conversion too.
    const buyer = story[0] as string;
    const ordered = await postGeneric(stack.urls.api, {
      id: `ab-order-${buyer}`,
      type: 'order.placed',
      occurredAt: stack.clock.now().toISOString(),
      data: {
        customer: { email: buyer },
        order: {
          id: `ab-${buyer}`,
          placedAt: stack.clock.now().toISOString(),
          total: { amount: 1500, currency: 'USD' },
          lineItems: [{ productId: 'mug', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
        },
      },
    });
    expect(ordered.status).toBe(200);
    await stack.settle();
    const converted = (await stack.store.journeyStats(['ab-welcome'])).find(
      (r) => r.stepId === 'hello' && r.variantId === 'story',
    );
    expect(converted?.counters).toMatchObject({ converted: 1, revenue: 1500 });

    await stack.advanceClock({ advance: 'PT5H' });

    const state = await stack.store.experiment('ab-welcome', 'hello');
    expect(state.decision).toMatchObject({
      journeyId: 'ab-welcome',
      stepId: 'hello',
      metric: 'opens',
      outcome: { winner: 'story', reason: 'significant' },
    });
    inbox = await readInbox(sesEndpoint);
    for (const email of held) {
      expect(subjects(inbox, email)).toEqual([subjectOf.story]);
      const { timeline } = await profile(email);
      expect(timeline).toContainEqual(
        expect.objectContaining({ kind: 'email_sent', variant: 'story', template: 'welcome-2' }),
      );
    }
    // Those in the test keep the variant they had: one email each.
    for (const email of control) expect(subjects(inbox, email)).toHaveLength(1);
  }, 240_000);
});

async function fetchReport(email: string, kind: string) {
  return fetch(`${stack.urls.api}/_local/ses-events`, { method: 'POST', body: JSON.stringify({ email, kind }) });
}

describe('a subject variant', () => {
  it("reaches SES as experimentSubject, which the stored template's subject prints; the control gets the template's own", async () => {
    // The application's welcome-1, its subject made ready for subject tests, under a prefix of its own in SES.
    const directory = mkdtempSync(join(tmpdir(), 'experiment-templates-'));
    let subjects: LocalStack | undefined;
    try {
      cpSync(resolve('templates/welcome-1'), join(directory, 'welcome-1'), { recursive: true });
      writeFileSync(
        join(directory, 'welcome-1', 'subject.txt'),
        '{{#if experimentSubject}}{{experimentSubject}}{{else}}Welcome to {{storeName}}{{/if}}\n',
      );
      subjects = await startTestStack(
        'experiment-subjects',
        testConfig({
          templatePrefix: `xs${Date.now().toString(36)}-`,
          journeys: { welcomeSeries: { enabled: false }, reengagement: { enabled: false } },
          customJourneys: [
            defineJourney({
              id: 'subject-test',
              name: 'Subject test',
              trigger: { event: 'customer.signed_up' },
              reentry: { policy: 'once' },
              steps: [
                {
                  id: 'hello',
                  type: 'send',
                  template: 'welcome-1',
                  category: 'marketing',
                  experiment: {
                    variants: [{ id: 'control' }, { id: 'short', subject: 'Ten minutes to your first order' }],
                    testShare: 1,
                    decideAfter: 'P1D',
                    metric: 'clicks',
                  },
                },
              ],
            }),
          ],
        }),
        { templatesDirectory: directory },
      );
      const running = subjects;
      const emails = Array.from({ length: 12 }, (_, i) => uniqueEmail(`subject${i}`));
      for (const email of emails) {
        expect((await postGeneric(running.urls.api, signupBody(email))).status).toBe(200);
      }
      await running.settle();
      const inbox = await readInbox(engines().sesEndpoint);
      const seen = new Set<string>();
      for (const email of emails) {
        const response = await fetch(`${running.urls.api}/_local/customers/${encodeURIComponent(email)}`);
        const { timeline } = (await response.json()) as { timeline: Record<string, any>[] };
        const sent = timeline.find((e) => e.kind === 'email_sent');
        expect(sent).toMatchObject({ template: 'welcome-1', variant: expect.stringMatching(/^(control|short)$/) });
        seen.add(sent?.variant);
        const received = inbox.filter((m) => m.destination.to.some((to) => to.includes(email))).map((m) => m.subject);
        expect(received).toEqual([
          sent?.variant === 'short' ? 'Ten minutes to your first order' : 'Welcome to Test Shop',
        ]);
      }
      expect(seen).toEqual(new Set(['control', 'short']));
      // A plain split: no decision is ever taken.
      await running.advanceClock({ advance: 'P2D' });
      expect((await running.store.experiment('subject-test', 'hello')).decision).toBeUndefined();
    } finally {
      await subjects?.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 240_000);
});
