import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { SesStoredTemplates, templateContentHash } from '../../functions/adapters/ses-stored-templates.js';
import { getTemplateContent, updateTemplate } from '../../functions/adapters/ses-template-admin.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import type { DispatchDependencies } from '../../functions/domain/services/dispatch/dependencies.js';
import { dispatchDueRuns } from '../../functions/domain/services/dispatch/tick.js';
import { rollbackTemplate } from '../../functions/domain/services/template-history.js';
import { METRICS_NAMESPACE } from '../../functions/handlers/powertools.js';
import { createTemplateHistoryHandler } from '../../functions/handlers/template-history.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { TemplateEditors } from '../../functions/ports/stored-templates.js';
import { testConfig } from '../helpers/config.js';
import { customerWithDueWelcome, dueRunDispatch } from '../helpers/due-runs.js';
import { engines, freshStore } from '../helpers/engines.js';
import { emailsTo } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

/*
 * The template history against DynamoDB Local and the local SES: the scheduled check notices edits made in
 * SES and keeps each as a version, a broken edit holds the template's sends, and a rollback releases them.
 * The templates are this file's own (a prefix of its own), as other tests send with the shared ones.
 */

const prefix = `history${Date.now().toString(36)}-`;
const config = testConfig({ templatePrefix: prefix });
const EDITOR = 'arn:aws:iam::123456789012:user/marketer';

/** Metrics that remember what the handler adds (publishing stays disabled outside Lambda). */
class RecordingMetrics extends Metrics {
  readonly recorded: { name: string; value: number }[] = [];
  constructor() {
    super({ namespace: METRICS_NAMESPACE, serviceName: 'template-history' });
  }
  override addMetric(name: string, unit: MetricUnit, value: number): this {
    this.recorded.push({ name, value });
    return super.addMetric(name, unit, value);
  }
}

let store: DynamoDbCustomerStore;
let mailer: SesV2Mailer;
let now: Date;
const clock = { now: () => now };

beforeAll(async () => {
  const { ses } = engines();
  await seedTemplates(ses, readTemplateFiles(resolve('templates')), prefix);
  mailer = new SesV2Mailer({ client: ses, from: config.sender.from, configurationSetName: 'test' });
});

beforeEach(async () => {
  ({ store } = await freshStore(4));
  now = new Date('2026-08-01T09:00:00.000Z');
  // Each test starts from the default welcome-1.
  const [welcome] = readTemplateFiles(resolve('templates')).filter((t) => t.name === 'welcome-1');
  await updateTemplate(engines().ses, `${prefix}welcome-1`, {
    subject: welcome?.subject ?? '',
    html: welcome?.html ?? '',
    text: welcome?.text ?? '',
  });
});

function historyParts(editors?: TemplateEditors) {
  return {
    store,
    templates: new SesStoredTemplates(engines().ses, prefix),
    clock,
    config,
    hash: templateContentHash,
    ...(editors ? { editors } : {}),
  };
}

async function runCheck(editors?: TemplateEditors) {
  const metrics = new RecordingMetrics();
  const handler = createTemplateHistoryHandler({
    ...historyParts(editors),
    logger: new Logger({ serviceName: 'template-history', logLevel: 'SILENT' }),
    metrics,
  });
  const result = (await invokeLocally('template-history', handler, {})) as {
    kept: { template: string; number: number; verdict: string }[];
    named: { template: string; number: number }[];
  };
  return {
    kept: result.kept,
    named: result.named,
    metric: (name: string) => metrics.recorded.find((m) => m.name === name)?.value,
  };
}

async function editWelcome(change: (html: string) => string, subject?: string) {
  const name = `${prefix}welcome-1`;
  const current = await getTemplateContent(engines().ses, name);
  if (!current) throw new Error('welcome-1 is not in the local SES');
  await updateTemplate(engines().ses, name, {
    ...current,
    html: change(current.html),
    ...(subject ? { subject } : {}),
  });
}

function dispatcher(overrides: Partial<DispatchDependencies> = {}): DispatchDependencies {
  return dueRunDispatch({ store, mailer, clock, config, owner: 'dispatcher-history' }, overrides);
}

