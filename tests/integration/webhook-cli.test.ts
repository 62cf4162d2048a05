import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GENERIC_SIGNATURE_HEADER, verifyGenericSignature } from '../../functions/adapters/webhooks/generic.js';
import { lifecycleCli, run } from '../helpers/processes.js';

/*
 * `lifecycle webhook send`, as docs/deploy.md uses it for a first test email through a deployed stack: the
 * body is signed with GENERIC_WEBHOOK_SECRET and posted to --url, with the address and times replaced.
 */

describe('lifecycle webhook send', () => {
  it('signs the file with the secret it is given and posts it, with --email, --new-id and --now applied', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: request.headers[GENERIC_SIGNATURE_HEADER] as string | undefined,
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"status":"accepted"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/generic`;
      const secret = 'a-deployed-stack-secret-0123456789';
      const result = await send(
        [
          'webhook',
          'send',
          'tests/fixtures/generic/customer-signed-up.json',
          '--url',
          url,
          '--email',
          'me@shop.example.com',
          '--new-id',
          '--now',
        ],
        { GENERIC_WEBHOOK_SECRET: secret },
      );
      expect(result.status, result.stderr).toBe(0);
      const [post] = received;
      const body = JSON.parse(post?.body ?? '{}') as {
        id: string;
        occurredAt: string;
        data: { customer: { email: string } };
      };
      expect(body.data.customer.email).toBe('me@shop.example.com');
      expect(body.id).not.toBe('evt_signup_0001');
      expect(Math.abs(Date.parse(body.occurredAt) - Date.now())).toBeLessThan(60_000);
      expect(verifyGenericSignature(post?.signature, post?.body ?? '', secret, new Date())).toMatchObject({ ok: true });
      const refused = await send(
        ['webhook', 'send', 'package.json', '--url', url, '--email', 'me@shop.example.com'],
        {},
      );
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('has no data.customer');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});

/** Runs the command-line tool while this process serves the receiving end. */
const send = (args: string[], env: Record<string, string>) => run(...lifecycleCli(args), { env });
