import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_STEP_ID, campaignJourneyId, defineCampaign } from '../../functions/domain/campaigns/campaign.js';
import type { EnrollmentPage } from '../../functions/domain/campaigns/campaign-state.js';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { assignmentKey, assignVariant } from '../../functions/domain/experiments.js';
import { instantAt, localDatePlus } from '../../functions/domain/schedule/local-time.js';
import {
  cancelCampaign,
  enrollmentSegments,
  enrollPage,
  scheduleCampaign,
  startDueCampaigns,
} from '../../functions/domain/services/campaigns.js';
import { campaignFigures } from '../../functions/domain/services/store-report.js';
import { stableHash } from '../../functions/domain/stable-hash.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { uniqueEmail } from '../helpers/engines.js';
import { storyExperiment } from '../helpers/experiments.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo, header, type ReceivedEmail, readInbox } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * Campaigns end to end through the local runtime: customers signed up by webhook, a campaign scheduled as
 * `lifecycle campaigns schedule` does, the simulated clock moved forward, and the emails that reach the
 * local SES, the timelines and the journey counters checked.
 */
let stack: LocalStack;
let config: LifecycleConfig;
let counter = 0;
const tag = Math.random().toString(36).slice(2, 8);
const segment = `fans-${tag}`;
const testers = `testers-${tag}`;
const rightAway = `right-away-${tag}`;
const paged = `paged-${tag}`;
const indexed = `indexed-${tag}`;