describe('the template history', () => {
  it('keeps the first sight of each template as version 1, then each edit as the next version, with who made it', async () => {
    const first = await runCheck();
    expect(first.kept.find((k) => k.template === 'welcome-1')).toEqual({
      template: 'welcome-1',
      number: 1,
      verdict: 'passes',
    });
    expect(first.kept.length).toBe(readTemplateFiles(resolve('templates')).length);
    expect(first.metric('TemplateEditBroken')).toBe(0);

    now = new Date('2026-08-01T09:05:00.000Z');
    expect((await runCheck()).kept).toEqual([]);

    await editWelcome((html) => html.replace('Welcome', 'A warm welcome'), 'A warm welcome, {{firstName}}');
    now = new Date('2026-08-01T09:10:00.000Z');
    const asked: { name: string; since: string; until: string }[] = [];
    const editors: TemplateEditors = {
      whoEdited: async (name, since, until) => {
        asked.push({ name, since: since.toISOString(), until: until.toISOString() });
        return EDITOR;
      },
    };
    const edit = await runCheck(editors);
    expect(edit.kept).toEqual([{ template: 'welcome-1', number: 2, verdict: 'passes' }]);
    expect(asked).toEqual([
      { name: 'welcome-1', since: '2026-08-01T09:00:00.000Z', until: '2026-08-01T09:10:00.000Z' },
    ]);
    const versions = await store.templateVersions('welcome-1');
    expect(versions.map((v) => [v.number, v.verdict, v.who])).toEqual([
      [1, 'passes', undefined],
      [2, 'passes', EDITOR],
    ]);
    expect(versions[1]?.content?.subject).toBe('A warm welcome, {{firstName}}');
    expect(versions[1]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(versions[1]?.seenAt).toBe('2026-08-01T09:10:00.000Z');
  });

  it('names who made an edit at a later check when the audit trail was late, while it is the newest version and for an hour', async () => {
    await runCheck();
    let delivered: string | undefined;
    const asked: { name: string; since: string; until: string }[] = [];
    const trail: TemplateEditors = {
      whoEdited: async (name, since, until) => {
        asked.push({ name, since: since.toISOString(), until: until.toISOString() });
        return delivered;
      },
    };
    const versionsWho = async () => (await store.templateVersions('welcome-1')).map((v) => [v.number, v.who]);

    // The trail has not delivered the edit yet: version 2 is kept without who.
    await editWelcome((html) => html.replace('Welcome', 'Hello'));
    now = new Date('2026-08-01T09:05:00.000Z');
    expect((await runCheck(trail)).kept).toEqual([{ template: 'welcome-1', number: 2, verdict: 'passes' }]);
    expect(await versionsWho()).toEqual([
      [1, undefined],
      [2, undefined],
    ]);

    // Five minutes later it has: the check asks again over the edit's own window, and names the editor.
    delivered = EDITOR;
    now = new Date('2026-08-01T09:10:00.000Z');
    const later = await runCheck(trail);
    expect(later.kept).toEqual([]);
    expect(later.named).toEqual([{ template: 'welcome-1', number: 2 }]);
    expect(await versionsWho()).toEqual([
      [1, undefined],
      [2, EDITOR],
    ]);
    expect(asked.at(-1)).toEqual({
      name: 'welcome-1',
      since: '2026-08-01T09:00:00.000Z',
      until: '2026-08-01T09:05:00.000Z',
    });
    // Named once: it is not asked again.
    const askedBefore = asked.length;
    now = new Date('2026-08-01T09:15:00.000Z');
    expect((await runCheck(trail)).named).toEqual([]);
    expect(asked.length).toBe(askedBefore);

    // An edit the trail never names is asked about for an hour, then left `(unknown)`.
    delivered = undefined;
    await editWelcome((html) => html.replace('Hello', 'Hi'));
    now = new Date('2026-08-01T09:20:00.000Z');
    await runCheck(trail);
    now = new Date('2026-08-01T10:20:00.000Z');
    await runCheck(trail);
    const lastAsked = asked.length;
    now = new Date('2026-08-01T10:25:00.000Z');
    delivered = EDITOR;
    expect((await runCheck(trail)).named).toEqual([]);
    expect(asked.length).toBe(lastAsked);
    const last = (await store.templateVersions('welcome-1')).at(-1);
    expect(last?.number).toBe(3);
    expect(last?.who).toBeUndefined();
  });

  it('holds the due sends of a template whose edit fails lint, and sends them after a rollback', async () => {
    await runCheck();
    // The unsubscribe link removed from the HTML, and a placeholder no data has.
    await editWelcome((html) =>
      html.replace(/<a [^>]*href="\{\{unsubscribeUrl\}\}"[^>]*>/g, '<a href="https://shop.example.com">'),
    );
    await editWelcome((html) => html.replace('</body>', '<p>{{nickname}}</p></body>'));
    now = new Date('2026-08-01T09:05:00.000Z');
    const broken = await runCheck();
    expect(broken.kept).toEqual([{ template: 'welcome-1', number: 2, verdict: 'broken' }]);
    expect(broken.metric('TemplateEditBroken')).toBe(1);
    const [version2] = (await store.templateVersions('welcome-1')).slice(1);
    expect(version2?.problems.join('\n')).toMatch(/unsubscribeUrl/);
    expect(version2?.problems.join('\n')).toMatch(/nickname/);

    // Two customers due for the held template: one read of its status in the tick, and neither is sent.
    const emails = [
      await customerWithDueWelcome(store, config, 'cus_h1', now.toISOString()),
      await customerWithDueWelcome(store, config, 'cus_h2', now.toISOString()),
    ];
    let statusReads = 0;
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'templateStatus' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          statusReads++;
          return value.apply(target, args);
        };
      },
    });
    const held = await dispatchDueRuns(dispatcher({ store: counting }));
    expect(held).toMatchObject({ sent: 0, deferred: 2, heldForTemplate: 2, dropped: 0 });
    expect(statusReads).toBe(1);
    for (const email of emails) expect(await emailsTo(engines().sesEndpoint, email)).toEqual([]);
    expect((await store.timeline('cus_h1')).find((e) => e.kind === 'email_deferred')).toMatchObject({
      template: 'welcome-1',
      reason: 'template_held',
      until: '2026-08-01T09:10:00.000Z',
    });
    const run = (await store.load('cus_h1'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ status: 'active', stepId: 'welcome-1', dueAt: '2026-08-01T09:10:00.000Z' });

    // Still held while nothing changed.
    now = new Date('2026-08-01T09:10:00.000Z');
    expect(await dispatchDueRuns(dispatcher())).toMatchObject({ sent: 0, heldForTemplate: 2 });

    // The rollback puts version 1 back in SES, kept as version 3, and the held sends go at their next try.
    const rolledBack = await rollbackTemplate(historyParts(), 'welcome-1', { who: 'lifecycle CLI' });
    expect(rolledBack.to.number).toBe(1);
    expect(rolledBack.kept).toMatchObject({ number: 3, verdict: 'passes', who: 'lifecycle CLI', rollbackOf: 1 });
    const restored = await getTemplateContent(engines().ses, `${prefix}welcome-1`);
    expect(restored?.html).toContain('{{unsubscribeUrl}}');
    expect(restored?.html).not.toContain('nickname');
    // The check sees the rollback's content as the newest version already: nothing new.
    now = new Date('2026-08-01T09:15:00.000Z');
    expect((await runCheck()).kept).toEqual([]);

    const released = await dispatchDueRuns(dispatcher());
    expect(released).toMatchObject({ sent: 2, heldForTemplate: 0 });
    for (const email of emails) {
      const [received] = await emailsTo(engines().sesEndpoint, email);
      expect(received?.subject).toBe('Welcome to Test Shop, Ada');
      expect(received?.body.text).toContain('Test Shop, 1 Test Road, Testville 12345');
    }
  });

  it('runs in the local runtime as deployed, and says which edit holds sends', async () => {
    const lines: string[] = [];
    const stack = await startTestStack('history', config, { log: (line) => lines.push(line) });
    try {
      await stack.checkTemplates();
      expect((await stack.store.templateStatus('welcome-1'))?.number).toBe(1);
      await editWelcome((html) => html.replace('</body>', '<p>{{nickname}}</p></body>'));
      await stack.checkTemplates();
      expect(await stack.store.templateStatus('welcome-1')).toMatchObject({ number: 2, verdict: 'broken' });
      expect(lines).toContain('templates   welcome-1 version 2 kept: fails lint, its sends are held');
    } finally {
      await stack.stop();
    }
  }, 120_000);
});
