/** An email as the local SES keeps it (GET /store). */
export interface ReceivedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
}

/** Every email the local SES holds, oldest first; `since` keeps those of that second and later. */
export async function readInbox(sesEndpoint: string, since?: Date): Promise<ReceivedEmail[]> {
  // The local SES stamps emails in whole seconds: a second of margin.
  const query = since ? `?since=${Math.floor(since.getTime() / 1000) - 1}` : '';
  const response = await fetch(`${sesEndpoint}/store${query}`);
  return ((await response.json()) as { emails: ReceivedEmail[] }).emails;
}

/** Every email the local SES has received for one address, oldest first. */
export async function emailsTo(sesEndpoint: string, address: string): Promise<ReceivedEmail[]> {
  return (await readInbox(sesEndpoint)).filter((email) => email.destination.to.some((to) => to.includes(address)));
}

export function header(email: ReceivedEmail, name: string): string | undefined {
  return email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}
