import { describe, expect, it } from 'vitest';
import type { ConditionSubject } from '../../../functions/domain/conditions.js';
import { defineJourney, type JourneyDefinitionInput } from '../../../functions/domain/journeys/definition.js';
import {
  activateScheduled,
  afterRun,
  type Enrollment,
  type JourneySignals,
  journeysForChange,
  nextAction,
} from '../../../functions/domain/journeys/enrollment.js';
import { aCustomer } from '../../helpers/customers.js';

const now = new Date('2026-05-01T10:00:01Z');
const customer = aCustomer('cus_1', 'ada@example.com');
const subject = (segments: string[] = [], facts: Record<string, unknown> = {}): ConditionSubject => ({
  facts: { orderCount: 0, ...facts } as ConditionSubject['facts'],
  segments,
  recentEvents: [],
  now,
});
const signal = (type: string, extra: Partial<JourneySignals> = {}): JourneySignals => ({
  event: { id: `evt-${type}`, type, context: { eventId: `evt-${type}` } },
  segmentsEntered: [],
  segmentsLeft: [],
  ...extra,
});
let runs = 0;
const context = (segments: string[] = []) => ({
  now,
  newRunId: () => `run_${++runs}`,
  subject: subject(segments),
  timeZone: 'UTC',
});

const journey = (overrides: Partial<JourneyDefinitionInput> = {}) =>
  defineJourney({
    id: 'test',
    name: 'Test',
    trigger: { event: 'customer.signed_up' },
    reentry: { policy: 'once' },
    exitOn: [{ event: 'order.placed' }],
    steps: [
      { id: 'first', type: 'send', template: 'welcome-1', category: 'marketing' },
      { id: 'pause', type: 'wait', duration: 'P2D' },
      { id: 'second', type: 'send', template: 'welcome-2', category: 'marketing' },
    ],
    ...overrides,
  });

const active = (overrides: Partial<Enrollment> = {}): Enrollment => ({
  journeyId: 'test',
  runId: 'run_0',
  status: 'active',
  stepId: 'first',
  dueAt: now.toISOString(),
  enteredAt: '2026-04-01T00:00:00Z',
  entries: 1,
  ...overrides,
});