/** A date some days ahead of the stack's clock, in UTC: `YYYY-MM-DD`. */
function dayAhead(days: number): string {
  const { year, month, day } = localDatePlus(new Date(), 'UTC', days);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
const firstDay = dayAhead(3);
const secondDay = dayAhead(6);

beforeAll(async () => {
  config = testConfig({
    frequencyCap: [{ max: 20, per: 'PT1H' }],
    journeys: { welcomeSeries: { enabled: false }, reengagement: { enabled: false } },
    segments: [
      { id: segment, condition: { fact: 'locale', op: 'eq', value: `fr-${tag}` } },
      { id: testers, condition: { fact: 'locale', op: 'eq', value: `de-${tag}` } },
      { id: rightAway, condition: { fact: 'locale', op: 'eq', value: `es-${tag}` } },
      { id: paged, condition: { fact: 'locale', op: 'eq', value: `it-${tag}` } },
      { id: indexed, condition: { all: [{ stage: 'subscriber' }, { fact: 'locale', op: 'eq', value: `pt-${tag}` }] } },
    ],
    campaigns: [
      {
        id: 'local-hour',
        template: 'welcome-1',
        audience: { segment },
        topic: 'newsletter',
        send: { localHour: 10, on: firstDay },
        seedList: ['seed@example.com'],
      },
      {
        id: 'cancelled-midway',
        template: 'welcome-2',
        audience: { segment },
        topic: 'newsletter',
        send: { localHour: 10, on: secondDay },
      },
      {
        id: 'right-away',
        template: 'welcome-1',
        audience: { segment: rightAway },
        topic: 'newsletter',
        send: { at: 'now' },
      },
      ...['paged', 'paged-cancelled', 'paged-together'].map((id) => ({
        id,
        template: 'welcome-1',
        audience: { segment: paged },
        topic: 'newsletter',
        send: { at: 'now' as const },
      })),
      {
        id: 'from-the-index',
        template: 'welcome-1',
        audience: { segment: indexed },
        topic: 'newsletter',
        send: { at: 'now' },
      },
      {
        id: 'ab-story',
        template: 'welcome-1',
        audience: { segment: testers },
        topic: 'newsletter',
        send: { at: 'now' },
        experiment: storyExperiment({ decideAfter: 'PT2H' }),
      },
    ],
  });
  stack = await startTestStack('campaigns', config);
});

afterAll(async () => {
  await stack?.stop();
});

const now = () => stack.clock.now();
const campaign = (id: string) => defineCampaign(config.campaigns.find((c) => c.id === id) as never);

async function signup(email: string, timezone: string, locale: string, consent = 'subscribed') {
  const response = await postGeneric(stack.urls.api, {
    id: `c-${++counter}`,
    type: 'customer.signed_up',
    occurredAt: now().toISOString(),
    data: { customer: { email, firstName: 'Ada', timezone, locale, consent: { email: consent } } },
  });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  await stack.settle();
  return (await stack.store.findCustomerId(email)) as string;
}

async function timeline(customerId: string, journeyId: string) {
  return (await stack.store.timeline(customerId)).filter((entry) => entry.journeyId === journeyId);
}

async function totals(journeyId: string) {
  return (await stack.store.journeyStats([journeyId])).find((stats) => stats.stepId === undefined)?.counters ?? {};
}

/** What enrollment needs, on the stack's store and clock. */
const enrolling = () => ({
  store: stack.store,
  clock: stack.clock,
  config,
  loadModel: () => stack.store.loadModel(),
});

/** Whole minutes from `start` to `at` (the simulated clock runs on while an email is sent). */
const minutesAfter = (at: unknown, start: Date) => Math.floor((Date.parse(String(at)) - start.getTime()) / 60_000);

describe('a campaign at a local hour', { timeout: 180_000 }, () => {
  const paris = uniqueEmail('campaign-paris');
  const newYork = uniqueEmail('campaign-new-york');
  const noConsent = uniqueEmail('campaign-no-consent');
  const outside = uniqueEmail('campaign-outside');
  const ids: Record<string, string> = {};
  const journeyId = campaignJourneyId('local-hour');
  const atTen = (zone: string, day: string) => {
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    return instantAt({ year, month, day: date }, 600, zone);
  };

  beforeAll(async () => {
    ids.paris = await signup(paris, 'Europe/Paris', `fr-${tag}`);
    ids.newYork = await signup(newYork, 'America/New_York', `fr-${tag}`);
    ids.noConsent = await signup(noConsent, 'Europe/Paris', `fr-${tag}`, 'unsubscribed');
    ids.outside = await signup(outside, 'Europe/Paris', 'en');
    await scheduleCampaign(stack.store, campaign('local-hour'), { now: now(), user: 'tester' });
  });

  it('reaches each recipient at 10:00 in their own time zone, and nobody outside the segment', async () => {
    await stack.advanceClock({ to: new Date(atTen('Europe/Paris', firstDay).getTime() + 60_000).toISOString() });
    expect(await emailsTo(stack.urls.inbox, paris)).toHaveLength(1);
    expect(await emailsTo(stack.urls.inbox, newYork)).toHaveLength(0);
    const sentToParis = (await timeline(ids.paris as string, journeyId)).find((e) => e.kind === 'email_sent');
    expect(minutesAfter(sentToParis?.at, atTen('Europe/Paris', firstDay))).toBe(0);

    await stack.advanceClock({ to: new Date(atTen('America/New_York', firstDay).getTime() + 60_000).toISOString() });
    expect(await emailsTo(stack.urls.inbox, newYork)).toHaveLength(1);
    const sentToNewYork = (await timeline(ids.newYork as string, journeyId)).find((e) => e.kind === 'email_sent');
    expect(minutesAfter(sentToNewYork?.at, atTen('America/New_York', firstDay))).toBe(0);
    expect(await emailsTo(stack.urls.inbox, outside)).toHaveLength(0);
    expect((await stack.store.load(ids.outside as string))?.enrollments.has(journeyId)).toBe(false);
  });

  it('drops a recipient who unsubscribed at the guardrails, with the reason on the timeline and in the counters', async () => {
    expect(await emailsTo(stack.urls.inbox, noConsent)).toHaveLength(0);
    const entries = await timeline(ids.noConsent as string, journeyId);
    expect(entries.map((entry) => [entry.kind, entry.reason])).toEqual([
      ['journey_entered', undefined],
      ['email_suppressed', 'unsubscribed'],
      ['journey_exited', 'suppressed:unsubscribed'],
    ]);
    expect(await totals(journeyId)).toMatchObject({ entered: 3, sent: 2, 'exited:suppressed:unsubscribed': 1 });
  });

  it('never sends twice when enrollment and the tick run again', async () => {
    // Every segment's first page delivered again once enrollment is over: nobody is enrolled again.
    const segments = enrollmentSegments(config);
    const again = await Promise.all(
      Array.from({ length: segments }, (_, n) =>
        enrollPage(
          { ...enrolling(), queue: { enqueueEnrollment: async () => undefined }, markMs: 120_000 },
          campaign('local-hour'),
          { campaignId: 'local-hour', segment: n, totalSegments: segments },
        ),
      ),
    );
    expect(again).toEqual(Array.from({ length: segments }, () => undefined));
    await stack.settle();
    await stack.advanceClock({ advance: 'P1D' });
    expect(await emailsTo(stack.urls.inbox, paris)).toHaveLength(1);
    expect(await emailsTo(stack.urls.inbox, newYork)).toHaveLength(1);
    expect(await totals(journeyId)).toMatchObject({ entered: 3, sent: 2 });
    expect((await stack.store.campaignStates(['local-hour'])).get('local-hour')).toMatchObject({
      status: 'sent',
      audience: { targeted: 3 },
    });
    // The report's Campaigns table shows the same.
    expect((await campaignFigures(stack.store, config)).find((row) => row.campaignId === 'local-hour')).toMatchObject({
      status: 'sent',
      targeted: 3,
      sent: 2,
      dropped: { 'suppressed:unsubscribed': 1 },
    });
  });

  it('cancelled mid-send: those already sent keep theirs, the rest exit campaign_cancelled, nothing after', async () => {
    const cancelledId = campaignJourneyId('cancelled-midway');
    await scheduleCampaign(stack.store, campaign('cancelled-midway'), { now: now(), user: 'tester' });
    await stack.advanceClock({ to: new Date(atTen('Europe/Paris', secondDay).getTime() + 60_000).toISOString() });
    const sentBefore = (await emailsTo(stack.urls.inbox, paris)).length;
    expect(sentBefore).toBe(2);
    const state = await cancelCampaign(stack.store, 'cancelled-midway', { now: now(), user: 'tester' });
    expect(state).toMatchObject({ status: 'cancelled', cancelledBy: 'tester' });

    await stack.advanceClock({ advance: 'P2D' });
    expect(await emailsTo(stack.urls.inbox, paris)).toHaveLength(2);
    expect(await emailsTo(stack.urls.inbox, newYork)).toHaveLength(1);
    expect((await timeline(ids.newYork as string, cancelledId)).map((entry) => [entry.kind, entry.reason])).toEqual([
      ['journey_entered', undefined],
      ['journey_exited', 'campaign_cancelled'],
    ]);
    // Paris's two went at 10:00 there (one sent, one suppressed), before the cancellation.
    expect(await totals(cancelledId)).toMatchObject({
      sent: 1,
      'exited:suppressed:unsubscribed': 1,
      'exited:campaign_cancelled': 1,
    });
    await expect(cancelCampaign(stack.store, 'local-hour', { now: now(), user: 'tester' })).rejects.toThrow(
      'only a scheduled or sending campaign can be cancelled',
    );
  });

  it('counts an unsubscribe within the conversion window against the campaign whose email came last', async () => {
    const [email] = (await emailsTo(stack.urls.inbox, paris)).slice(-1);
    const link = /<([^>]+)>/.exec(header(email as ReceivedEmail, 'List-Unsubscribe') ?? '')?.[1] as string;
    const answer = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(answer.status).toBe(200);
    await stack.settle();
    expect(await totals(campaignJourneyId('cancelled-midway'))).toMatchObject({ unsubscribed: 1 });
    expect((await totals(journeyId)).unsubscribed).toBeUndefined();
  });
});

describe('a campaign with an experiment', { timeout: 240_000 }, () => {
  const journeyId = campaignJourneyId('ab-story');
  const subjectOf = { control: 'Welcome to Test Shop, Ada', story: 'Ada, here is what makes Test Shop different' };
  type Group = 'control' | 'story' | 'rest';

  /** The group the documented rule puts a customer in: the stable hash of the customer, journey and step. */
  function groupOf(customerId: string): Group {
    const experiment = campaign('ab-story').experiment;
    if (experiment === undefined) throw new Error('the campaign ab-story has no experiment');
    const hash = stableHash(`${customerId}/${assignmentKey(journeyId, CAMPAIGN_STEP_ID)}`);
    const assignment = assignVariant(experiment, hash, undefined);
    return assignment.kind === 'test' ? (assignment.variant.id as Group) : 'rest';
  }

  it('sends the test share its two variants, holds the rest, and sends them the variant with the opens once decided', async () => {
    // An audience of at least 12, with at least 3 in each variant and 3 in the rest: customer ids are
    // random, so more are signed up until the hash has put enough in each group.
    const audience = new Map<string, Group>();
    const count = (group: Group) => [...audience.values()].filter((g) => g === group).length;
    while (audience.size < 12 || count('control') < 3 || count('story') < 3 || count('rest') < 3) {
      expect(audience.size).toBeLessThan(60);
      const email = uniqueEmail('campaign-ab');
      audience.set(email, groupOf(await signup(email, 'Europe/Paris', `de-${tag}`)));
    }
    const inGroup = (group: Group) => [...audience].filter(([, g]) => g === group).map(([email]) => email);
    const received = async () => {
      const inbox = await readInbox(stack.urls.inbox);
      return (email: string) =>
        inbox.filter((m) => m.destination.to.some((to) => to.includes(email))).map((m) => m.subject);
    };

    await scheduleCampaign(stack.store, campaign('ab-story'), { now: now(), user: 'tester' });
    // The dispatcher's tick (every second under `npm start`) starts it; the clock then runs its sends.
    await stack.settle();
    await stack.advanceClock({ advance: 'PT5M' });

    // The test share got its variant, and only it: the rest wait for the decision.
    let subjects = await received();
    for (const email of inGroup('control')) expect(subjects(email)).toEqual([subjectOf.control]);
    for (const email of inGroup('story')) expect(subjects(email)).toEqual([subjectOf.story]);
    for (const email of inGroup('rest')) {
      expect(subjects(email)).toEqual([]);
      const customerId = (await stack.store.findCustomerId(email)) as string;
      expect(await timeline(customerId, journeyId)).toContainEqual(
        expect.objectContaining({ kind: 'email_deferred', reason: 'experiment_pending' }),
      );
    }

    // Every recipient of the story opens it, as SES reports opens; nobody opens the control.
    for (const email of inGroup('story')) {
      const report = await fetch(`${stack.urls.api}/_local/ses-events`, {
        method: 'POST',
        body: JSON.stringify({ email, kind: 'open' }),
      });
      expect(report.status).toBe(202);
    }
    await stack.settle();

    // Before decideAfter the rest still wait.
    await stack.advanceClock({ advance: 'PT1H30M' });
    subjects = await received();
    for (const email of inGroup('rest')) expect(subjects(email)).toEqual([]);
    expect((await stack.store.experiment(journeyId, CAMPAIGN_STEP_ID)).decision).toBeUndefined();

    await stack.advanceClock({ advance: 'PT40M' });

    expect((await stack.store.experiment(journeyId, CAMPAIGN_STEP_ID)).decision).toMatchObject({
      journeyId,
      stepId: CAMPAIGN_STEP_ID,
      metric: 'opens',
      outcome: { winner: 'story', reason: 'significant' },
    });
    // The rest got the story once; those in the test kept the one email they had.
    subjects = await received();
    for (const email of inGroup('rest')) expect(subjects(email)).toEqual([subjectOf.story]);
    for (const email of inGroup('control')) expect(subjects(email)).toEqual([subjectOf.control]);
    for (const email of inGroup('story')) expect(subjects(email)).toEqual([subjectOf.story]);
    expect(await totals(journeyId)).toMatchObject({ entered: audience.size, sent: audience.size });
  });
});

describe('a campaign sent now', { timeout: 120_000 }, () => {
  it('starts when the local clock moves, with nothing else due', async () => {
    const email = uniqueEmail('campaign-right-away');
    await signup(email, 'Europe/Madrid', `es-${tag}`);
    // Late in the evening the quiet hours would hold it: schedule it at noon, then move the clock a minute.
    const noon = instantAt(localDatePlus(now(), 'Europe/Madrid', 1), 12 * 60, 'Europe/Madrid');
    await stack.advanceClock({ to: noon.toISOString() });
    await scheduleCampaign(stack.store, campaign('right-away'), { now: now(), user: 'tester' });
    await stack.advanceClock({ advance: 'PT1M' });
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(1);
    expect((await stack.store.campaignStates(['right-away'])).get('right-away')?.status).toBe('sending');
  });
});

describe("a campaign's enrollment, handed to the workers page by page", { timeout: 120_000 }, () => {
  const journeyId = campaignJourneyId('paged');
  const emails = Array.from({ length: 8 }, () => uniqueEmail('campaign-paged'));
  const ids: string[] = [];
  const markMs = 120_000;
  /** The due work queue, as the planner and the workers see it: the pages put on it, in order. */
  const queued: EnrollmentPage[] = [];
  const queue = { enqueueEnrollment: async (pages: readonly EnrollmentPage[]) => void queued.push(...pages) };
  /** The planner's pass, `laterMs` after the stack's clock (the stack's own dispatcher does not run meanwhile). */
  const planner = (laterMs = 0) =>
    startDueCampaigns({
      ...enrolling(),
      clock: { now: () => new Date(stack.clock.now().getTime() + laterMs) },
      campaignStore: stack.store,
      enrollment: { queue, markMs },
    });
  const worker = (page: EnrollmentPage) =>
    enrollPage({ ...enrolling(), queue, markMs }, campaign(page.campaignId), page);
  const state = async (id: string) => (await stack.store.campaignStates([id])).get(id);
  const runs = async () =>
    Promise.all(ids.map(async (id) => (await stack.store.load(id))?.enrollments.has(journeyId) ?? false));

  beforeAll(async () => {
    for (const email of emails) ids.push(await signup(email, 'Europe/Rome', `it-${tag}`));
  });

  it('the planner only puts the pages on the queue; a page delivered twice and a lost one enroll each recipient once', async () => {
    await scheduleCampaign(stack.store, campaign('paged'), { now: now(), user: 'tester' });
    queued.length = 0;
    await planner();
    const segments = enrollmentSegments(config);
    expect(queued.filter((page) => page.campaignId === 'paged')).toEqual(
      Array.from({ length: segments }, (_, segment) => ({ campaignId: 'paged', segment, totalSegments: segments })),
    );
    expect(await runs()).toEqual(ids.map(() => false));
    expect(await state('paged')).toMatchObject({ status: 'sending' });
    expect((await state('paged'))?.enrolledAt).toBeUndefined();

    // Every page but the first segment's is delivered twice at once; the first segment's is lost.
    const [lost, ...delivered] = queued.splice(0);
    await Promise.all(delivered.flatMap((page) => [worker(page), worker(page)]));
    while (queued.length > 0) await worker(queued.shift() as EnrollmentPage);
    expect(await state('paged')).toMatchObject({ status: 'sending' });
    expect((await state('paged'))?.enrolledAt).toBeUndefined();

    // Within its mark the planner leaves the lost page be; once the mark is over, it puts it on again.
    await planner();
    expect(queued).toEqual([]);
    await planner(markMs);
    expect(queued).toEqual([lost]);
    while (queued.length > 0) await worker(queued.shift() as EnrollmentPage);

    expect(await runs()).toEqual(ids.map(() => true));
    expect(await state('paged')).toMatchObject({ status: 'sending', audience: { targeted: ids.length } });
    expect((await state('paged'))?.enrollment).toBeUndefined();
    expect(await totals(journeyId)).toMatchObject({ entered: ids.length });
  });

  it("enrolls the pages of different segments at once without one refusing another's progress", async () => {
    await scheduleCampaign(stack.store, campaign('paged-together'), { now: now(), user: 'tester' });
    queued.length = 0;
    await planner();
    // Every segment's first page but one (so that none of them ends enrollment), all in workers at once,
    // each holding its write of the segment's progress until all of them have come to theirs.
    const [later, ...together] = queued.splice(0);
    const held: (() => void)[] = [];
    let refused = 0;
    const store = new Proxy(stack.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'writeCampaignState' && property !== 'writeSegmentProgress') return value;
        return async (...args: unknown[]) => {
          if (held.length < together.length) {
            await new Promise<void>((resolve) => {
              held.push(resolve);
              if (held.length === together.length) for (const release of held) release();
            });
          }
          const written = await value.apply(target, args);
          if (!written) refused++;
          return written;
        };
      },
    });
    await Promise.all(
      together.map((page) => enrollPage({ ...enrolling(), store, queue, markMs }, campaign('paged-together'), page)),
    );
    expect(refused).toBe(0);
    queued.push(later as EnrollmentPage);
    while (queued.length > 0) await worker(queued.shift() as EnrollmentPage);
    expect(await state('paged-together')).toMatchObject({ status: 'sending', audience: { targeted: ids.length } });
    expect(await totals(campaignJourneyId('paged-together'))).toMatchObject({ entered: ids.length });
  });

  it('stops enrolling once the campaign is cancelled', async () => {
    await scheduleCampaign(stack.store, campaign('paged-cancelled'), { now: now(), user: 'tester' });
    queued.length = 0;
    await planner();
    expect(queued.length).toBeGreaterThan(0);
    await cancelCampaign(stack.store, 'paged-cancelled', { now: now(), user: 'tester' });
    while (queued.length > 0) expect(await worker(queued.shift() as EnrollmentPage)).toBeUndefined();
    expect(await totals(campaignJourneyId('paged-cancelled'))).toEqual({});
  });
});

describe('a campaign whose audience is read through the audience index', { timeout: 120_000 }, () => {
  it("reaches its stage's recipients through the stack's planner and workers", async () => {
    const email = uniqueEmail('campaign-indexed');
    await signup(email, 'Europe/Lisbon', `pt-${tag}`);
    // As the model job does once a whole pass found every profile with its key.
    await stack.store.markAudienceIndexReady();
    const noon = instantAt(localDatePlus(now(), 'Europe/Lisbon', 1), 12 * 60, 'Europe/Lisbon');
    await stack.advanceClock({ to: noon.toISOString() });
    await scheduleCampaign(stack.store, campaign('from-the-index'), { now: now(), user: 'tester' });
    await stack.advanceClock({ advance: 'PT1M' });
    expect(await emailsTo(stack.urls.inbox, email)).toHaveLength(1);
    expect((await stack.store.campaignStates(['from-the-index'])).get('from-the-index')).toMatchObject({
      audienceIndex: true,
    });
  });
});
