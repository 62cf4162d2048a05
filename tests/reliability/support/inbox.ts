import { inject } from 'vitest';
import { type ReceivedEmail, readInbox } from '../../helpers/inbox.js';

/**
 * Every email the local SES holds, by recipient (lower-cased), read in one request: the storms send
 * thousands, and asking once per address would read the whole store each time.
 */
export async function inboxByRecipient(since?: Date): Promise<Map<string, ReceivedEmail[]>> {
  const byRecipient = new Map<string, ReceivedEmail[]>();
  for (const email of await readInbox(inject('sesEndpoint'), since)) {
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