describe('entering journeys', () => {
  it('a trigger event starts a run at the first step, due at once, for subscribers only', () => {
    const changes = journeysForChange([journey()], customer, new Map(), signal('customer.signed_up'), context());
    expect(changes.enrollments).toEqual([
      expect.objectContaining({
        journeyId: 'test',
        status: 'active',
        stepId: 'first',
        dueAt: now.toISOString(),
        entries: 1,
      }),
    ]);
    expect(changes.stats).toEqual([{ journeyId: 'test', entered: 1 }]);
    const none = journeysForChange(
      [journey()],
      { ...customer, consent: { email: 'none' } },
      new Map(),
      signal('customer.signed_up'),
      context(),
    );
    expect(none.enrollments).toEqual([]);
    const everyone = journeysForChange(
      [journey({ audience: 'everyone' })],
      { ...customer, consent: { email: 'none' } },
      new Map(),
      signal('customer.signed_up'),
      context(),
    );
    expect(everyone.enrollments).toHaveLength(1);
  });

  it('stage and segment entries trigger', () => {
    const byStage = journey({ trigger: { stageEntered: ['at_risk', 'lapsed'] } });
    expect(
      journeysForChange(
        [byStage],
        customer,
        new Map(),
        { stageEntered: 'at_risk', segmentsEntered: [], segmentsLeft: [] },
        context(),
      ).enrollments,
    ).toHaveLength(1);
    expect(
      journeysForChange(
        [byStage],
        customer,
        new Map(),
        { stageEntered: 'vip', segmentsEntered: [], segmentsLeft: [] },
        context(),
      ).enrollments,
    ).toHaveLength(0);
    const bySegment = journey({ trigger: { segmentEntered: 'unengaged' } });
    expect(
      journeysForChange(
        [bySegment],
        customer,
        new Map(),
        { segmentsEntered: ['unengaged'], segmentsLeft: [] },
        context(),
      ).enrollments,
    ).toHaveLength(1);
  });

  it('a trigger filter is evaluated on the customer after the change', () => {
    const filtered = journey({ trigger: { event: 'order.placed', where: { segment: 'vip' } }, exitOn: [] });
    expect(
      journeysForChange([filtered], customer, new Map(), signal('order.placed'), context(['vip'])).enrollments,
    ).toHaveLength(1);
    expect(
      journeysForChange([filtered], customer, new Map(), signal('order.placed'), context([])).enrollments,
    ).toHaveLength(0);
  });

  it('re-entry: once ever; after a cool-down; restart replaces an active run', () => {
    const done = new Map([['test', active({ status: 'completed', enteredAt: '2026-04-25T00:00:00Z' })]]);
    expect(journeysForChange([journey()], customer, done, signal('customer.signed_up'), context()).enrollments).toEqual(
      [],
    );
    const cooling = journey({ reentry: { policy: 'after', coolDown: 'P10D' } });
    expect(journeysForChange([cooling], customer, done, signal('customer.signed_up'), context()).enrollments).toEqual(
      [],
    );
    const cooled = new Map([['test', active({ status: 'completed', enteredAt: '2026-04-01T00:00:00Z' })]]);
    expect(journeysForChange([cooling], customer, cooled, signal('customer.signed_up'), context()).enrollments).toEqual(
      [expect.objectContaining({ entries: 2, status: 'active' })],
    );
    const restarting = journey({ reentry: { policy: 'restart' }, exitOn: [] });
    const running = new Map([['test', active({ stepId: 'second' })]]);
    const restarted = journeysForChange([restarting], customer, running, signal('customer.signed_up'), context())
      .enrollments[0];
    expect(restarted).toMatchObject({ stepId: 'first', entries: 2 });
    expect(restarted?.runId).not.toBe('run_0');
  });

  it('re-entry after a cool-down per product: the same product waits for it, another may start a run at once', () => {
    const browse = journey({
      trigger: { event: 'product.viewed' },
      reentry: { policy: 'after', coolDown: 'P30D', per: 'product' },
    });
    const viewed = (productId: string) =>
      signal('product.viewed', {
        event: { id: `evt-${productId}`, type: 'product.viewed', context: { eventId: `evt-${productId}`, productId } },
      });
    const first = journeysForChange([browse], customer, new Map(), viewed('mug'), context()).enrollments[0];
    expect(first).toMatchObject({ status: 'active', context: { productId: 'mug' } });
    const ended = new Map([['test', { ...first, status: 'completed' } as Enrollment]]);
    // While the run is active, no other view starts one.
    const running = new Map([['test', first as Enrollment]]);
    expect(journeysForChange([browse], customer, running, viewed('teapot'), context()).enrollments).toEqual([]);
    // The mug again within 30 days: nothing; a teapot: a run, and both products are kept cooling down.
    expect(journeysForChange([browse], customer, ended, viewed('mug'), context()).enrollments).toEqual([]);
    const second = journeysForChange([browse], customer, ended, viewed('teapot'), context()).enrollments[0];
    expect(second?.enteredFor?.map((entry) => entry.productId)).toEqual(['teapot', 'mug']);
    // 31 days later the mug may start a run again, and the cool-downs that ran out are forgotten.
    const later = { ...context(), now: new Date(now.getTime() + 31 * 86_400_000) };
    const third = journeysForChange(
      [browse],
      customer,
      new Map([['test', { ...second, status: 'completed' } as Enrollment]]),
      viewed('mug'),
      later,
    ).enrollments[0];
    expect(third).toMatchObject({ status: 'active', context: { productId: 'mug' }, entries: 3 });
    expect(third?.enteredFor).toEqual([{ productId: 'mug', at: later.now.toISOString() }]);
  });

  it('an exit event ends a run mid-wait, with its reason', () => {
    const waiting = new Map([['test', active({ stepId: 'second', dueAt: '2026-05-03T00:00:00Z' })]]);
    const changes = journeysForChange([journey()], customer, waiting, signal('order.placed'), context());
    expect(changes.enrollments).toEqual([
      expect.objectContaining({ status: 'exited', exitReason: 'event:order.placed', dueAt: undefined }),
    ]);
    expect(changes.timeline).toEqual([
      expect.objectContaining({ kind: 'journey_exited', reason: 'event:order.placed' }),
    ]);
  });

  it('leaving a segment exits a journey that says so', () => {
    const reengage = journey({ trigger: { segmentEntered: 'unengaged' }, exitOn: [{ segmentLeft: 'unengaged' }] });
    const running = new Map([['test', active({ stepId: 'second' })]]);
    const changes = journeysForChange(
      [reengage],
      customer,
      running,
      { segmentsEntered: ['engaged'], segmentsLeft: ['unengaged'] },
      context(),
    );
    expect(changes.enrollments[0]).toMatchObject({ status: 'exited', exitReason: 'left:unengaged' });
  });

  it('a run waiting for an event moves on when it comes', () => {
    const survey = journey({
      steps: [
        { id: 'ask', type: 'send', template: 'nps-survey', category: 'marketing' },
        {
          id: 'answer',
          type: 'waitForEvent',
          event: 'survey.answered',
          timeout: 'P14D',
          onEvent: 'thanks',
          onTimeout: 'end',
        },
        { id: 'thanks', type: 'send', template: 'referral-request', category: 'marketing' },
      ],
      exitOn: [],
    });
    // While waiting, the run points at the timeout target; what it awaits, and from where, is in `waiting`.
    const run = active({
      stepId: 'end',
      waiting: { event: 'survey.answered', stepId: 'thanks', from: 'answer' },
      dueAt: '2026-05-10T00:00:00Z',
    });
    const changes = journeysForChange(
      [survey],
      customer,
      new Map([['test', run]]),
      signal('survey.answered'),
      context(),
    );
    expect(changes.enrollments[0]).toMatchObject({ stepId: 'thanks', waiting: undefined, dueAt: now.toISOString() });
  });
});

