import * as z from './zod.js';

/** The longest link accepted from outside, as given and once normalised. */
export const MAX_WEB_ADDRESS_LENGTH = 2000;

/**
 * A link that may reach an email or a page, in the one form the product writes it, or undefined when it
 * is not one: only `http:` and `https:` (never `javascript:`, `data:` or `mailto:`), a host, no user name
 * or password (`https://shop.example.com@evil.example/` shows one host and opens another), at most
 * {@link MAX_WEB_ADDRESS_LENGTH} characters.
 *
 * The normal form is the WHATWG URL serialisation (scheme and host lower-cased, default port dropped,
 * spaces, quotes and angle brackets percent-encoded) with the apostrophe and the backtick encoded too, so
 * it can stand in any quoted HTML attribute and in plain text without ending either.
 */
export function normaliseWebAddress(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  const href = url.href.replace(/['`"<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return href.length <= MAX_WEB_ADDRESS_LENGTH ? href : undefined;
}

const HTTP_MESSAGE = 'expected an http or https address such as https://shop.example.com/page';

/** Why `text` is refused as a link (the message never echoes it), or undefined. */
function webAddressProblem(text: string): string | undefined {
  if (normaliseWebAddress(text) !== undefined) return undefined;
  try {
    const url = new URL(text.trim());
    if (url.username !== '' || url.password !== '') return 'a link must not hold a user name or password';
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      return `a link has at most ${MAX_WEB_ADDRESS_LENGTH} characters once encoded`;
    }
  } catch {
    // Not a URL at all: the message below.
  }
  return HTTP_MESSAGE;
}

/** A link from outside (a storefront, the configuration): checked, then kept in its normal form. */
export const WebAddressSchema = z
  .pipe(
    z.string().check(
      z.trim(),
      z.maxLength(MAX_WEB_ADDRESS_LENGTH, { message: `a link has at most ${MAX_WEB_ADDRESS_LENGTH} characters` }),
      z.superRefine((text, context) => {
        const problem = webAddressProblem(text);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    ),
    z.transform((text) => normaliseWebAddress(text) as string),
  )
  .register(z.globalRegistry, { format: 'uri' });

/**
 * A link in template data: already in its normal form, so what a template prints is exactly what was
 * checked. A `z.url` underneath, so the data contracts still read "URL".
 */
export const TemplateLinkSchema = z.url({ protocol: /^https?$/, message: HTTP_MESSAGE }).check(
  z.refine((text) => normaliseWebAddress(text) === text, {
    message: 'expected an http or https address in its normal form (no quotes, spaces or credentials)',
  }),
);

/** The link in its normal form, or `fallback` when it is not a link the product writes. */
export function safeLink(text: string | undefined, fallback: string): string {
  return (text === undefined ? undefined : normaliseWebAddress(text)) ?? fallback;
}
