import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesClient } from '../../functions/adapters/aws-clients.js';
import { GENERIC_SIGNATURE_HEADER, signGenericBody } from '../../functions/adapters/webhooks/generic.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { freePort } from '../../functions/local/free-port.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { type RunningSesLocal, startSesLocal } from '../../functions/local/ses-local.js';
import { testConfig } from '../helpers/config.js';
import { engines, uniqueEmail } from '../helpers/engines.js';
import { postGeneric, signupBody, TEST_GENERIC_SECRET } from '../helpers/generic-webhook.js';
import { startTestStack } from '../helpers/local-stack.js';

/**
 * The local servers on the developer's machine, attacked from a web page open in the developer's browser:
 * a cross-origin "simple" POST (text/plain, which needs no CORS permission to be sent) that would move the
 * clock or forge a complaint, and DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, so
 * that the page is same-origin with the server) that would read customers and the inbox. Also: the
 * engines listen on the loopback interface only, and a malformed path is a 400, not a 500.
 */

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host) and this raw path. */
function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const EVIL = 'http://evil.example';

describe("the local runtime's API", () => {
  let stack: LocalStack;
  let port: number;
  let email: string;

  beforeAll(async () => {
    stack = await startTestStack('local-endpoints', testConfig());
    port = Number(new URL(stack.urls.api).port);
    email = uniqueEmail('target');
    expect((await postGeneric(stack.urls.api, signupBody(email))).status).toBe(200);
    await stack.settle();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const clock = async () => JSON.parse((await send(port, { path: '/_local/clock' })).text) as { offsetMs: number };
  const customer = async () =>
    JSON.parse((await send(port, { path: `/_local/customers/${encodeURIComponent(email)}` })).text) as {
      customer: { consent: { email: string }; suppressed?: unknown };
    };

  it("refuses another site's page moving the clock, forging a complaint or reading a customer, and changes nothing", async () => {
    const page = { 'content-type': 'text/plain;charset=UTF-8' };
    const attempts: { method?: string; path: string; body?: string; headers: Record<string, string> }[] = [
      { method: 'POST', path: '/_local/clock', body: '{"advance":"P30D"}', headers: { ...page, origin: EVIL } },
      // Origin "null": a sandboxed frame or a file:// page.
      { method: 'POST', path: '/_local/clock', body: '{"advance":"P30D"}', headers: { ...page, origin: 'null' } },
      // A browser that sends Fetch Metadata but no Origin (a navigation, a form in some browsers).
      {
        method: 'POST',
        path: '/_local/clock',
        body: '{"advance":"P30D"}',
        headers: { ...page, 'sec-fetch-site': 'cross-site' },
      },
      // Another local site (another port of 127.0.0.1) is same-site, not same-origin.
      {
        method: 'POST',
        path: '/_local/clock',
        body: '{"advance":"P30D"}',
        headers: { ...page, origin: 'http://127.0.0.1:9', 'sec-fetch-site': 'same-site' },
      },
      {
        method: 'POST',
        path: '/_local/ses-events',
        body: JSON.stringify({ email, kind: 'complaint' }),
        headers: { ...page, origin: EVIL, 'sec-fetch-site': 'cross-site' },
      },
      { method: 'POST', path: '/_local/jobs/model', headers: { ...page, origin: EVIL } },
      { path: `/_local/customers/${encodeURIComponent(email)}`, headers: { origin: EVIL } },
      { path: '/_local/events', headers: { 'sec-fetch-site': 'cross-site' } },
    ];
    for (const attempt of attempts) {
      const answer = await send(port, attempt);
      expect(answer.status, `${attempt.method ?? 'GET'} ${attempt.path} ${JSON.stringify(attempt.headers)}`).toBe(403);
      expect(JSON.parse(answer.text)).toMatchObject({
        error: 'Forbidden',
        message: /cross-origin requests are refused/,
      });
      expect(answer.text).not.toContain(email);
    }
    expect((await clock()).offsetMs).toBe(0);
    expect((await customer()).customer).toMatchObject({ consent: { email: 'subscribed' } });
    expect((await customer()).customer.suppressed).toBeUndefined();
  });

  it('answers only requests addressed to the loopback interface by name: a DNS-rebound name is refused', async () => {
    const path = `/_local/customers/${encodeURIComponent(email)}`;
    for (const host of [`rebound.evil.example:${port}`, 'localhost', `127.0.0.1:${port + 1}`, `${email}:${port}`]) {
      const answer = await send(port, { path, headers: { host } });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.text)).toEqual({
        error: 'Forbidden',
        message: `this local server answers only requests addressed to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}`,
      });
    }
    // Same-origin for a rebound page, and signed with the default secret every checkout knows: still refused.
    const raw = JSON.stringify({ ...signupBody(uniqueEmail('forged')), type: 'customer.erased' });
    const forged = await send(port, {
      method: 'POST',
      path: '/webhooks/generic',
      body: raw,
      headers: {
        host: `rebound.evil.example:${port}`,
        'content-type': 'application/json',
        [GENERIC_SIGNATURE_HEADER]: signGenericBody(raw, TEST_GENERIC_SECRET, Math.floor(Date.now() / 1000)),
      },
    });
    expect(forged.status).toBe(403);

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await send(port, { path, headers: { host } })).status, host).toBe(200);
    }
  });

  it('serves the command line and its own pages: no Origin, or its own loopback origin', async () => {
    const own = await send(port, {
      method: 'POST',
      path: '/_local/clock',
      body: '{"advance":"PT1S"}',
      headers: { origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin', host: `localhost:${port}` },
    });
    expect(own.status, own.text).toBe(200);
    const typed = await send(port, { path: '/_local/clock', headers: { 'sec-fetch-site': 'none' } });
    expect(typed.status).toBe(200);
  });

  it('answers a malformed percent escape in a path with 400 naming the path, not 500', async () => {
    for (const [method, path] of [
      ['POST', '/webhooks/%E0%A4%A'],
      ['GET', '/webhooks/%E0%A4%A/schema'],
      ['GET', '/_local/customers/%ZZ'],
      ['GET', '/_local/customers/%E0%A4%A'],
      ['POST', '/unsubscribe%'],
    ] as const) {
      const answer = await send(port, { method, path, body: method === 'POST' ? '{}' : undefined });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({
        error: 'InvalidRequest',
        message: 'the path is malformed (a bad percent escape?)',
      });
    }
  });
});