describe('date triggers', () => {
  const incentive = journey({
    trigger: { after: { field: 'firstOrderAt', delay: 'P21D' }, where: { fact: 'orderCount', op: 'eq', value: 1 } },
    exitOn: [],
  });
  const buyer = { ...customer, metrics: { ...customer.metrics, orderCount: 1, firstOrderAt: '2026-04-30T00:00:00Z' } };

  it('are scheduled for the date, and rescheduled only when the field changes', () => {
    const changes = journeysForChange(
      [incentive],
      buyer,
      new Map(),
      { segmentsEntered: [], segmentsLeft: [] },
      context(),
    );
    expect(changes.enrollments).toEqual([
      expect.objectContaining({
        status: 'scheduled',
        dueAt: '2026-05-21T00:00:00.000Z',
        context: { fieldValue: '2026-04-30T00:00:00Z', occurrence: '2026-05-21T00:00:00.000Z' },
      }),
    ]);
    const scheduled = new Map([['test', changes.enrollments[0] as Enrollment]]);
    expect(
      journeysForChange([incentive], buyer, scheduled, { segmentsEntered: [], segmentsLeft: [] }, context())
        .enrollments,
    ).toEqual([]);
  });

  it('a date already past (imported history) starts nothing', () => {
    const old = { ...buyer, metrics: { ...buyer.metrics, firstOrderAt: '2025-01-01T00:00:00Z' } };
    expect(
      journeysForChange([incentive], old, new Map(), { segmentsEntered: [], segmentsLeft: [] }, context()).enrollments,
    ).toEqual([]);
  });

  it('start when due if the condition still holds, and are cancelled otherwise', () => {
    const scheduled = {
      ...active(),
      status: 'scheduled' as const,
      entries: 0,
      context: { fieldValue: '2026-04-30T00:00:00Z' },
    };
    const started = activateScheduled(incentive, scheduled, buyer, {
      now,
      subject: subject([], { orderCount: 1 }),
      timeZone: 'UTC',
    });
    expect(started).toMatchObject({ entered: true, enrollment: { status: 'active', entries: 1 } });
    const secondOrder = activateScheduled(incentive, scheduled, buyer, {
      now,
      subject: subject([], { orderCount: 2 }),
      timeZone: 'UTC',
    });
    expect(secondOrder).toMatchObject({
      entered: false,
      reason: 'condition_not_met',
      enrollment: { status: 'exited' },
    });
    const moved = activateScheduled(
      incentive,
      scheduled,
      { ...buyer, metrics: { ...buyer.metrics, firstOrderAt: '2026-04-29T00:00:00Z' } },
      { now, subject: subject([], { orderCount: 1 }), timeZone: 'UTC' },
    );
    expect(moved).toMatchObject({ entered: false, reason: 'trigger_moved' });
  });
});

