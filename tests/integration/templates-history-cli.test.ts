import { randomUUID } from 'node:crypto';
import { DeleteEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, it } from 'vitest';
import { SesStoredTemplates, templateContentHash } from '../../functions/adapters/ses-stored-templates.js';
import { getTemplateContent, updateTemplate } from '../../functions/adapters/ses-template-admin.js';
import { listTemplateNames, seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { checkTemplates } from '../../functions/domain/services/template-history.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { AwsStandIn } from '../helpers/aws-stand-in.js';
import { repositoryConfig } from '../helpers/config.js';
import { engines, freshStore } from '../helpers/engines.js';
import { lifecycleCli, run } from '../helpers/processes.js';

/*
 * `lifecycle templates history` and `rollback` as a user runs them, against a deployed stack's table
 * (--table), the SDK's own endpoint settings pointing it and SES at the local engines. The templates have a
 * prefix of their own: other tests send with the shared ones.
 */

const prefix = `thist${randomUUID().slice(0, 6)}-`;
const config = { ...repositoryConfig(), templatePrefix: prefix };

afterAll(async () => {
  await sts?.stop();
  const { ses } = engines();
  for (const name of await listTemplateNames(ses)) {
    if (name.startsWith(prefix)) await ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
  }
});

/** The caller the credentials belong to, as STS names it. */
const CALLER = 'arn:aws:sts::123456789012:assumed-role/TemplateAdmin/marketer';

/**
 * STS, answering GetCallerIdentity as its API reference documents it (the Query protocol: a form-encoded
 * POST, an XML answer).
 */
function stsStandIn() {
  return AwsStandIn.start([
    {
      name: 'GetCallerIdentity',
      matches: (request) => request.method === 'POST' && request.action === 'GetCallerIdentity',
      answer: () => ({
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>${CALLER}</Arn>
    <UserId>AROACKCEVSQ6C2EXAMPLE:marketer</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`,
      }),
    },
  ]);
}

let sts: AwsStandIn | undefined;

/** The CLI, run without blocking: the STS stand-in answers from this process. */
function lifecycle(args: string[]) {
  const [node, cli] = lifecycleCli(args);
  return run(node, cli, {
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: engines().dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SESV2: engines().sesEndpoint,
      ...(sts ? { AWS_ENDPOINT_URL_STS: sts.endpoint } : {}),
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
  });
}

describe('lifecycle templates history and rollback', () => {
  it('list the versions with who and verdict, and roll a broken edit back to the version before it', async () => {
    sts = await stsStandIn();
    const { ses } = engines();
    const welcome = readTemplateFiles('templates').filter((t) => t.name === 'welcome-1');
    await seedTemplates(ses, welcome, prefix);
    const { store, tableName } = await freshStore();
    let now = new Date('2026-08-01T09:00:00.000Z');
    const check = () =>
      checkTemplates({
        store,
        templates: new SesStoredTemplates(ses, prefix),
        editors: { whoEdited: async () => 'arn:aws:iam::123456789012:user/marketer' },
        clock: { now: () => now },
        config,
        hash: templateContentHash,
      });
    await check();
    const original = await getTemplateContent(ses, `${prefix}welcome-1`);
    if (!original) throw new Error('welcome-1 was not seeded');
    await updateTemplate(ses, `${prefix}welcome-1`, {
      ...original,
      text: original.text.replace('{{unsubscribeUrl}}', ''),
    });
    now = new Date('2026-08-01T09:05:00.000Z');
    await check();

    const history = await lifecycle(['templates', 'history', 'welcome-1', '--table', tableName]);
    expect(history.stderr).toBe('');
    expect(history.status).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^version\s+seen\s+who\s+hash\s+lint$/);
    expect(lines[1]).toMatch(/^1\s+2026-08-01T09:00:00\.000Z\s+\(unknown\)\s+[0-9a-f]{12}\s+passes$/);
    expect(lines[2]).toMatch(
      /^2\s+2026-08-01T09:05:00\.000Z\s+arn:aws:iam::123456789012:user\/marketer\s+[0-9a-f]{12}\s+BROKEN$/,
    );
    expect(lines[3]).toMatch(/^\s+- body\.txt: .*unsubscribeUrl/);
    expect(history.stdout).toContain('its sends are held: lifecycle templates rollback welcome-1');

    const refused = await lifecycle([
      'templates',
      'rollback',
      'welcome-1',
      '--to',
      '2',
      '--table',
      tableName,
      '--prefix',
      prefix,
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('nothing rolled back: welcome-1: version 2 is the current one');
    expect(
      (await lifecycle(['templates', 'rollback', 'welcome-1', '--to', 'one', '--table', tableName])).stderr,
    ).toContain('--to: a version number');
    expect((await lifecycle(['templates', 'history', '../welcome-1', '--table', tableName])).status).toBe(1);

    const rollback = await lifecycle(['templates', 'rollback', 'welcome-1', '--table', tableName, '--prefix', prefix]);
    expect(rollback.stderr).toBe('');
    expect(rollback.stdout.trim()).toBe(`${prefix}welcome-1: version 1 put back in Amazon SES, kept as version 3`);
    expect(await getTemplateContent(ses, `${prefix}welcome-1`)).toEqual(original);
    expect(await store.templateStatus('welcome-1')).toMatchObject({ number: 3, verdict: 'passes' });

    const after = await lifecycle(['templates', 'history', 'welcome-1', '--table', tableName]);
    expect(after.stdout.trim().split('\n').at(-1)).toMatch(
      /^3\s+\S+\s+arn:aws:sts::123456789012:assumed-role\/TemplateAdmin\/marketer\s+[0-9a-f]{12}\s+passes\s+rollback to 1$/,
    );
    // Asked once per rollback against the stack: the one refused, and the one made.
    expect(sts.requests.map((request) => request.action)).toEqual(['GetCallerIdentity', 'GetCallerIdentity']);
    expect(after.stdout).not.toContain('held');
  }, 180_000);
});
