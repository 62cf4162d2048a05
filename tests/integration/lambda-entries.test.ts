import { clearCaches } from '@aws-lambda-powertools/parameters';
import type { Context, EventBridgeEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CONFIG_NAME } from '../../functions/adapters/config.js';
import { provideConfig } from '../../functions/adapters/config-bundling.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { ENV } from '../../functions/adapters/environment.js';
import { getTemplateContent, updateTemplate } from '../../functions/adapters/ses-template-admin.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { parseConfig } from '../../functions/domain/config.js';
import { emptyOrder, withOrderPlaced } from '../../functions/domain/orders.js';
import { SES_EVENT_SOURCE } from '../../functions/domain/routing.js';
import { asFunction, type FunctionName, invokeLocally } from '../../functions/local/lambda-context.js';
import { apiEvent } from '../helpers/api-event.js';
import { AwsStandIn, json, s3StandIn } from '../helpers/aws-stand-in.js';
import { repositoryConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { engines, freshTable, uniqueEmail } from '../helpers/engines.js';
import { signedGenericEvent, signupBody } from '../helpers/generic-webhook.js';
import { emailsTo, header } from '../helpers/inbox.js';
import { LocalEventBridge } from '../helpers/local-eventbridge.js';
import { LocalSecretsManager } from '../helpers/local-secrets-manager.js';
import { LocalSqs } from '../helpers/local-sqs.js';

/*
 * The Lambda entry points (functions/handlers/*.lambda.ts) as the stack deploys them: each is imported with
 * the environment the stack gives it, its AWS SDK clients sent to the local engines by the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, and together they carry one customer from a signed webhook to a
 * welcome email (the templates seeded as on a deploy, and kept as their first versions by the template check), a one-click unsubscribe, SES's complaint report and the daily model. What this proves is
 * the wiring of each deployed function, which the other tests build their own way.
 */

/** The value every secret has here: the generic source's signing secret and the link secret. */
const SECRET = 'entries-secret-0123456789';
const PUBLIC_API_URL = 'https://lifecycle.example.com';
const ARN = (name: string) => `arn:aws:secretsmanager:local:000000000000:secret:${name}`;
const REPORT_BUCKET = 'lifecycle-entries-reports';

/** Who edits a template in the entries' account, as CloudTrail names the principal. */
const EDITOR_ARN = 'arn:aws:sts::000000000000:assumed-role/TemplateEditors/marketer';

/**
 * CloudTrail's event history, answering LookupEvents as its API reference documents it (the JSON 1.1
 * protocol): the events given, newest first, of the event name asked, with the record of each as
 * `CloudTrailEvent` JSON. An event shows only once `delivered`: CloudTrail delivers events minutes late.
 */
function cloudTrailStandIn(events: { name: string; template: string; at: Date; delivered: boolean }[]) {
  return AwsStandIn.start([
    {
      name: 'LookupEvents',
      matches: (request) => request.method === 'POST' && request.target === 'CloudTrail_20131101.LookupEvents',
      answer: (request) => {
        const asked = JSON.parse(request.body) as {
          LookupAttributes: { AttributeKey: string; AttributeValue: string }[];
          StartTime: number;
          EndTime: number;
        };
        const name = asked.LookupAttributes[0]?.AttributeValue;
        const found = events
          .filter((e) => e.delivered && e.name === name)
          .filter((e) => e.at.getTime() / 1000 >= asked.StartTime && e.at.getTime() / 1000 <= asked.EndTime)
          .sort((a, b) => b.at.getTime() - a.at.getTime());
        return json(
          {
            Events: found.map((e, index) => ({
              EventId: `0f6a2b1c-0000-4000-8000-00000000000${index}`,
              EventName: e.name,
              ReadOnly: 'false',
              AccessKeyId: 'ASIAEXAMPLEKEYID0000',
              EventTime: e.at.getTime() / 1000,
              EventSource: 'ses.amazonaws.com',
              Username: 'marketer',
              Resources: [],
              CloudTrailEvent: JSON.stringify({
                eventVersion: '1.09',
                userIdentity: {
                  type: 'AssumedRole',
                  principalId: 'AROAEXAMPLEROLEID0000:marketer',
                  arn: EDITOR_ARN,
                  accountId: '000000000000',
                },
                eventTime: e.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
                eventSource: 'ses.amazonaws.com',
                eventName: e.name,
                awsRegion: 'local',
                sourceIPAddress: '203.0.113.7',
                userAgent: 'console.amazonaws.com',
                requestParameters: { templateName: e.template, templateContent: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
                responseElements: null,
                eventType: 'AwsApiCall',
                managementEvent: true,
                recipientAccountId: '000000000000',
                eventCategory: 'Management',
              }),
            })),
          },
          200,
          'application/x-amz-json-1.1',
        );
      },
    },
  ]);
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;
/**
 * A Lambda entry, imported (its cold start, which reads secrets) as the function it is. Each function is a
 * process of its own in AWS: no secret another entry read is cached for it.
 */
async function entry(file: string, functionName: FunctionName): Promise<Handler> {
  clearCaches();
  const module = (await asFunction(functionName, () => import(`../../functions/handlers/${file}.lambda.ts`))) as {
    handler: Handler;
  };
  return module.handler;
}

/** An IANA zone in which it is now about midday, so that quiet hours (21:00–08:00) never hold the welcome. */
function middayZone(now = new Date()): string {
  const offset = 12 - now.getUTCHours(); // from +12 (00 UTC) to -11 (23 UTC)
  // Etc/GMT zones carry the opposite sign: Etc/GMT-3 is three hours ahead of UTC.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** A generic-format order of one item, signed with the entries' secret by the caller. */
function orderBody(
  email: string,
  order: { id: string; amount: number; product: string; placedAt?: Date; timezone?: string },
) {
  const at = (order.placedAt ?? new Date()).toISOString();
  const price = { amount: order.amount, currency: 'USD' };
  return {
    id: `evt_order_${order.id}`,
    type: 'order.placed',
    occurredAt: at,
    data: {
      customer: { email, ...(order.timezone ? { timezone: order.timezone } : {}) },
      order: {
        id: `ord_${order.id}`,
        placedAt: at,
        total: price,
        lineItems: [{ productId: order.product.toLowerCase(), name: order.product, quantity: 1, unitPrice: price }],
      },
    },
  };
}

/** The schedule's planner, then the worker on every message it enqueued; what the planner did. */
async function dispatchThroughQueue(sqs: LocalSqs): Promise<unknown> {
  const planner = await entry('dispatcher', 'dispatcher');
  const planned = await invokeLocally('dispatcher', planner, { source: 'aws.events' }, 60_000);
  const worker = await entry('dispatch-worker', 'dispatch-worker');
  const failed = await sqs.deliver(
    (event) => invokeLocally('dispatch-worker', worker, event, 60_000) as Promise<SQSBatchResponse>,
  );
  expect(failed).toEqual([]);
  return planned;
}

describe('the deployed functions, wired by their entry points', () => {
  let bus: LocalEventBridge;
  let secrets: LocalSecretsManager;
  let sqs: LocalSqs;
  let tableName: string;
  let store: DynamoDbCustomerStore;
  let s3: AwsStandIn;
  let cloudTrail: AwsStandIn;
  const reports = new Map<string, string>();
  const templateEdits: { name: string; template: string; at: Date; delivered: boolean }[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    const { dynamoDbEndpoint, sesEndpoint, dynamodb } = engines();
    [bus, secrets, sqs, tableName, s3, cloudTrail] = await Promise.all([
      LocalEventBridge.start(),
      LocalSecretsManager.start(SECRET),
      LocalSqs.start(),
      freshTable('entries'),
      s3StandIn(REPORT_BUCKET, reports),
      cloudTrailStandIn(templateEdits),
    ]);
    Object.assign(process.env, {
      [ENV.tableName]: tableName,
      [ENV.busName]: 'lifecycle-entries',
      [ENV.configurationSetName]: 'lifecycle-entries',
      [ENV.publicApiUrl]: PUBLIC_API_URL,
      [ENV.unsubscribeSecretArn]: ARN('unsubscribe'),
      [ENV.webhookSecretArns]: JSON.stringify({ generic: ARN('generic') }),
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SESV2: sesEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      // The weekly report's bucket, which the links function reads when the stack has one.
      [ENV.reportBucket]: REPORT_BUCKET,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: cloudTrail.endpoint,
      [ENV.dueWorkQueueUrl]: `${sqs.endpoint}/000000000000/due-work`,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    });
    // What the stack bundles into each function at synth.
    provideConfig(repositoryConfig());
    store = new DynamoDbCustomerStore({
      client: dynamodb.document,
      tableName,
      dueShards: repositoryConfig().dispatcher.dueShards,
    });
  });

  afterAll(async () => {
    process.env = saved;
    delete (globalThis as Record<string, unknown>)[BUNDLED_CONFIG_NAME];
    await Promise.all([bus?.stop(), secrets?.stop(), sqs?.stop(), s3?.stop(), cloudTrail?.stop()]);
  });

  it('carry a customer from the webhook to the welcome email, the unsubscribe, the complaint and the model', async () => {
    const email = uniqueEmail('entries');
    const signup = signupBody(email);
    signup.data.customer.timezone = middayZone();

    // The webhook function verifies the shop's signature with the secret from Secrets Manager and publishes.
    const webhook = await entry('webhook', 'webhook');
    const answer = (await invokeLocally('webhook', webhook, signedGenericEvent(JSON.stringify(signup), SECRET))) as {
      statusCode: number;
    };
    expect(answer.statusCode).toBe(200);
    expect(bus.ofType('customer.signed_up').map((event) => event.busName)).toEqual(['lifecycle-entries']);

    // The customer function, as the rule targets it, records the signup and starts the welcome series.
    const customer = await entry('customer', 'customer');
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });
    const customerId = await store.findCustomerId(email);
    expect(customerId).toBeDefined();
    expect([...((await store.load(customerId as string))?.enrollments.keys() ?? [])]).toContain('welcome-series');

    // The template seed, as the stack's custom resource calls it on create: the templates of templates/.
    const seed = await entry('seed-templates', 'template-seed');
    const seeded = await invokeLocally('template-seed', seed, {
      RequestType: 'Create',
      ResourceProperties: {
        Prefix: repositoryConfig().templatePrefix,
        Templates: readTemplateFiles('templates').map((t) => ({
          Name: t.name,
          Subject: t.subject,
          Html: t.html,
          Text: t.text,
        })),
      },
    });
    expect(seeded).toMatchObject({ PhysicalResourceId: 'lifecycle-template-seed' });

    // The template check, as its schedule runs it: the first sight of every template is its version 1.
    const templateHistory = await entry('template-history', 'template-history');
    const checked = (await invokeLocally('template-history', templateHistory, { source: 'aws.events' }, 180_000)) as {
      kept: { template: string; number: number }[];
    };
    expect(checked.kept).toContainEqual(expect.objectContaining({ template: 'welcome-1', number: 1 }));
    expect((await store.templateStatus('welcome-1'))?.number).toBe(1);

    // A marketer edits a template in SES. CloudTrail has not delivered the call yet: the next check keeps
    // the edit without who, and the one after, once the event is there, names the marketer.
    const prefix = repositoryConfig().templatePrefix;
    const original = await getTemplateContent(engines().ses, `${prefix}birthday`);
    if (!original) throw new Error('birthday was not seeded');
    try {
      await updateTemplate(engines().ses, `${prefix}birthday`, { ...original, text: `${original.text}\n` });
      // CloudTrail's event times are whole seconds.
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const edit = { name: 'UpdateEmailTemplate', template: `${prefix}birthday`, at, delivered: false };
      templateEdits.push(edit);
      const edited = (await invokeLocally('template-history', templateHistory, { source: 'aws.events' }, 180_000)) as {
        kept: { template: string; number: number }[];
      };
      expect(edited.kept).toContainEqual({ template: 'birthday', number: 2, verdict: 'passes' });
      expect((await store.templateVersions('birthday')).at(-1)?.who).toBeUndefined();
      edit.delivered = true;
      const later = (await invokeLocally('template-history', templateHistory, { source: 'aws.events' }, 180_000)) as {
        named: { template: string; number: number }[];
      };
      expect(later.named).toContainEqual({ template: 'birthday', number: 2 });
      expect((await store.templateVersions('birthday')).at(-1)).toMatchObject({ number: 2, who: EDITOR_ARN });
    } finally {
      await updateTemplate(engines().ses, `${prefix}birthday`, original);
    }

    // The dispatcher's planner puts the due welcome on the queue; a worker, fed by the queue, sends it
    // through SES with links to the stack's public API.
    const planned = await dispatchThroughQueue(sqs);
    expect(planned).toMatchObject({ enqueued: 1, messages: 1 });
    const [welcome] = await emailsTo(engines().sesEndpoint, email);
    const unsubscribeUrl = /<([^>]+)>/.exec(header(welcome as never, 'List-Unsubscribe') ?? '')?.[1] ?? '';
    expect(unsubscribeUrl.startsWith(`${PUBLIC_API_URL}/unsubscribe?token=`)).toBe(true);

    // The unsubscribe function checks the link with the secret it reads, and unsubscribes in one click.
    const unsubscribe = await entry('unsubscribe', 'unsubscribe');
    const token = new URL(unsubscribeUrl).searchParams.get('token') as string;
    const unsubscribed = (await invokeLocally(
      'unsubscribe',
      unsubscribe,
      apiEvent(
        'POST',
        '/unsubscribe',
        'List-Unsubscribe=One-Click',
        { 'content-type': 'application/x-www-form-urlencoded' },
        { queryStringParameters: { token } },
      ),
    )) as { statusCode: number };
    expect(unsubscribed.statusCode).toBe(200);
    expect((await store.load(customerId as string))?.customer.consent.email).toBe('unsubscribed');

    // A first order: the customer function records it and publishes the customer's new stage on the bus.
    const order = orderBody(email, { id: customerId as string, amount: 2499, product: 'Coffee' });
    expect(
      (await invokeLocally('webhook', webhook, signedGenericEvent(JSON.stringify(order), SECRET))) as unknown,
    ).toMatchObject({
      statusCode: 200,
    });
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });
    expect(bus.ofType('customer.stage_changed').map((event) => event.busName)).toContain('lifecycle-entries');

    // The engagement function takes SES's complaint about that email, tied back by its tags.
    const emailFeedback = await entry('email-feedback', 'email-feedback');
    const complaint: EventBridgeEvent<string, unknown> = {
      version: '0',
      id: 'ses-complaint-1',
      'detail-type': 'Email Complaint Received',
      source: SES_EVENT_SOURCE,
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'local',
      resources: [],
      detail: {
        eventType: 'Complaint',
        mail: {
          messageId: welcome?.messageId,
          timestamp: new Date().toISOString(),
          destination: [email],
          tags: { customer: [customerId], journey: ['welcome-series'], category: ['marketing'] },
        },
        complaint: { timestamp: new Date().toISOString(), complainedRecipients: [{ emailAddress: email }] },
      },
    };
    await invokeLocally('email-feedback', emailFeedback, complaint);
    expect((await store.load(customerId as string))?.customer.suppressed).toMatchObject({ reason: 'complaint' });

    // Twenty more buyers (one of them last bought three years ago) and a subscriber who spends big, all
    // before the store has a model: nobody is a VIP yet.
    const bigSpender = uniqueEmail('entries-vip');
    const bigSpenderSignup = JSON.stringify(signupBody(bigSpender));
    expect(await invokeLocally('webhook', webhook, signedGenericEvent(bigSpenderSignup, SECRET))).toMatchObject({
      statusCode: 200,
    });
    const buyers = [
      ...Array.from({ length: 20 }, (_, i) => [uniqueEmail(`entries-base-${i}`), 1000 + i] as const),
      [bigSpender, 90_000] as const,
    ];
    for (const [n, [buyer, amount]] of buyers.entries()) {
      const placedAt = new Date(Date.now() - (n === 0 ? 3 * 365 * 86_400_000 : 0));
      const body = JSON.stringify(
        orderBody(buyer, { id: `entries_${n}`, amount, product: 'Mug', placedAt, timezone: middayZone() }),
      );
      expect(await invokeLocally('webhook', webhook, signedGenericEvent(body, SECRET))).toMatchObject({
        statusCode: 200,
      });
    }
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });
    const bigSpenderId = (await store.findCustomerId(bigSpender)) as string;
    expect((await store.load(bigSpenderId))?.customer.stage).not.toBe('vip');
    const goneId = (await store.findCustomerId(buyers[0]?.[0] as string)) as string;
    const gone = (await store.load(goneId))?.customer;
    expect(gone?.stage).toBe('lapsed');
    expect(gone?.rfm).toBeUndefined();

    // The daily model job fits the store's model, stores it, and reassesses whom it moves: the big spender
    // is now in the store's top share, so the job publishes their new stage and starts VIP recognition; the
    // customer gone three years gets an RFM segment, and nothing left to reassess them for.
    const modelJob = await entry('model-job', 'model-job');
    await invokeLocally('model-job', modelJob, { source: 'aws.events' }, 900_000);
    expect(await store.loadModel()).toMatchObject({ computedAt: expect.any(String) });
    const promoted = await store.load(bigSpenderId);
    expect(promoted?.customer.stage).toBe('vip');
    expect([...(promoted?.enrollments.keys() ?? [])]).toContain('vip-recognition');
    expect(
      bus
        .ofType('customer.stage_changed')
        .map((event) => event.envelope.detail)
        .filter((detail) => (detail as { customerId?: string }).customerId === bigSpenderId)
        .at(-1),
    ).toMatchObject({ from: 'first_time_customer', to: 'vip' });
    expect((await store.load(goneId))?.customer).toMatchObject({
      stage: 'lapsed',
      rfm: { segment: expect.any(String) },
    });
  }, 120_000);

  it("carry a consenting visitor's product views from the shop's page to the customer, once identified", async () => {
    const origin = 'https://shop.example.com';
    const writeKey = 'wk_entries_0123456789ab';
    provideConfig({
      ...repositoryConfig(),
      collect: {
        ...repositoryConfig().collect,
        keys: [{ name: 'web', writeKey, origins: [origin], source: 'generic' }],
      },
    });
    try {
      const collect = await entry('collect', 'collect');
      const email = uniqueEmail('collect');
      const anonymousId = `anon-${email.split('@')[0]}`;
      const send = (body: Record<string, unknown>) =>
        invokeLocally(
          'collect',
          collect,
          apiEvent(
            'POST',
            '/collect',
            JSON.stringify({ writeKey, anonymousId, consent: { analytics: true }, ...body }),
            { origin, 'content-type': 'text/plain;charset=UTF-8' },
          ),
        );
      const preflight = apiEvent('OPTIONS', '/collect', '', { origin });
      expect(await invokeLocally('collect', collect, { ...preflight, body: undefined })).toMatchObject({
        statusCode: 204,
      });
      const view = { type: 'product.viewed', messageId: `view-${anonymousId}`, product: { id: 'entries-mug' } };
      expect(JSON.parse(((await send(view)) as { body: string }).body)).toEqual({ status: 'kept' });
      const identify = { type: 'identify', messageId: `identify-${anonymousId}`, email };
      expect(JSON.parse(((await send(identify)) as { body: string }).body)).toEqual({ status: 'accepted' });
      const later = { type: 'product.viewed', messageId: `later-${anonymousId}`, product: { id: 'entries-kettle' } };
      expect(JSON.parse(((await send(later)) as { body: string }).body)).toEqual({ status: 'accepted' });

      const customer = await entry('customer', 'customer');
      await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });
      const customerId = await store.findCustomerId(email);
      const views = (await store.load(customerId as string))?.customer.recentlyViewed.map((seen) => seen.productId);
      expect(views?.sort()).toEqual(['entries-kettle', 'entries-mug']);
    } finally {
      provideConfig(repositoryConfig());
    }
  });

  it('keep the product catalogue from signed product events, an older state never undoing a newer one', async () => {
    const webhook = await entry('webhook', 'webhook');
    const customer = await entry('customer', 'customer');
    const send = async (body: unknown) =>
      expect(await invokeLocally('webhook', webhook, signedGenericEvent(JSON.stringify(body), SECRET))).toMatchObject({
        statusCode: 200,
      });
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const now = new Date().toISOString();
    const product = (title: string, updatedAt: string) => ({
      id: 'entries-beans',
      title,
      url: 'https://coffee.example.com/products/beans',
      price: { amount: 1499, currency: 'USD' },
      availability: 'in_stock',
      updatedAt,
    });

    await send({
      id: 'evt_product_new',
      type: 'product.upserted',
      occurredAt: now,
      data: { product: product('New', now) },
    });
    await send({
      id: 'evt_product_old',
      type: 'product.upserted',
      occurredAt: earlier,
      data: { product: product('Old', earlier) },
    });
    await send({
      id: 'evt_product_gone',
      type: 'product.deleted',
      occurredAt: now,
      data: { product: { id: 'entries-mug' } },
    });
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });

    expect(await store.findProduct('generic', 'entries-beans')).toMatchObject({
      title: 'New',
      price: { amount: 1499 },
    });
    expect(await store.findProducts('generic', ['entries-beans', 'entries-mug'])).toHaveLength(1);

    // The dispatcher reads the catalogue for the products of an email: a thank-you due now, for an order of
    // the beans, shows them as the catalogue has them.
    const buyer = uniqueEmail('entries-cards');
    const order = withOrderPlaced(
      emptyOrder('generic', 'entries-cards'),
      {
        id: 'entries-cards',
        placedAt: earlier,
        total: { amount: 1499, currency: 'USD' },
        lineItems: [
          { productId: 'entries-beans', name: 'beans', quantity: 1, unitPrice: { amount: 1499, currency: 'USD' } },
        ],
      },
      earlier,
    );
    await store.commitEvent({
      eventId: 'evt-entries-cards',
      customer: aCustomer('cus_entries_cards', buyer, {
        timezone: middayZone(),
        stage: 'first_time_customer',
        metrics: { orderCount: 1, revenue: { amount: 1499, currency: 'USD' }, lastOrderAt: earlier },
      }),
      expectedVersion: undefined,
      claimEmail: buyer,
      orders: [order],
      enrollments: [
        {
          enrollment: aRun('post-purchase', now, { stepId: 'thank-you-first', context: { orderKey: order.key } }),
          expectedVersion: undefined,
        },
      ],
      timeline: [],
    });
    await seedTemplates(engines().ses, readTemplateFiles('templates'), repositoryConfig().templatePrefix);
    await dispatchThroughQueue(sqs);
    const [thanks] = await emailsTo(engines().sesEndpoint, buyer);
    expect(thanks?.body.text).toContain('- New (qty 1): $14.99\n  https://coffee.example.com/products/beans');
  });

  it('tell a customer who viewed a product that it is back in stock, through the bus to their own record', async () => {
    const webhook = await entry('webhook', 'webhook');
    const customer = await entry('customer', 'customer');
    const send = async (body: unknown) =>
      expect(await invokeLocally('webhook', webhook, signedGenericEvent(JSON.stringify(body), SECRET))).toMatchObject({
        statusCode: 200,
      });
    const email = uniqueEmail('entries-stock');
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const now = new Date().toISOString();
    const product = (availability: string, updatedAt: string) => ({
      id: 'entries-teapot',
      title: 'Teapot',
      price: { amount: 3999, currency: 'USD' },
      availability,
      updatedAt,
    });
    await send({
      id: 'evt_teapot_gone',
      type: 'product.upserted',
      occurredAt: earlier,
      data: { product: product('out_of_stock', earlier) },
    });
    await send({
      id: 'evt_teapot_ask',
      type: 'product.stock_requested',
      occurredAt: earlier,
      data: { customer: { email }, product: { id: 'entries-teapot' } },
    });
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });
    await send({
      id: 'evt_teapot_back',
      type: 'product.upserted',
      occurredAt: now,
      data: { product: product('in_stock', now) },
    });
    await bus.drain({ customer: (event) => invokeLocally('customer', customer, event) });

    const customerId = (await store.findCustomerId(email)) as string;
    expect(bus.ofType('product.back_in_stock')).toHaveLength(1);
    expect((await store.load(customerId))?.customer.recentEvents.map((event) => event.type)).toContain(
      'product.back_in_stock',
    );
  });

  it('keep the weekly report in its bucket, mail it to the team, and open it from the link', async () => {
    const team = uniqueEmail('entries-team');
    const config = repositoryConfig();
    // The stack built with a report in its configuration, as its job's bundle holds it.
    provideConfig(parseConfig({ ...config, report: { recipients: [team] } }));
    try {
      await seedTemplates(engines().ses, readTemplateFiles('templates'), config.templatePrefix);
      const job = await entry('weekly-report', 'weekly-report');
      const outcome = (await invokeLocally('weekly-report', job, { sendNow: true }, 120_000)) as {
        reportId: string;
        sent: number;
      };
      expect(outcome.sent).toBe(1);
      expect(reports.get(`reports/${outcome.reportId}.html`)).toMatch(/^<!doctype html>/i);
      const [mail] = await emailsTo(engines().sesEndpoint, team);
      const link = /The full report: (\S+)/.exec(mail?.body.text ?? '')?.[1] ?? '';
      expect(link.startsWith(`${PUBLIC_API_URL}/report?token=`)).toBe(true);

      // The links function reads it back with its own role, for a genuine token only.
      const unsubscribe = await entry('unsubscribe', 'unsubscribe');
      const open = (token: string) =>
        invokeLocally(
          'unsubscribe',
          unsubscribe,
          apiEvent('GET', '/report', '', {}, { queryStringParameters: { token } }),
        ) as Promise<{ statusCode: number; body: string }>;
      const token = new URL(link).searchParams.get('token') as string;
      const opened = await open(token);
      expect(opened.statusCode).toBe(200);
      expect(opened.body).toBe(reports.get(`reports/${outcome.reportId}.html`));
      expect((await open(`${token.slice(0, -2)}xx`)).statusCode).toBe(400);
      // Once the bucket's lifecycle rule has deleted it, S3 answers NoSuchKey: the link says the report is gone.
      reports.delete(`reports/${outcome.reportId}.html`);
      const gone = await open(token);
      expect(gone.statusCode).toBe(404);
      expect(gone.body).toContain('This report is no longer kept');
    } finally {
      provideConfig(config);
    }
  });
});