describe('recurring date triggers', () => {
  const quiet = { segmentsEntered: [], segmentsLeft: [] };
  const anniversary = journey({
    trigger: { after: { field: 'signedUpAt', delay: 'P0D', every: 'P1Y' } },
    reentry: { policy: 'restart' },
    exitOn: [{ event: 'order.placed' }],
  });
  // Signed up at noon UTC on 29 February 2024: 07:00 that day in New York.
  const member = { ...customer, createdAt: '2024-02-29T12:00:00Z' };
  const zone = 'America/New_York';
  const at = (iso: string) => ({ ...context(), now: new Date(iso), timeZone: zone });
  const schedule = (c = member, current?: Enrollment, iso = now.toISOString()) =>
    journeysForChange([anniversary], c, current ? new Map([['test', current]]) : new Map(), quiet, at(iso))
      .enrollments[0];

  it('are scheduled for the next occurrence, in the customer time zone, 28 February in a common year', () => {
    expect(schedule()).toMatchObject({
      status: 'scheduled',
      dueAt: '2027-02-28T12:00:00.000Z',
      context: { fieldValue: '2024-02-29T12:00:00Z', occurrence: '2027-02-28T12:00:00.000Z' },
    });
  });

  it('once a run ends, the next occurrence is scheduled, each occurrence at most once', () => {
    const scheduled = schedule() as Enrollment;
    const due = { now: new Date('2027-02-28T12:00:00Z'), subject: subject(), timeZone: zone };
    const started = activateScheduled(anniversary, scheduled, member, due);
    expect(started).toMatchObject({ entered: true, enrollment: { status: 'active', entries: 1 } });
    const ended = afterRun(
      anniversary,
      member,
      { ...started.enrollment, status: 'completed', dueAt: undefined },
      { now: new Date('2027-02-28T12:05:00Z'), timeZone: zone },
    );
    expect(ended).toMatchObject({
      status: 'scheduled',
      dueAt: '2028-02-29T12:00:00.000Z',
      entries: 1,
      context: { occurrence: '2028-02-29T12:00:00.000Z' },
    });
    expect(ended.runId).not.toBe(scheduled.runId);
    // Any later change leaves the scheduled occurrence as it is.
    expect(schedule(member, ended, '2027-03-01T00:00:00Z')).toBeUndefined();
    // A finished run for an occurrence never brings that occurrence back, even read again on the day.
    const completed = { ...started.enrollment, status: 'completed' as const, dueAt: undefined };
    expect(schedule(member, completed, '2027-02-28T11:00:00Z')).toMatchObject({ dueAt: '2028-02-29T12:00:00.000Z' });
  });

  it('a run that exits, or cannot start this time, waits for the next occurrence', () => {
    const running = { ...active(), context: { fieldValue: member.createdAt, occurrence: '2026-02-28T12:00:00.000Z' } };
    const exited = journeysForChange(
      [anniversary],
      member,
      new Map([['test', running]]),
      signal('order.placed'),
      at(now.toISOString()),
    );
    expect(exited.enrollments[0]).toMatchObject({ status: 'scheduled', dueAt: '2027-02-28T12:00:00.000Z' });
    expect(exited.stats).toEqual([{ journeyId: 'test', exitReason: 'event:order.placed' }]);
    const scheduled = schedule() as Enrollment;
    const unsubscribed = { ...member, consent: { email: 'unsubscribed' as const } };
    const skipped = activateScheduled(anniversary, scheduled, unsubscribed, {
      now: new Date('2027-02-28T12:00:00Z'),
      subject: subject(),
      timeZone: zone,
    });
    expect(skipped).toMatchObject({
      entered: false,
      reason: 'no_consent',
      enrollment: { status: 'scheduled', dueAt: '2028-02-29T12:00:00.000Z' },
    });
  });

  it('a change of the date reschedules the next occurrence', () => {
    const scheduled = schedule() as Enrollment;
    const moved = schedule({ ...member, createdAt: '2024-06-10T12:00:00Z' }, scheduled);
    expect(moved).toMatchObject({
      status: 'scheduled',
      runId: scheduled.runId,
      dueAt: '2026-06-10T12:00:00.000Z',
      context: { fieldValue: '2024-06-10T12:00:00Z' },
    });
  });

  it('monthly from the 31st: the last day of shorter months, then the 31st again', () => {
    const monthly = journey({
      trigger: { after: { field: 'signedUpAt', delay: 'P0D', every: 'P1M' } },
      reentry: { policy: 'restart' },
    });
    const dues: string[] = [];
    let current: Enrollment | undefined;
    let clock = '2027-01-31T13:00:00Z';
    for (let i = 0; i < 3; i++) {
      current =
        current === undefined
          ? journeysForChange([monthly], { ...member, createdAt: '2027-01-31T12:00:00Z' }, new Map(), quiet, {
              ...at(clock),
              timeZone: 'UTC',
            }).enrollments[0]
          : afterRun(
              monthly,
              { ...member, createdAt: '2027-01-31T12:00:00Z' },
              { ...current, status: 'completed' },
              {
                now: new Date(clock),
                timeZone: 'UTC',
              },
            );
      dues.push(current?.dueAt ?? 'none');
      clock = current?.dueAt ?? clock;
    }
    expect(dues).toEqual(['2027-02-28T12:00:00.000Z', '2027-03-31T12:00:00.000Z', '2027-04-30T12:00:00.000Z']);
  });
});

