import { inject } from 'vitest';
import type { ReceivedEmail } from '../../helpers/inbox.js';

/**
 * Every email the local SES holds, by recipient (lower-cased), read in one request: the storms send
 * thousands, and asking once per address would read the whole store each time.
 */
export async function inboxByRecipient(since?: Date): Promise<Map<string, ReceivedEmail[]>> {
  // The local SES stamps emails in whole seconds: a second of margin.
  const query = since ? `?since=${Math.floor(since.getTime() / 1000) - 1}` : '';
  const response = await fetch(`${inject('sesEndpoint')}/store${query}`);
  const store = (await response.json()) as { emails: ReceivedEmail[] };
  const byRecipient = new Map<string, ReceivedEmail[]>();
  for (const email of store.emails) {
    for (const to of email.destination.to) {
      const address = (/<([^>]+)>/.exec(to)?.[1] ?? to).trim().toLowerCase();
      byRecipient.set(address, [...(byRecipient.get(address) ?? []), email]);
    }
  }
  return byRecipient;
}

/** How many emails the local SES holds for one address. */
export async function emailCount(address: string): Promise<number> {
  return (await inboxByRecipient()).get(address.toLowerCase())?.length ?? 0;
}