describe('the inbox page server (the local SES)', () => {
  // An engine of its own: this worker's SES store, so that the test never touches the shared inbox.
  let ses: RunningSesLocal;
  let port: number;
  const recipient = uniqueEmail('inbox');

  beforeAll(async () => {
    ses = await startSesLocal({ port: await freePort() });
    port = Number(new URL(ses.endpoint).port);
    const client = sesClient({ endpoint: ses.endpoint, region: 'local', credentials: LOCAL_CREDENTIALS });
    // The SDK (what the runtime sends with) is served as before.
    await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: [recipient] },
        Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi' } } } },
      }),
    );
  });

  afterAll(async () => {
    await ses?.stop();
  });

  it('keeps the emails from a rebound page and refuses another site clearing them', async () => {
    const rebound = await send(port, { path: '/store', headers: { host: `rebound.evil.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.text).not.toContain(recipient);
    const cleared = await send(port, {
      method: 'POST',
      path: '/clear-store',
      body: '',
      headers: { origin: EVIL, 'content-type': 'text/plain' },
    });
    expect(cleared.status).toBe(403);

    const own = await send(port, { path: '/store', headers: { 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
    expect(own.text).toContain(recipient);
    expect((await send(port, { path: '/', headers: { host: `localhost:${port}` } })).status).toBe(200);
  });
});

describe('DynamoDB Local, as the runtime and the tests start it', () => {
  const port = () => Number(new URL(engines().dynamoDbEndpoint).port);

  it('listens on the loopback interface only', async () => {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
      .map((address) => address?.address as string);
    // On Linux the whole of 127.0.0.0/8 is this machine: a server on every interface answers 127.0.0.2 too.
    if (process.platform === 'linux') addresses.push('127.0.0.2');
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      const reached = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port: port(), timeout: 5_000 });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => {
          socket.destroy();
          resolve(false);
        });
      });
      expect(reached, `${address}:${port()}`).toBe(false);
    }
  });

  it('refuses a rebound name and any web page (an Origin), and serves the SDKs', async () => {
    const listTables = (headers: Record<string, string>) =>
      send(port(), {
        method: 'POST',
        path: '/',
        body: '{}',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          ...headers,
        },
      });
    expect((await listTables({ host: `rebound.evil.example:${port()}` })).status).toBe(403);
    expect((await listTables({ origin: EVIL })).status).toBe(403);
    expect((await listTables({ origin: `http://127.0.0.1:${port()}` })).status).toBe(403);
    const tool = await listTables({});
    expect(tool.status).toBe(200);
    expect(JSON.parse(tool.text)).toHaveProperty('TableNames');
  });
});
