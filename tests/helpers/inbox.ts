/** An email as the local SES keeps it (GET /store). */
export interface ReceivedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
}

/** Every email the local SES has received for one address, oldest first. */
export async function emailsTo(sesEndpoint: string, address: string): Promise<ReceivedEmail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  const store = (await response.json()) as { emails: ReceivedEmail[] };
  return store.emails.filter((email) => email.destination.to.some((to) => to.includes(address)));
}

export function header(email: ReceivedEmail, name: string): string | undefined {
  return email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}
