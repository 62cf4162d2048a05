import { randomUUID } from 'node:crypto';
import { GENERIC_SIGNATURE_HEADER, signGenericBody } from '../../functions/adapters/webhooks/generic.js';
import { apiEvent } from './api-event.js';

export const TEST_GENERIC_SECRET = 'local-generic-secret';

/** A body signed as a custom shop signs it, as API Gateway hands it to the webhook function (in process). */
export function signedGenericEvent(raw: string, secret = TEST_GENERIC_SECRET) {
  return apiEvent(
    'POST',
    '/webhooks/generic',
    raw,
    {
      'content-type': 'application/json',
      [GENERIC_SIGNATURE_HEADER]: signGenericBody(raw, secret, Math.floor(Date.now() / 1000)),
    },
    { pathParameters: { source: 'generic' } },
  );
}

/** A generic-format signup body; consent subscribed unless told otherwise. */
export function signupBody(
  email: string,
  overrides: {
    id?: string;
    firstName?: string;
    consent?: 'subscribed' | 'unsubscribed' | 'pending';
    occurredAt?: string;
  } = {},
) {
  return {
    id: overrides.id ?? `evt_${randomUUID()}`,
    type: 'customer.signed_up',
    occurredAt: overrides.occurredAt ?? new Date().toISOString(),
    data: {
      customer: {
        email,
        firstName: overrides.firstName ?? 'Ada',
        timezone: 'Europe/London',
        consent: { email: overrides.consent ?? 'subscribed', source: 'test-form' },
      },
    },
  };
}

/** Posts a body signed as a custom shop would, to a running local runtime. */
export async function postGeneric(
  apiUrl: string,
  body: unknown,
  options: { secret?: string; timestamp?: number; signature?: string | null } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signature !== null) {
    headers[GENERIC_SIGNATURE_HEADER] =
      options.signature ?? signGenericBody(raw, options.secret ?? TEST_GENERIC_SECRET, timestamp);
  }
  const response = await fetch(`${apiUrl}/webhooks/generic`, { method: 'POST', headers, body: raw });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