describe('birthday date triggers', () => {
  const quiet = { segmentsEntered: [], segmentsLeft: [] };
  const birthday = journey({
    trigger: { after: { field: 'birthday', delay: 'P0D', every: 'P1Y' } },
    reentry: { policy: 'restart' },
    exitOn: [],
  });
  const schedule = (person: typeof customer, timeZone: string, current?: Enrollment) =>
    journeysForChange([birthday], person, current ? new Map([['test', current]]) : new Map(), quiet, {
      ...context(),
      timeZone,
    }).enrollments[0];

  it('count from the next occurrence of the day, at midnight in the customer time zone', () => {
    expect(schedule({ ...customer, birthday: '--03-14' }, 'Europe/Paris')).toMatchObject({
      status: 'scheduled',
      dueAt: '2027-03-13T23:00:00.000Z',
      context: { fieldValue: '--03-14' },
    });
    // Later this year when the day is still to come; the year of birth changes nothing.
    expect(schedule({ ...customer, birthday: '1990-05-08' }, 'America/New_York')).toMatchObject({
      dueAt: '2026-05-08T04:00:00.000Z',
    });
    // Born on 29 February: 28 February in common years, 29 in leap years.
    const leapling = { ...customer, birthday: '--02-29' };
    const first = schedule(leapling, 'UTC') as Enrollment;
    expect(first.dueAt).toBe('2027-02-28T00:00:00.000Z');
    const next = afterRun(
      birthday,
      leapling,
      { ...first, status: 'completed' },
      {
        now: new Date('2027-02-28T09:00:00Z'),
        timeZone: 'UTC',
      },
    );
    expect(next.dueAt).toBe('2028-02-29T00:00:00.000Z');
  });

  it('a new birthday moves the scheduled run; none without a birthday', () => {
    const scheduled = schedule({ ...customer, birthday: '--03-14' }, 'UTC') as Enrollment;
    expect(schedule({ ...customer, birthday: '--06-01' }, 'UTC', scheduled)).toMatchObject({
      runId: scheduled.runId,
      dueAt: '2026-06-01T00:00:00.000Z',
    });
    expect(schedule(customer, 'UTC')).toBeUndefined();
  });

  it('without every, the next birthday only, once', () => {
    const once = journey({ trigger: { after: { field: 'birthday', delay: 'P0D' } }, exitOn: [] });
    const person = { ...customer, birthday: '--03-14' };
    const first = journeysForChange([once], person, new Map(), quiet, context()).enrollments[0] as Enrollment;
    expect(first.dueAt).toBe('2027-03-14T00:00:00.000Z');
    const done = new Map([['test', { ...first, status: 'completed' as const }]]);
    expect(journeysForChange([once], person, done, quiet, context()).enrollments).toEqual([]);
  });
});

describe('the next action of a run', () => {
  const hash = () => 0.5;
  const next = (
    j: ReturnType<typeof journey>,
    e: Enrollment,
    segments: string[] = [],
    window = new Date('2026-05-02T07:00:00Z'),
  ) => nextAction(j, e, { now, subject: subject(segments), nextLocalWindow: () => window, hash, timeZone: 'UTC' });

  it('walks send, wait (until now + duration), send, then completes', () => {
    const j = journey();
    expect(next(j, active())).toMatchObject({ kind: 'send', step: { id: 'first' } });
    expect(next(j, active({ stepId: 'pause' }))).toEqual({
      kind: 'wait',
      until: new Date('2026-05-03T10:00:01Z'),
      next: 'second',
    });
    expect(next(j, active({ stepId: 'second' }))).toMatchObject({ kind: 'send', step: { id: 'second' } });
    expect(next(j, active({ stepId: 'end' }))).toEqual({ kind: 'complete' });
  });

  it('branches on the condition language; waits for a local time window; exits on a condition', () => {
    const j = journey({
      exitOn: [{ when: { segment: 'lapsed' } }],
      steps: [
        { id: 'check', type: 'branch', condition: { segment: 'vip' }, then: 'morning', else: 'end' },
        { id: 'morning', type: 'wait', until: { localTime: '09:00' } },
        { id: 'hello', type: 'send', template: 'welcome-1', category: 'marketing' },
      ],
    });
    expect(next(j, active({ stepId: 'check' }), ['vip'])).toMatchObject({ kind: 'jump', next: 'morning' });
    expect(next(j, active({ stepId: 'check' }), [])).toMatchObject({ kind: 'jump', next: 'end' });
    expect(next(j, active({ stepId: 'morning' }))).toEqual({
      kind: 'wait',
      until: new Date('2026-05-02T07:00:00Z'),
      next: 'hello',
    });
    expect(next(j, active({ stepId: 'morning' }), [], now)).toMatchObject({ kind: 'jump', next: 'hello' });
    expect(next(j, active({ stepId: 'hello' }), ['lapsed'])).toEqual({ kind: 'exit', reason: 'condition' });
  });

  it('splits by a stable hash, with a holdout', () => {
    const j = journey({
      steps: [
        {
          id: 'ab',
          type: 'split',
          variants: [
            { id: 'a', weight: 1, next: 'send-a' },
            { id: 'b', weight: 1, next: 'end' },
          ],
          holdout: { weight: 2 },
        },
        { id: 'send-a', type: 'send', template: 'welcome-1', category: 'marketing' },
      ],
    });
    const at = (h: number) =>
      nextAction(j, active({ stepId: 'ab' }), {
        now,
        subject: subject(),
        nextLocalWindow: () => now,
        hash: () => h,
        timeZone: 'UTC',
      });
    expect(at(0.1)).toMatchObject({ kind: 'jump', variant: 'a', next: 'send-a' });
    expect(at(0.3)).toMatchObject({ kind: 'jump', variant: 'b' });
    expect(at(0.9)).toEqual({ kind: 'holdout', stepId: 'ab' });
  });
});
